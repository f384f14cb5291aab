"""Input every request must satisfy before any view sees it.

- No NUL characters (PostgreSQL cannot store them in text, and no legitimate client sends them) in the
  path, the query or a JSON body.
- A JSON body is parsed once, here, and refused as a whole (400 `invalid_body`) unless it is strict
  JSON (no NaN or Infinity, no number longer than Python reads), holds only valid Unicode (no lone
  surrogate such as `"\\ud800"`, which no database and no UTF-8 encoder accepts) and is nested at most
  `MAX_JSON_DEPTH` deep (deeper input exhausts the recursion of every parser and validator behind it).
  Every view, whatever reads the body later (webargs, `request.get_json`), sees only such bodies.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, request

from engine.errors import InvalidBody, InvalidInput

NUL_IN_JSON = b"\\u0000"
# The deepest legitimate body (a form with a list of objects inside an object) is under 10 levels.
MAX_JSON_DEPTH = 64
_SURROGATE = re.compile("[\ud800-\udfff]")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json_body(raw: bytes) -> Any:
    """The body as JSON, or `InvalidBody` saying what is wrong with it."""
    try:
        text = raw.decode(json.detect_encoding(raw))
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise InvalidBody(f"the body is nested deeper than {MAX_JSON_DEPTH} levels", field="(body)") from None
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        raise InvalidBody(f"the body is not valid JSON: {exc}", field="(body)") from None
    _check(value)
    return value


def _check(value: Any) -> None:
    """Depth and Unicode of every key and value, without recursion."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise InvalidBody("the body contains a lone surrogate (not valid Unicode)", field="(body)")
            continue
        if not isinstance(item, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            raise InvalidBody(f"the body is nested deeper than {MAX_JSON_DEPTH} levels", field="(body)")
        children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children)


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
