#!/usr/bin/env bash
# Install the Debian packages the test suite uses when they are missing: chromium (end-to-end tests
# through Playwright with executablePath) and docker-compose (validates docker-compose.yml; no Docker
# engine is needed or started). Needs root or passwordless sudo; without either it says what is
# missing and the tests that need it are skipped with that reason.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif sudo -n true 2>/dev/null; then sudo="sudo -n"; else
  echo "note: cannot install ${missing[*]} (not root); tests needing them will be skipped" >&2
  exit 0
fi
echo "installing ${missing[*]} from Debian's packages"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
  $sudo apt-get update -qq >/dev/null
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
