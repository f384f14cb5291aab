"""The documented opt-ins that let a foreign model run: service tasks done by people, and user tasks
without a form (an HTML form, or none) that take no data.

Service tasks: each becomes a user task.

A Camunda or Flowable model often has a few service tasks that send a letter or update a register.
This engine runs no such code (they are refused by name), but a municipality may choose to have people
do that work: with ``interop.service_tasks_as_user_tasks: <role>`` in the bundle's settings.yaml, every
service task, and every send task handed to a job worker, becomes a user task for that role with the
form ``interop.manual`` (a confirmation). Each conversion is reported as a warning; never silently.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from ..errors import ModelIssue
from .dialects import (
    ATTRIBUTE_DIALECTS,
    BPMN_NS,
    CAMUNDA_NS,
    PREFIXES,
    SPIFF_NS,
    ZEEBE_NS,
    attribute,
    has_form_data,
    is_embedded_html_form,
    qname,
    zeebe,
)

SETTING = "interop.service_tasks_as_user_tasks"
FORM_KEY = "interop.manual"
FORM: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Handmatig uitvoeren",
    "description": "Deze stap deed in het oorspronkelijke model een systeem; voer haar uit en bevestig.",
    "type": "object",
    "properties": {"uitgevoerd": {"type": "boolean", "title": "Uitgevoerd", "const": True}},
    "required": ["uitgevoerd"],
}
_CODE_ATTRIBUTES = ("class", "delegateExpression", "expression", "type", "topic", "resultVariable")
_CODE_ELEMENTS = {
    qname(ZEEBE_NS, "taskDefinition"),
    qname(ZEEBE_NS, "taskHeaders"),
    qname(ZEEBE_NS, "ioMapping"),
    qname(CAMUNDA_NS, "connector"),
    qname(CAMUNDA_NS, "inputOutput"),
    qname(SPIFF_NS, "serviceTaskOperator"),
    *(qname(ns, "field") for ns in ATTRIBUTE_DIALECTS),
}


def _q(tag: str) -> str:
    return qname(BPMN_NS, tag)


def _code(node: etree._Element) -> str | None:
    """How `node` hands its work to code, as written (None: it does not)."""
    for namespace in ATTRIBUTE_DIALECTS:
        for name in _CODE_ATTRIBUTES[:4]:
            value = node.get(qname(namespace, name))
            if value:
                return f"{PREFIXES[namespace]}:{name}={value!r}"
    for container in node.iterchildren(_q("extensionElements")):
        for child in container:
            if child.tag in _CODE_ELEMENTS and child.tag != qname(CAMUNDA_NS, "inputOutput"):
                return f"{PREFIXES[etree.QName(child).namespace or '']}:{etree.QName(child).localname}"
    return None


def service_tasks_as_user_tasks(root: etree._Element, filename: str, role: str) -> list[ModelIssue]:
    """Convert in place; one warning per converted task."""
    warnings: list[ModelIssue] = []
    candidates = [*root.iter(_q("serviceTask")), *(t for t in root.iter(_q("sendTask")) if _code(t))]
    for node in candidates:
        written = _code(node) or "no implementation"
        was = etree.QName(node).localname
        for namespace in ATTRIBUTE_DIALECTS:
            for name in _CODE_ATTRIBUTES:
                node.attrib.pop(qname(namespace, name), None)
        for container in node.iterchildren(_q("extensionElements")):
            for child in list(container):
                if child.tag in _CODE_ELEMENTS:
                    container.remove(child)
        node.tag = _q("userTask")
        node.set(qname(CAMUNDA_NS, "candidateGroups"), role)
        node.set(qname(CAMUNDA_NS, "formKey"), FORM_KEY)
        warnings.append(
            ModelIssue(
                filename,
                f"{was} ({written}) becomes a user task for role {role!r} ({SETTING})",
                node.get("id"),
                node.sourceline,
                "the work is done by people of that role and confirmed with the form interop.manual",
                "warning",
            )
        )
    return warnings


# --- the second opt-in: user tasks that take no data complete without a form -------------------

FORMLESS_SETTING = "interop.tasks_without_form"
# Marks a user task the opt-in let through without a form, so the form check does not refuse it.
NO_FORM = "{urn:wams:interop}no-form"
_OUTPUT_MAPPINGS = {
    *(qname(ns, "outputParameter") for ns in ATTRIBUTE_DIALECTS),
    qname(ZEEBE_NS, "output"),
}


def _declared_data(node: etree._Element) -> str | None:
    """What the task declares it collects, as written (None: nothing): form fields or output mappings."""
    if has_form_data(node):
        return "form fields (formData / formProperty)"
    for container in node.iterchildren(_q("extensionElements")):
        for child in container.iter():
            if child.tag in _OUTPUT_MAPPINGS:
                qualified = etree.QName(child)
                return f"{PREFIXES.get(qualified.namespace or '', '?')}:{qualified.localname} {child.get('name') or child.get('target') or ''}".strip()  # noqa: E501
    return None


def _form_reference(node: etree._Element) -> str | None:
    """The form a user task names in any dialect, as written (None: it names none)."""
    found = attribute(node, "formKey")
    if found:
        return found[0]
    form = zeebe(node, "formDefinition")
    if form is not None or zeebe(node, "userTaskForm") is not None:
        return "zeebe:formDefinition"
    for container in node.iterchildren(_q("extensionElements")):
        for prop in container.iter(qname(SPIFF_NS, "property")):
            if prop.get("name") == "formJsonSchemaFilename" and prop.get("value"):
                return prop.get("value")
    return None


def tasks_without_form(root: etree._Element, filename: str) -> list[ModelIssue]:
    """With ``interop.tasks_without_form: true``: a user task with an HTML form (``embedded:…``) or
    with no form at all that declares no data completes without a form (the worker confirms it is
    done). One warning per such task; a task that declares data keeps its refusal."""
    warnings: list[ModelIssue] = []
    for node in root.iter(_q("userTask")):
        reference = _form_reference(node)
        if (reference is not None and not is_embedded_html_form(reference)) or _declared_data(node):
            continue
        for namespace in ATTRIBUTE_DIALECTS:
            node.attrib.pop(qname(namespace, "formKey"), None)
        node.set(NO_FORM, "true")
        what = f"HTML form {reference!r}" if reference else "no form"
        warnings.append(
            ModelIssue(
                filename,
                f"user task with {what} and no declared data completes without a form ({FORMLESS_SETTING})",
                node.get("id"),
                node.sourceline,
                "the worker sees no fields, only a button to complete the task",
                "warning",
            )
        )
    return warnings
