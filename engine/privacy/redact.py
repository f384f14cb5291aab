"""Removing known personal values from free text and JSON (for erasure after the retention period).

The values to look for are the procedure's facts: names, numbers, addresses, free-text answers. A
value is removed wherever it occurs (case-insensitive), and so are the words of a multi-word value
("Sanne Bakker" also removes a lone "Bakker"), so notes and reasons that quote them lose them too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

REDACTED = "[verwijderd]"
MIN_TEXT = 3
MIN_NUMBER = 4
MIN_WORD = 4
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*", re.UNICODE)
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, str):
        text = value.strip()
        if len(text) >= MIN_TEXT:
            yield text
            words = _WORD.findall(text)
            if len(words) > 1:
                yield from (w for w in words if len(w) >= MIN_WORD)
    elif isinstance(value, int | float):
        text = str(value)
        if len(text) >= MIN_NUMBER:
            yield text
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def pattern_for(values: Iterable[Any]) -> re.Pattern[str] | None:
    """One pattern matching any of the values as whole words (longest first), or None when there is
    nothing to find: "Eva" is removed, "evaluatie" is not."""
    needles = sorted({s for v in values for s in _strings(v)}, key=lambda s: (-len(s), s))
    if not needles:
        return None
    alternatives = "|".join(re.escape(n) for n in needles)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def redact_text(text: str | None, pattern: re.Pattern[str] | None) -> str | None:
    if text is None or pattern is None:
        return text
    return pattern.sub(REDACTED, text)


def redact_json(value: Any, pattern: re.Pattern[str] | None) -> Any:
    """The same JSON value with every string (not the keys) redacted."""
    if pattern is None:
        return value
    if isinstance(value, str):
        return value if _UUID.match(value) else pattern.sub(REDACTED, value)
    if isinstance(value, list):
        return [redact_json(item, pattern) for item in value]
    if isinstance(value, dict):
        return {key: redact_json(item, pattern) for key, item in value.items()}
    return value


def redact_state(state: dict[str, Any], pattern: re.Pattern[str] | None) -> dict[str, Any]:
    """A serialized process state with only its process data redacted (the task tree, spec names and
    ids stay exactly as they are, so the state still loads)."""
    if pattern is None:
        return state

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: redact_json(item, pattern) if key in ("data", "internal_data") else walk(item)
                for key, item in node.items()
            }
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    result: dict[str, Any] = walk(state)
    return result
