"""Forms: JSON Schema (Draft 2020-12) documents that describe what a user task collects.

The server validates every submission, always: formats are checked (plus ``bsn``, the Dutch
citizen service number with its 11-check), and forms are closed — a field the form does not name is
refused — unless an object in the schema explicitly sets ``additionalProperties``.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError, ValidationError

from .errors import FieldError, InvalidForm


def is_valid_bsn(value: object) -> bool:
    """The 11-check ("elfproef") for a burgerservicenummer: 9 digits, weighted sum divisible by 11."""
    if not isinstance(value, str) or len(value) != 9 or not value.isdigit() or value == "000000000":
        return False
    digits = [int(c) for c in value]
    total = sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - digits[8]
    return total % 11 == 0


FORMAT_CHECKER = FormatChecker()
FORMAT_CHECKER.checks("bsn")(lambda value: not isinstance(value, str) or is_valid_bsn(value))


# Subschemas that constrain the same instance as their parent (conditions, combinations). They are
# not closed: closing `if: {properties: {a: …}}` would make the condition false for every submission
# with other fields too, and a closed `then` would refuse them; the parent object is closed already.
_IN_PLACE = {"allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas"}


def _closed(schema: Any, close: bool = True) -> Any:
    """A copy of `schema` where every object schema without `additionalProperties` refuses unknown keys."""
    if isinstance(schema, list):
        return [_closed(item, close) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: _closed(value, close and key not in _IN_PLACE) for key, value in schema.items()}
    if not close:
        return result
    is_object = result.get("type") == "object" or "properties" in result
    if is_object and "additionalProperties" not in result and "unevaluatedProperties" not in result:
        result["additionalProperties"] = False
    return result


@dataclass(frozen=True)
class Form:
    key: str
    schema: dict[str, Any]
    validator: Draft202012Validator
    # Whether any field is marked as personal data (x-fact / x-subject): forms without any skip the
    # fact-recording work entirely.
    has_personal_data: bool = False

    @property
    def title(self) -> str:
        return str(self.schema.get("title") or self.key)

    @property
    def field_names(self) -> list[str]:
        return list((self.schema.get("properties") or {}).keys())

    def categories(self, data: Any) -> list[str]:
        """The data categories (x-fact) of the fields `data` fills in, nested fields included: what
        a timeline entry about this submission touches, without its values."""
        if not self.has_personal_data or not isinstance(data, dict):
            return []
        properties = self.schema.get("properties") or {}
        found: set[str] = set()
        for name in data:
            _collect_categories(properties.get(name), found)
        return sorted(found)

    def validate(self, data: Any) -> list[FieldError]:
        if not isinstance(data, dict):
            return [FieldError("", "the form data must be an object", "type")]
        errors = [f for e in self.validator.iter_errors(data) for f in _field_errors(e)]
        errors.sort(key=lambda e: (e.field, e.code))
        return errors

    def require_valid(self, data: Any) -> None:
        """Raise InvalidForm naming every field that is not valid (what a command answers with 422)."""
        errors = self.validate(data)
        if errors:
            raise InvalidForm(f"{len(errors)} field(s) are not valid", errors)


def require_data(form: Form | None, data: dict[str, Any], refusal: str) -> None:
    """Check data against the form that takes it; where there is no form, no data is taken and
    `refusal` says so (naming each field as unknown)."""
    if form is not None:
        form.require_valid(data)
    elif data:
        unknown = [FieldError(key, "unknown field", "unknown_field") for key in sorted(data)]
        raise InvalidForm(refusal, unknown)


def _collect_categories(schema: Any, found: set[str]) -> None:
    if isinstance(schema, dict):
        fact = schema.get("x-fact")
        if isinstance(fact, dict) and isinstance(fact.get("category"), str):
            found.add(fact["category"])
        for value in schema.values():
            if isinstance(value, dict | list):
                _collect_categories(value, found)
    elif isinstance(schema, list):
        for item in schema:
            _collect_categories(item, found)


def schema_problems(schema: Any) -> list[str]:
    """Deploy-time check of a form file's content; empty when it is a usable form."""
    if not isinstance(schema, dict):
        return ["a form must be a JSON object (a JSON Schema)"]
    problems: list[str] = []
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
        problems.append(f"not a valid JSON Schema at {where}: {exc.message}")
        return problems
    declared = schema.get("$schema")
    if declared and "2020-12" not in declared:
        problems.append(f"forms use JSON Schema Draft 2020-12; this one declares {declared}")
    if schema.get("type") != "object":
        problems.append('a form\'s top level must be "type": "object"')
    return problems


def compile_form(key: str, schema: dict[str, Any]) -> Form:
    closed = _closed(copy.deepcopy(schema))
    marked = '"x-fact"' in json.dumps(schema) or '"x-subject"' in json.dumps(schema)
    return Form(
        key=key,
        schema=schema,
        validator=Draft202012Validator(closed, format_checker=FORMAT_CHECKER),
        has_personal_data=marked,
    )


def _join(path: Any) -> str:
    return ".".join(str(p) for p in path)


LIMITS = {"minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems"}


def _must_be_empty(schema: Any) -> list[str]:
    """Field names a `not` schema forbids: `not: {required: [a]}` or `not: {anyOf: [{required: [a]}, …]}`."""
    if not isinstance(schema, dict):
        return []
    names = [str(n) for n in schema.get("required") or []]
    for option in schema.get("anyOf") or []:
        names.extend(_must_be_empty(option))
    return names


def _field_errors(error: ValidationError) -> list[FieldError]:
    """One validator error as field errors, each at the field a person filled in wrongly: a `not` that
    forbids fields (`then: {not: {required: [x]}}`) lands on those fields, not on their form."""
    if str(error.validator) == "not":
        base = _join(error.absolute_path)
        forbidden = _must_be_empty(error.validator_value)
        instance = error.instance if isinstance(error.instance, dict) else {}
        present = [name for name in forbidden if name in instance]
        if present:
            return [
                FieldError(".".join(filter(None, [base, name])), "must be left empty here", "must_be_empty")
                for name in present
            ]
        if isinstance(error.validator_value, dict) and "const" in error.validator_value:
            return [FieldError(base, "this choice is not possible with the other answers", "excluded_choice")]
    return [_field_error(error)]


def _field_error(error: ValidationError) -> FieldError:
    base = _join(error.absolute_path)
    validator = str(error.validator)
    if validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        field = f"{base}.{missing}" if base else missing
        return FieldError(field, "this field is required", "required")
    if validator in {"additionalProperties", "unevaluatedProperties"}:
        instance = error.instance if isinstance(error.instance, dict) else {}
        allowed = (
            set((error.schema.get("properties") or {}).keys()) if isinstance(error.schema, dict) else set()
        )
        unknown = sorted(k for k in instance if k not in allowed) or ["?"]
        field = ".".join(filter(None, [base, unknown[0]]))
        return FieldError(field, f"unknown field(s): {', '.join(unknown)}", "unknown_field")
    if validator == "format":
        fmt = error.validator_value
        message = "not a valid BSN (burgerservicenummer)" if fmt == "bsn" else f"not a valid {fmt}"
        return FieldError(base, message, f"format_{fmt}")
    if validator in LIMITS and isinstance(error.validator_value, int | float):
        return FieldError(base, error.message, validator, limit=error.validator_value)
    return FieldError(base, error.message, validator)
