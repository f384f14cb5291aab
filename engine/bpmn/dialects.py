"""The extension dialects of other modelers, read by namespace URI (never by prefix).

Camunda 7, Flowable and Activiti write the same attributes in their own namespaces
(``camunda:formKey``, ``flowable:candidateGroups``, ``activiti:assignee``); Camunda 8 (Zeebe) writes
elements (``zeebe:formDefinition``, ``zeebe:assignmentDefinition``, ``zeebe:taskSchedule``,
``zeebe:calledElement``, ``zeebe:calledDecision``, ``zeebe:loopCharacteristics``); SpiffArena writes
``spiffworkflow:properties``. `read_dialects` folds them into one dictionary with the keys the rest of
the engine reads: ``formKey``, ``candidateGroups`` (comma-separated, all of them), ``candidateUsers``,
``assignee``, ``dueDate``, ``followUpDate``, ``decisionRef``.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
FLOWABLE_NS = "http://flowable.org/bpmn"
ACTIVITI_NS = "http://activiti.org/bpmn"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"

# Namespace → the prefix messages use for it (whatever prefix the file itself binds).
PREFIXES = {
    CAMUNDA_NS: "camunda",
    ZEEBE_NS: "zeebe",
    FLOWABLE_NS: "flowable",
    ACTIVITI_NS: "activiti",
    SPIFF_NS: "spiffworkflow",
}
# The Java engines that share Camunda 7's attribute vocabulary.
ATTRIBUTE_DIALECTS = (CAMUNDA_NS, FLOWABLE_NS, ACTIVITI_NS)
TASK_ATTRIBUTES = ("formKey", "candidateGroups", "candidateUsers", "assignee", "dueDate", "followUpDate")


def qname(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


def shown(namespace: str, name: str) -> str:
    """``camunda:formKey`` for messages."""
    return f"{PREFIXES.get(namespace, namespace)}:{name}"


def attribute(node: etree._Element, name: str) -> tuple[str, str] | None:
    """(value, the attribute as written, e.g. ``flowable:formKey``) from the first dialect that sets it."""
    for namespace in ATTRIBUTE_DIALECTS:
        value = node.get(qname(namespace, name))
        if value is not None and value.strip():
            return value.strip(), shown(namespace, name)
    return None


def _extension(node: etree._Element, namespace: str, name: str) -> etree._Element | None:
    for container in node.iterchildren(qname(BPMN_NS, "extensionElements")):
        found = container.find(qname(namespace, name))
        if found is not None:
            return found
    return None


def zeebe(node: etree._Element, name: str) -> etree._Element | None:
    return _extension(node, ZEEBE_NS, name)


def normalize_form_key(key: str) -> str:
    """A form key as the bundle's ``forms/<key>.json``: SpiffArena's ``form2.json`` and a path
    ``forms/x.json`` both mean the form file, not ``form2.json.json``."""
    key = key.strip()
    for prefix in ("forms/", "camunda-forms:bpmn:", "camunda-forms:deployment:", "deployment:"):
        if key.startswith(prefix):
            key = key[len(prefix) :]
    for suffix in (".json", ".form"):
        if key.endswith(suffix):
            key = key[: -len(suffix)]
    return key


def is_embedded_html_form(key: str) -> bool:
    """Camunda 7's embedded and external HTML forms (``embedded:app:forms/x.html``, ``app:x.html``)."""
    lowered = key.strip().lower()
    return lowered.startswith(("embedded:", "app:")) or lowered.endswith((".html", ".htm"))


def generated_form_key(process_id: str, element_id: str) -> str:
    """The key of the form generated from a task's formData (`definitions/foreign_forms.py`)."""
    return f"{process_id}.{element_id}"


def has_form_data(node: etree._Element) -> bool:
    """Camunda 7 ``camunda:formData`` or Flowable/Activiti ``formProperty`` fields on `node`."""
    for container in node.iterchildren(qname(BPMN_NS, "extensionElements")):
        if container.find(qname(CAMUNDA_NS, "formData")) is not None:
            return True
        if any(container.find(qname(ns, "formProperty")) is not None for ns in (FLOWABLE_NS, ACTIVITI_NS)):
            return True
    return False


def _process_id(node: etree._Element) -> str:
    for ancestor in node.iterancestors(qname(BPMN_NS, "process")):
        return ancestor.get("id") or ""
    return ""


def _feel_to_template(value: str) -> str:
    """Zeebe writes expressions as ``=name``; the runtime resolves ``${name}`` (a variable path)."""
    value = value.strip()
    if value.startswith("="):
        inner = value[1:].strip()
        if all(part.isidentifier() for part in inner.split(".")):
            return "${" + inner + "}"
        # Something else: keep it as written so validation refuses it by name.
    return value


def _feel_list(value: str) -> str:
    """``=["a", "b"]`` (a static FEEL list) → ``a,b``; anything else (``=group``, ``=[group, "b"]``: groups
    computed when the task opens, engine/bpmn/dynamic_groups.py) as written."""
    value = value.strip()
    if value.startswith("=[") and value.endswith("]"):
        items = [item.strip() for item in value[2:-1].split(",")]
        if all(len(i) > 2 and i[0] == i[-1] == '"' and '"' not in i[1:-1] for i in items):
            return ",".join(item[1:-1] for item in items)
    return value


def read_dialects(node: etree._Element, extensions: dict[str, Any]) -> dict[str, Any]:
    """`extensions` completed with what `node` says in any dialect (the first dialect wins)."""
    for name in TASK_ATTRIBUTES:
        found = attribute(node, name)
        if found and name not in extensions:
            extensions[name] = found[0]
    _read_zeebe(node, extensions)
    if "formKey" not in extensions and has_form_data(node):
        extensions["formKey"] = generated_form_key(_process_id(node), node.get("id") or "")
    if "formKey" not in extensions:
        properties = extensions.get("properties") or {}
        if properties.get("formJsonSchemaFilename"):  # SpiffArena
            extensions["formKey"] = properties["formJsonSchemaFilename"]
    if extensions.get("formKey") and not is_embedded_html_form(extensions["formKey"]):
        extensions["formKey"] = normalize_form_key(extensions["formKey"])
    decision = node.get(qname(CAMUNDA_NS, "decisionRef"))
    called_decision = zeebe(node, "calledDecision")
    if called_decision is not None and called_decision.get("decisionId"):
        decision = decision or called_decision.get("decisionId")
    if decision:
        extensions["decisionRef"] = decision.strip()
        _read_result_variable(node, called_decision, extensions)
    users = [u.strip() for u in (extensions.get("candidateUsers") or "").split(",") if u.strip()]
    if len(users) == 1 and not extensions.get("assignee"):
        # One candidate user is that user's task; several are refused at deploy (docs/modelling.md).
        extensions["assignee"] = users[0]
    return extensions


def _read_result_variable(
    node: etree._Element, called_decision: etree._Element | None, extensions: dict[str, Any]
) -> None:
    """Where a decision's result goes (engine/bpmn/decisions.py): Zeebe's ``resultVariable``, or
    Camunda 7's ``resultVariable`` shaped by ``mapDecisionResult``."""
    if called_decision is not None and (called_decision.get("resultVariable") or "").strip():
        extensions["resultVariable"] = called_decision.get("resultVariable", "").strip()
        extensions["mapDecisionResult"] = "zeebe"
        return
    found = attribute(node, "resultVariable")
    if found:
        extensions["resultVariable"] = found[0]
        mapping = attribute(node, "mapDecisionResult")
        extensions["mapDecisionResult"] = mapping[0] if mapping else "resultList"


def _read_zeebe(node: etree._Element, extensions: dict[str, Any]) -> None:
    form = zeebe(node, "formDefinition")
    if form is not None and "formKey" not in extensions:
        key = form.get("formId") or form.get("formKey") or form.get("externalReference")
        if key:
            extensions["formKey"] = key
    assignment = zeebe(node, "assignmentDefinition")
    if assignment is not None:
        for name in ("assignee", "candidateGroups", "candidateUsers"):
            value = assignment.get(name)
            if value and name not in extensions:
                converted = _feel_to_template(value) if name == "assignee" else _feel_list(value)
                extensions[name] = converted
    schedule = zeebe(node, "taskSchedule")
    if schedule is not None:
        for name in ("dueDate", "followUpDate"):
            value = schedule.get(name)
            if value and name not in extensions:
                extensions[name] = value.strip()
    properties = zeebe(node, "properties")
    if properties is not None:
        merged = dict(extensions.get("properties") or {})
        for prop in properties.findall(qname(ZEEBE_NS, "property")):
            if prop.get("name") and prop.get("name") not in merged:
                merged[prop.get("name")] = prop.get("value", "")
        if merged:
            extensions["properties"] = merged


def dialects_in(root: etree._Element) -> set[str]:
    """The foreign namespaces a file uses (declared anywhere), for messages and the docs' table."""
    found: set[str] = set()
    for node in root.iter():
        found.update(ns for ns in (node.nsmap or {}).values() if ns in PREFIXES)
    return found
