"""A form as clients receive it: the JSON Schema plus its `x-ui` hints gathered by property path."""

from __future__ import annotations

from typing import Any

from ..forms import Form


def ui_hints(schema: dict[str, Any]) -> dict[str, Any]:
    """The `x-ui` hints of the form and its properties, keyed by property path ("" for the form)."""
    hints: dict[str, Any] = {}

    def walk(node: Any, path: str) -> None:
        if not isinstance(node, dict):
            return
        if isinstance(node.get("x-ui"), dict):
            hints[path] = node["x-ui"]
        for name, child in (node.get("properties") or {}).items():
            walk(child, f"{path}.{name}" if path else name)
        if isinstance(node.get("items"), dict):
            walk(node["items"], f"{path}[]")

    walk(schema, "")
    return hints


def form_document(form: Form) -> dict[str, Any]:
    return {"key": form.key, "title": form.title, "schema": form.schema, "ui": ui_hints(form.schema)}
