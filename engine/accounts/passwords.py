"""Password hashing with scrypt (standard library): memory-hard, salted, parameters stored in the hash."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# ~40 ms on a 2-core machine: slow enough to make guessing expensive, fast enough for a login.
N, R, P = 2**14, 8, 1
_MAXMEM = 64 * 1024 * 1024
MIN_LENGTH = 8


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, *, n: int = N) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=R, p=P, maxmem=_MAXMEM, dklen=32)
    return f"scrypt${n}${R}${P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str | None) -> bool:
    """True if `password` matches `stored`. A missing or malformed hash never matches, but the work
    is still done, so timing does not tell whether an account exists."""
    try:
        scheme, n, r, p, salt, digest = (stored or "").split("$")
        if scheme != "scrypt":
            raise ValueError(scheme)
        expected = base64.b64decode(digest)
        computed = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=_MAXMEM,
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        hashlib.scrypt(password.encode("utf-8"), salt=b"0" * 16, n=N, r=R, p=P, maxmem=_MAXMEM, dklen=32)
        return False
    return hmac.compare_digest(computed, expected)
