# Two commands on a fresh machine: `make run` and `make test`. Every target installs what it needs
# (a virtualenv with the project, the npm packages, Debian's chromium for browser tests) and is
# idempotent: a second run installs nothing.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
PORT ?= 5000
PYTEST_ARGS ?= -n 2

.PHONY: run test bench install python-deps node-deps system-deps lint typecheck check clean translations

run: install
	$(BIN)/wams run --port $(PORT)

test: install system-deps
	$(BIN)/ruff check engine api tests bench
	$(BIN)/mypy
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench

install: python-deps node-deps

python-deps: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# This machine's pip config lists local mirrors that may be absent; their warnings are noise.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]' 2>&1 \
		| { grep -v "is ignored: it is neither a file nor a directory" || true; }; test $${PIPESTATUS[0]} -eq 0
	@touch $(STAMP)

node-deps: $(NODE_STAMP)

$(NODE_STAMP): package.json package-lock.json api/static/js/lint-entry.js $(wildcard api/assets/*.js)
	npm ci --no-audit --no-fund --loglevel=error
	npm run --silent build
	@touch $(NODE_STAMP)

# Browser tests drive Debian's chromium; docker-compose validates docker-compose.yml without an engine.
system-deps:
	@scripts/ensure-system-packages.sh

lint: python-deps
	$(BIN)/ruff check engine api tests bench

typecheck: python-deps
	$(BIN)/mypy

# The Dutch catalog of the web layer (api/translations/nl): compile after editing messages.po.
translations: python-deps
	$(BIN)/pybabel compile -d api/translations

clean:
	rm -rf $(VENV) node_modules instance .mypy_cache .ruff_cache .pytest_cache
