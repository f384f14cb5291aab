"""A refused form's errors as a person meets them: each at the field to fix (a required group that
was left empty names its required fields, not the group), in the reader's language, and listed in
the order of the form rather than alphabetically."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import FieldError, InvalidForm

from ..field_messages import field_message
from .forms import kind_of, ordered_properties


def _schema_at(schema: Mapping[str, Any], path: str) -> Mapping[str, Any] | None:
    node: Any = schema
    for part in path.split(".") if path else []:
        if not isinstance(node, Mapping):
            return None
        if part.isdigit() and isinstance(node.get("items"), Mapping):
            node = node["items"]
        else:
            node = (node.get("properties") or {}).get(part)
    return node if isinstance(node, Mapping) else None


def _required_leaves(schema: Mapping[str, Any], path: str) -> list[str]:
    """The required fields inside an object that was left out as a whole, nested groups opened up."""
    found: list[str] = []
    required = set(schema.get("required") or [])
    for name, child in ordered_properties(schema):
        if name not in required:
            continue
        child_path = f"{path}.{name}"
        if kind_of(child) == "object":
            found.extend(_required_leaves(child, child_path) or [child_path])
        else:
            found.append(child_path)
    return found


def _order(schema: Mapping[str, Any]) -> dict[str, int]:
    """Every field path of the form in the order it is shown (array rows by index up to 50)."""
    order: dict[str, int] = {}

    def walk(node: Mapping[str, Any], prefix: str) -> None:
        for name, child in ordered_properties(node):
            path = f"{prefix}.{name}" if prefix else name
            order.setdefault(path, len(order))
            kind = kind_of(child)
            if kind == "object":
                walk(child, path)
            elif kind == "rows" and isinstance(child.get("items"), Mapping):
                for index in range(50):
                    order.setdefault(f"{path}.{index}", len(order))
                    walk(child["items"], f"{path}.{index}")

    walk(schema, "")
    return order


def placed_errors(error: InvalidForm, schema: Mapping[str, Any]) -> dict[str, list[str]]:
    """Messages per field path, in form order; a pattern error is dropped when the field has a more
    telling one (a BSN of letters is "not a valid BSN", not also "not the expected form")."""
    items: list[FieldError] = []
    for item in error.errors:
        target = _schema_at(schema, item.field)
        if item.code == "required" and target is not None and kind_of(target) == "object":
            leaves = _required_leaves(target, item.field)
            if leaves:
                items.extend(FieldError(leaf, item.message, "required") for leaf in leaves)
                continue
        items.append(item)
    by_path: dict[str, list[FieldError]] = {}
    for item in items:
        by_path.setdefault(item.field, []).append(item)
    order = _order(schema)
    result: dict[str, list[str]] = {}
    for path in sorted(by_path, key=lambda p: (order.get(p, len(order)), p)):
        found = by_path[path]
        if len(found) > 1:
            found = [i for i in found if i.code != "pattern"] or found
        messages: list[str] = []
        for item in found:
            text = field_message(item)
            if text not in messages:
                messages.append(text)
        result[path] = messages
    return result
