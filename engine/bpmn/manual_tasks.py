"""The documented opt-in that lets a model with foreign service tasks run: each becomes a user task.

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
from .dialects import ATTRIBUTE_DIALECTS, BPMN_NS, CAMUNDA_NS, PREFIXES, SPIFF_NS, ZEEBE_NS, qname

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
