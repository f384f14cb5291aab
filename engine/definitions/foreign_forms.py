"""JSON Schema forms generated from other modelers' forms.

- Camunda 7 ``camunda:formData`` fields (and Flowable's/Activiti's ``formProperty``) on a user task or
  start event: types, labels, required, enum values, min/max and length constraints;
- Camunda 8 form-js forms: a ``.form`` file linked with ``zeebe:formDefinition formId`` or a
  ``zeebe:userTaskForm`` embedded in the process and linked with ``camunda-forms:bpmn:<id>``.

A generated form lands in the bundle as ``forms/<key>.json`` before validation, so it is checked,
stored with the version and served exactly like a hand-written one. What cannot be expressed (a custom
field type, a form-js component with logic) is named as an issue.
"""

from __future__ import annotations

import json
from typing import Any

from lxml import etree

from ..bpmn.dialects import ACTIVITI_NS, BPMN_NS, CAMUNDA_NS, FLOWABLE_NS, ZEEBE_NS, generated_form_key, qname
from ..bpmn.xml import UnsafeXml, parse_untrusted
from ..errors import ModelIssue
from ..safe_json import UnsafeJson, load_json
from .bundle import Bundle

SCHEMA = "https://json-schema.org/draft/2020-12/schema"
_C7_TYPES: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "long": {"type": "integer"},
    "integer": {"type": "integer"},
    "double": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "enum": {"type": "string"},
}
# form-js component type → JSON Schema of its value; `None`: shows text, holds no value.
_FORM_JS: dict[str, dict[str, Any] | None] = {
    "textfield": {"type": "string"},
    "textarea": {"type": "string", "x-ui": {"widget": "textarea"}},
    "number": {"type": "number"},
    "checkbox": {"type": "boolean"},
    "radio": {"type": "string", "x-ui": {"widget": "radio"}},
    "select": {"type": "string"},
    "checklist": {"type": "array", "items": {"type": "string"}, "x-ui": {"widget": "checkboxes"}},
    "taglist": {"type": "array", "items": {"type": "string"}},
    "datetime": {"type": "string", "format": "date"},
    "text": None,
    "html": None,
    "spacer": None,
    "separator": None,
    "button": None,
    "image": None,
}


def form_data_fields(node: etree._Element) -> tuple[list[etree._Element], str] | None:
    """The formData fields of `node` and how they are written, if it has any."""
    for container in node.iterchildren(qname(BPMN_NS, "extensionElements")):
        data = container.find(qname(CAMUNDA_NS, "formData"))
        if data is not None:
            return list(data.iterchildren(qname(CAMUNDA_NS, "formField"))), "camunda:formField"
        for namespace, prefix in ((FLOWABLE_NS, "flowable"), (ACTIVITI_NS, "activiti")):
            fields = list(container.iterchildren(qname(namespace, "formProperty")))
            if fields:
                return fields, f"{prefix}:formProperty"
    return None


class _Issues:
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.found: list[ModelIssue] = []

    def add(self, node: etree._Element, element: str | None, message: str, hint: str) -> None:
        self.found.append(ModelIssue(self.filename, message, element, node.sourceline, hint))


def _constraints(field: etree._Element) -> dict[str, str | None]:
    validation = field.find(qname(CAMUNDA_NS, "validation"))
    if validation is None:
        return {}
    return {
        c.get("name") or "": c.get("config") for c in validation.iterchildren(qname(CAMUNDA_NS, "constraint"))
    }


def _number(text: str | None) -> float | int | None:
    try:
        value = float(text or "")
    except ValueError:
        return None
    return int(value) if value.is_integer() else value


def form_data_schema(
    fields: list[etree._Element], written: str, element: str | None, issues: _Issues
) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for field in fields:
        name = (field.get("id") or "").strip()
        kind = (field.get("type") or "string").strip()
        if kind not in _C7_TYPES:
            issues.add(
                field,
                element,
                f"{written} {name!r} has type {kind!r}, which has no form field here",
                "use string, long, double, boolean, date or enum",
            )
            continue
        prop: dict[str, Any] = dict(_C7_TYPES[kind])
        prop["title"] = field.get("label") or field.get("name") or name
        values = [
            v for v in field if etree.QName(v).localname == "value" and v.get("id")
        ]  # camunda:value / flowable:value
        if kind == "enum":
            if not values:
                issues.add(field, element, f"{written} {name!r} is an enum without values", "add the values")
                continue
            prop["enum"] = [v.get("id") for v in values]
            prop["x-ui"] = {"labels": {v.get("id"): v.get("name") or v.get("id") for v in values}}
        constraints = _constraints(field)
        is_numeric = prop["type"] in ("integer", "number")
        for constraint, keyword in (("min", "minimum"), ("max", "maximum")):
            number = _number(constraints.get(constraint))
            if number is not None:
                prop[keyword if is_numeric else f"{keyword[:3]}Length"] = number
        for constraint, keyword in (("minlength", "minLength"), ("maxlength", "maxLength")):
            number = _number(constraints.get(constraint))
            if number is not None and not is_numeric:
                prop[keyword] = int(number)
        if "readonly" in constraints or field.get("writable") == "false":
            prop["readOnly"] = True
        if "required" in constraints or field.get("required") == "true":
            required.append(name)
        properties[name] = prop
    schema: dict[str, Any] = {"$schema": SCHEMA, "type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def form_js_schema(
    document: Any, origin: str, issues: _Issues, node: etree._Element | None = None
) -> dict[str, Any]:
    """A JSON Schema from a form-js document (Camunda 8's form editor)."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    components = document.get("components") if isinstance(document, dict) else None
    for component in components or []:
        if not isinstance(component, dict):
            continue
        kind = str(component.get("type") or "")
        key = component.get("key") or component.get("id") or "?"
        if kind not in _FORM_JS:
            message = f"{origin}: component {key!r} of type {kind!r} is not supported"
            issues.found.append(
                ModelIssue(
                    issues.filename,
                    message,
                    None,
                    node.sourceline if node is not None else None,
                    "use text fields, numbers, checkboxes, selects, radios, checklists and dates",
                )
            )
            continue
        value_schema = _FORM_JS[kind]
        if value_schema is None or not component.get("key"):
            continue
        prop: dict[str, Any] = json.loads(json.dumps(value_schema))
        prop["title"] = component.get("label") or key
        if component.get("description"):
            prop["description"] = component["description"]
        options = [v.get("value") for v in component.get("values") or [] if isinstance(v, dict)]
        if options and kind in ("radio", "select"):
            prop["enum"] = options
        elif options:
            prop["items"]["enum"] = options
        if kind == "datetime" and component.get("subtype") == "datetime":
            prop["format"] = "date-time"
        validate = component.get("validate") or {}
        for source, keyword in (("min", "minimum"), ("max", "maximum")):
            if isinstance(validate.get(source), int | float) and kind == "number":
                prop[keyword] = validate[source]
        for source in ("minLength", "maxLength", "pattern"):
            if validate.get(source) not in (None, "") and prop["type"] == "string":
                prop[source] = validate[source]
        if validate.get("required"):
            required.append(str(component["key"]))
        properties[str(component["key"])] = prop
    schema: dict[str, Any] = {"$schema": SCHEMA, "type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _as_json(schema: dict[str, Any]) -> bytes:
    return json.dumps(schema, ensure_ascii=False, indent=2).encode("utf-8")


def _bpmn_trees(bundle: Bundle, max_xml_bytes: int) -> dict[str, etree._Element]:
    """The BPMN files that parse (the main validation pass reports the others)."""
    trees: dict[str, etree._Element] = {}
    for path in bundle.paths("bpmn"):
        try:
            trees[path] = parse_untrusted(bundle.files[path], path, max_xml_bytes).getroot()
        except UnsafeXml:
            continue
    return trees


def with_generated_forms(bundle: Bundle, max_xml_bytes: int) -> tuple[Bundle, list[ModelIssue]]:
    """`bundle` plus the forms generated from formData, form-js files and embedded form-js forms.
    A form the bundle already has is never overwritten."""
    trees = _bpmn_trees(bundle, max_xml_bytes)
    files = dict(bundle.files)
    found: list[ModelIssue] = []

    def add(key: str, schema: dict[str, Any]) -> None:
        files.setdefault(bundle.form_path(key), _as_json(schema))

    for path in bundle.paths("formjs"):
        issues = _Issues(path)
        try:
            document = load_json(bundle.files[path])
        except UnsafeJson as exc:
            found.append(ModelIssue(path, f"not a form-js form: {exc}"))
            continue
        schema = form_js_schema(document, path, issues)
        form_id = document.get("id") if isinstance(document, dict) else None
        stem = path.rsplit("/", 1)[-1][: -len(".form")]
        for key in {str(form_id or stem), stem}:
            add(key, schema)
        found.extend(issues.found)
    for path, root in trees.items():
        issues = _Issues(path)
        for embedded in root.iter(qname(ZEEBE_NS, "userTaskForm")):
            try:
                document = load_json((embedded.text or "").encode("utf-8"))
            except UnsafeJson as exc:
                issues.add(embedded, embedded.get("id"), f"zeebe:userTaskForm is not form-js JSON: {exc}", "")
                continue
            add(embedded.get("id") or "", form_js_schema(document, "zeebe:userTaskForm", issues, embedded))
        for process in root.iter(qname(BPMN_NS, "process")):
            for node in process.iter(qname(BPMN_NS, "userTask"), qname(BPMN_NS, "startEvent")):
                found_fields = form_data_fields(node)
                if found_fields is None:
                    continue
                fields, written = found_fields
                schema = form_data_schema(fields, written, node.get("id"), issues)
                add(generated_form_key(process.get("id") or "", node.get("id") or ""), schema)
        found.extend(issues.found)
    return Bundle(files), found
