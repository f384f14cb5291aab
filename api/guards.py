"""Input every request must satisfy before any view sees it.

- No NUL characters (PostgreSQL cannot store them in text, and no legitimate client sends them) in the
  path, the query or a JSON body.
- A JSON body is parsed once, here, and refused as a whole (400 `invalid_body`) unless it is strict
  JSON (no NaN or Infinity, no number longer than Python reads), holds only valid Unicode (no lone
  surrogate such as `"\\ud800"`, which no database and no UTF-8 encoder accepts) and is nested at most
  64 deep (deeper input exhausts the recursion of every parser and validator behind it); the
  reading itself is `engine.safe_json`, which uploaded bundles' forms go through as well.
  Every view, whatever reads the body later (webargs, `request.get_json`), sees only such bodies.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request

from engine.errors import InvalidBody, InvalidInput
from engine.safe_json import UnsafeJson, load_json

NUL_IN_JSON = b"\\u0000"


def parse_json_body(raw: bytes) -> Any:
    """The body as JSON, or `InvalidBody` saying what is wrong with it."""
    try:
        return load_json(raw)
    except UnsafeJson as exc:
        raise InvalidBody(f"the request body is not usable: {exc}", field="(body)") from None


def install_input_guards(app: Flask) -> None:
    @app.before_request
    def _refuse_bad_input() -> None:
        if "\x00" in request.path or b"%00" in request.query_string or b"\x00" in request.query_string:
            raise InvalidInput("the request contains a NUL character", field="(url)")
        if not request.is_json:
            return
        raw = request.get_data(cache=True)
        if NUL_IN_JSON in raw:
            raise InvalidInput("the request body contains a NUL character", field="(body)")
        if raw.strip():
            parsed = parse_json_body(raw)
            # Flask's own cache (silent and strict reads alike), so `get_json` does not parse again.
            request._cached_json = (parsed, parsed)  # type: ignore[attr-defined]
