"""JSON Schema forms in HTML: the field tree the templates render (`templates/web/_form.html`), and
the posted form turned back into the JSON the engine validates.

Field names are the engine's error paths: `client.bsn`, `gezinsleden.0.naam`. So a field error from
the server lands next to its field, and what was typed is shown again as it was posted. The server
decides what is valid; this module only translates between HTML controls and JSON.

Supported: nested objects (fieldsets), arrays of objects (rows with add/remove), enums and `oneOf`
with `const`+`title` (radios or a select), arrays of choices (checkboxes), booleans (yes/no radios, or
one checkbox for `const: true`), strings (text, textarea, date, date-time, email), numbers, and the
`x-ui` hints `order`, `widget`, `placeholder`, `rows` and `role` (widget `user`: a person with a role).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext
from werkzeug.datastructures import MultiDict

from engine.municipal_time import municipal_zone

from .labels import model_text

ARRAY_MARKER = "__array"  # hidden input: this array was on the page (so an empty one is [] not missing)
MISSING: Any = object()
INDEX_PLACEHOLDER = "__index__"


@dataclass
class Field:
    path: str
    name: str
    kind: str
    label: str
    help: str | None = None
    placeholder: str | None = None
    required: bool = False
    options: list[tuple[str, str]] = field(default_factory=list)
    value: Any = None
    errors: list[str] = field(default_factory=list)
    children: list[Field] = field(default_factory=list)
    rows: list[Field] = field(default_factory=list)
    template: Field | None = None
    max_length: int | None = None
    max_items: int | None = None
    role: str | None = None
    personal: bool = False

    @property
    def id(self) -> str:
        return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", self.path)

    def checked(self, option: str) -> bool:
        if isinstance(self.value, list):
            return option in [_text(v) for v in self.value]
        return self.value is not None and _text(self.value) == option

    @property
    def text(self) -> str:
        return "" if self.value is None or self.value is MISSING else _text(self.value)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(c.has_errors for c in (*self.children, *self.rows))


def _text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def _choices(schema: Mapping[str, Any]) -> list[tuple[Any, str]] | None:
    if isinstance(schema.get("oneOf"), list) and all(
        isinstance(o, dict) and "const" in o for o in schema["oneOf"]
    ):
        return [(o["const"], model_text(str(o.get("title") or o["const"]))) for o in schema["oneOf"]]
    if isinstance(schema.get("enum"), list):
        return [(v, str(v)) for v in schema["enum"]]
    return None


def _type(schema: Mapping[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind is None and "properties" in schema:
        return "object"
    return kind if isinstance(kind, str) else None


def ordered_properties(schema: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    properties: Mapping[str, Any] = schema.get("properties") or {}
    order = [n for n in (schema.get("x-ui") or {}).get("order") or [] if n in properties]
    rest = [n for n in properties if n not in order]
    return [(n, properties[n]) for n in [*order, *rest] if isinstance(properties[n], Mapping)]


def kind_of(schema: Mapping[str, Any]) -> str:
    ui = schema.get("x-ui") or {}
    widget = ui.get("widget")
    kind = _type(schema)
    choices = _choices(schema)
    if kind == "object":
        return "object"
    if kind == "array":
        items = schema.get("items") or {}
        if _type(items) == "object":
            return "rows"
        return "checkboxes" if _choices(items) is not None else "list"
    if widget == "user":
        return "user"
    if kind == "boolean":
        if schema.get("const") is True:
            return "confirm"
        return "radio" if choices is None else ("select" if widget == "select" else "radio")
    if choices is not None:
        if widget == "radio" or (widget is None and len(choices) <= 4):
            return "radio"
        return "select"
    if kind in {"integer", "number"}:
        return kind
    fmt = schema.get("format")
    if widget == "textarea":
        return "textarea"
    if fmt in {"date", "date-time", "email"}:
        return {"date": "date", "date-time": "datetime", "email": "email"}[fmt]
    return "text"


# --- building the field tree ----------------------------------------------------------------------


def build_fields(
    schema: Mapping[str, Any],
    values: Mapping[str, Any] | None,
    errors: Mapping[str, list[str]] | None = None,
    users: Mapping[str, list[tuple[str, str]]] | None = None,
) -> list[Field]:
    """The form's fields with the values to show and the error messages per path."""
    return _object_children(schema, values or {}, "", errors or {}, users or {})


def _object_children(
    schema: Mapping[str, Any],
    values: Any,
    prefix: str,
    errors: Mapping[str, list[str]],
    users: Mapping[str, list[tuple[str, str]]],
) -> list[Field]:
    required = set(schema.get("required") or [])
    values = values if isinstance(values, Mapping) else {}
    return [
        _field(
            name,
            prop,
            values.get(name),
            f"{prefix}.{name}" if prefix else name,
            name in required,
            errors,
            users,
        )
        for name, prop in ordered_properties(schema)
    ]


def _field(
    name: str,
    schema: Mapping[str, Any],
    value: Any,
    path: str,
    required: bool,
    errors: Mapping[str, list[str]],
    users: Mapping[str, list[tuple[str, str]]],
) -> Field:
    ui = schema.get("x-ui") or {}
    kind = kind_of(schema)
    result = Field(
        path=path,
        name=name,
        kind=kind,
        label=model_text(str(schema.get("title") or name)),
        help=schema.get("description"),
        placeholder=ui.get("placeholder"),
        required=required,
        value=value,
        errors=list(errors.get(path, [])),
        max_length=schema.get("maxLength"),
        max_items=schema.get("maxItems"),
        role=ui.get("role"),
        personal="x-fact" in schema,
    )
    if kind == "object":
        result.children = _object_children(schema, value, path, errors, users)
    elif kind == "rows":
        items = schema.get("items") or {}
        rows = value if isinstance(value, list) else []
        result.rows = [
            _field(str(i + 1), items, row, f"{path}.{i}", True, errors, users) for i, row in enumerate(rows)
        ]
        for row in result.rows:
            row.kind = "object"
        result.template = _field("", items, {}, f"{path}.{INDEX_PLACEHOLDER}", True, {}, users)
        result.template.kind = "object"
    elif kind == "checkboxes":
        result.options = [(_text(v), t) for v, t in _choices(schema.get("items") or {}) or []]
    elif kind == "radio" and _type(schema) == "boolean" and _choices(schema) is None:
        result.options = [("true", str(lazy_gettext("Yes"))), ("false", str(lazy_gettext("No")))]
    elif kind in {"radio", "select"}:
        result.options = [(_text(v), t) for v, t in _choices(schema) or []]
    elif kind == "user":
        result.options = list(users.get(result.role or "", []))
        if not result.options:
            result.kind = "text"
    elif kind == "datetime" and isinstance(value, str):
        result.value = _local_datetime(value)
    return result


def _local_datetime(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(municipal_zone())
    return moment.strftime("%Y-%m-%dT%H:%M")


def user_roles(schema: Mapping[str, Any]) -> set[str]:
    """Roles named by `x-ui.widget: user` fields (the view fetches the people who have them)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if not isinstance(node, Mapping):
            return
        ui = node.get("x-ui") or {}
        if ui.get("widget") == "user" and ui.get("role"):
            found.add(str(ui["role"]))
        for child in (node.get("properties") or {}).values():
            walk(child)
        walk(node.get("items"))

    walk(schema)
    return found


# --- reading the posted form ----------------------------------------------------------------------


def parse_submission(schema: Mapping[str, Any], form: MultiDict[str, str]) -> dict[str, Any]:
    """The posted form as JSON for the schema. Empty fields are left out (so `required` speaks), text
    that is not a number stays text (so the server's type error shows it again)."""
    arrays = set(form.getlist(ARRAY_MARKER))
    result = _parse_object(schema, form, "", arrays)
    return result if result is not MISSING else {}


def _parse_object(schema: Mapping[str, Any], form: MultiDict[str, str], prefix: str, arrays: set[str]) -> Any:
    out: dict[str, Any] = {}
    for name, prop in ordered_properties(schema):
        path = f"{prefix}.{name}" if prefix else name
        value = _parse_value(prop, form, path, arrays)
        if value is not MISSING:
            out[name] = value
    return out if out else MISSING


def _parse_value(schema: Mapping[str, Any], form: MultiDict[str, str], path: str, arrays: set[str]) -> Any:
    kind = kind_of(schema)
    if kind == "object":
        return _parse_object(schema, form, path, arrays)
    if kind == "rows":
        indices = sorted(
            {
                int(match.group(1))
                for key in form
                if (match := re.match(re.escape(path) + r"\.(\d+)\.", key)) is not None
            }
        )
        rows = [_parse_object(schema.get("items") or {}, form, f"{path}.{i}", arrays) for i in indices]
        kept = [r for r in rows if r is not MISSING]
        return kept if kept or path in arrays else MISSING
    if kind in {"checkboxes", "list"}:
        items = schema.get("items") or {}
        picked = [_coerce(items, v.replace("\x00", "")) for v in form.getlist(path) if v != ""]
        return picked if picked or path in arrays else MISSING
    raw = form.get(path)
    if raw is None:
        return MISSING
    raw = raw.replace("\x00", "")
    if kind == "confirm":
        return True if raw == "true" else MISSING
    if raw.strip() == "":
        return MISSING
    if kind == "datetime":
        return _utc_datetime(raw)
    if kind == "textarea":
        raw = raw.replace("\r\n", "\n")
    return _coerce(schema, raw)


def _coerce(schema: Mapping[str, Any], raw: str) -> Any:
    choices = _choices(schema)
    if choices is not None:
        for value, _ in choices:
            if _text(value) == raw:
                return value
        return raw
    kind = _type(schema)
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw, raw)
    if kind == "integer":
        try:
            return int(raw.strip())
        except ValueError:
            return raw
    if kind == "number":
        try:
            number = float(raw.strip().replace(",", "."))
        except ValueError:
            return raw
        return int(number) if number.is_integer() else number
    return raw


def _utc_datetime(raw: str) -> str:
    """`<input type=datetime-local>` gives municipal wall time without a zone; the schema wants RFC 3339."""
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return raw
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=municipal_zone())
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def walk(fields: list[Field]) -> list[Field]:
    """Every field of the tree, depth first (the error summary looks labels up by path)."""
    found: list[Field] = []
    for item in fields:
        found.append(item)
        found.extend(walk([*item.children, *item.rows]))
    return found
