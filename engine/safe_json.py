"""Reading JSON that came from outside (request bodies, forms in an uploaded bundle) so that nothing
behind it can fail on it: strict JSON (no NaN or Infinity), valid Unicode only (no lone surrogate
such as `"\\ud800"`, which no database and no UTF-8 encoder accepts) and at most `MAX_JSON_DEPTH`
levels deep (deeper input exhausts the recursion of every parser and validator behind it)."""

from __future__ import annotations

import json
import re
from typing import Any

# The deepest legitimate document (a form schema with objects in lists in objects) is under 20 levels.
MAX_JSON_DEPTH = 64
_SURROGATE = re.compile("[\ud800-\udfff]")


class UnsafeJson(ValueError):
    """What is wrong with the document, in a sentence."""


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def load_json(raw: bytes) -> Any:
    """The document, or `UnsafeJson` saying why not."""
    try:
        value = json.loads(raw.decode(json.detect_encoding(raw)), parse_constant=_refuse_constant)
    except RecursionError:
        raise UnsafeJson(f"it is nested deeper than {MAX_JSON_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        raise UnsafeJson(f"it is not valid JSON: {exc}") from None
    check_json_value(value)
    return value


def check_json_value(value: Any) -> None:
    """Depth and Unicode of every key and value, without recursion."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise UnsafeJson("it contains a lone surrogate (not valid Unicode)")
            continue
        if not isinstance(item, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            raise UnsafeJson(f"it is nested deeper than {MAX_JSON_DEPTH} levels")
        children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children)
