"""Deploy-time refusals of what other engines run and this one cannot, and of references that do not resolve.

A Camunda, Flowable or Zeebe model may call Java classes, delegate expressions, external or job workers,
connectors and listeners, or scripts in Groovy or JavaScript. This engine runs none of them; running such
a model would silently skip the work (a listener, a send task with a job type) or stop at the first
service task. Each is named here, in the same pass as every other problem, with element, attribute,
line and what to model instead. A script task in another language is marked (`REFUSED`) so the Python
check does not also call it a syntax error.
"""

from __future__ import annotations

from lxml import etree

from ..bpmn.decisions import MAPPINGS
from ..bpmn.dialects import (
    ATTRIBUTE_DIALECTS,
    BPMN_NS,
    PREFIXES,
    SPIFF_NS,
    ZEEBE_NS,
    qname,
    read_dialects,
    shown,
)
from ..bpmn.normalize import REFUSED
from ..errors import ModelIssue

INSTEAD = (
    "this engine runs no code of its own: model the work as a user task for a role, or as a message "
    "the procedure waits for (docs/modelling.md, Other modelers)"
)
_JAVA_ATTRIBUTES = {
    "class": "a Java class",
    "delegateExpression": "a Java delegate expression",
    "expression": "a method expression",
}
_EXTENSION_CODE = {
    "executionListener": "an execution listener",
    "taskListener": "a task listener",
    "eventListener": "an event listener",
    "connector": "a connector",
    "taskDefinition": "a job worker task",
    "taskListeners": "task listeners",
    "executionListeners": "execution listeners",
    "serviceTaskOperator": "a SpiffArena service (connector proxy)",
}
_PYTHON = {"python", "python3", "py"}
_IGNORED_MAPPINGS = {"inputOutput", "ioMapping", "in", "out"}


def _q(tag: str) -> str:
    return qname(BPMN_NS, tag)


def _owner(node: etree._Element) -> etree._Element:
    """The nearest BPMN element with an id (a listener's task, an event definition's event)."""
    current: etree._Element | None = node
    while current is not None and not (current.get("id") and etree.QName(current).namespace == BPMN_NS):
        current = current.getparent()
    return current if current is not None else node


class ForeignChecker:
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.issues: list[ModelIssue] = []

    def issue(self, node: etree._Element, message: str, hint: str = INSTEAD, severity: str = "error") -> None:
        owner = _owner(node)
        self.issues.append(
            ModelIssue(self.filename, message, owner.get("id"), node.sourceline, hint, severity)
        )

    def check(self, root: etree._Element) -> list[ModelIssue]:
        for node in root.iter():
            if not isinstance(node.tag, str):
                continue
            namespace = etree.QName(node).namespace
            if namespace == BPMN_NS:
                self.bpmn_element(node, etree.QName(node).localname)
            elif namespace in PREFIXES and (
                namespace != SPIFF_NS or node.tag == qname(SPIFF_NS, "serviceTaskOperator")
            ):
                self.extension_element(node, namespace or "", etree.QName(node).localname)
        for process in root.iter(_q("process")):
            self.references(root, process)
        return self.issues

    def bpmn_element(self, node: etree._Element, tag: str) -> None:
        found_code = False
        for namespace in ATTRIBUTE_DIALECTS:
            for name, what in _JAVA_ATTRIBUTES.items():
                value = node.get(qname(namespace, name))
                if value:
                    found_code = True
                    self.issue(
                        node, f"{shown(namespace, name)}={value!r} calls {what}, which this engine cannot run"
                    )
            kind = node.get(qname(namespace, "type"))
            if kind:
                found_code = True
                topic = node.get(qname(namespace, "topic"))
                detail = f" (topic {topic!r})" if topic else ""
                self.issue(
                    node,
                    f"{shown(namespace, 'type')}={kind!r}{detail} hands the work to an external worker or "
                    "built-in integration this engine does not have",
                )
            resource = node.get(qname(namespace, "resource"))
            if resource:
                found_code = True
                self.issue(
                    node,
                    f"{shown(namespace, 'resource')}={resource!r} loads a script from outside the model",
                    "write the script in the model, in Python (docs/modelling.md, Expressions)",
                )
        if tag == "scriptTask":
            language = (node.get("scriptFormat") or "").strip()
            if language and language.lower() not in _PYTHON:
                node.set(REFUSED, "true")
                self.issue(
                    node,
                    f"scriptFormat={language!r}: this engine runs Python scripts only",
                    "rewrite the script in Python (docs/modelling.md, Expressions) or make it a user task",
                )
        if tag == "multiInstanceLoopCharacteristics":
            self.sequential_loop(node)
        if tag == "businessRuleTask":
            self.result_variable(node)
        if tag == "serviceTask" and not found_code and not self._has_extension_code(node):
            self.issue(
                node, "the service task names no implementation, and this engine runs no code of its own"
            )

    def sequential_loop(self, loop: etree._Element) -> None:
        """SpiffWorkflow merges each finished instance's data, element variable included, into the
        activity, and then refuses to start the next instance because that variable exists: a sequential
        loop over a collection without an output collection fails at its second item, every time."""
        if loop.get("isSequential") != "true" or loop.find(_q("loopDataOutputRef")) is not None:
            return
        item = loop.find(_q("inputDataItem"))
        if loop.find(_q("loopDataInputRef")) is not None and item is not None:
            self.issue(
                loop,
                f"a sequential multi-instance over a collection with element variable {item.get('name')!r} "
                "stops at its second item in this engine",
                'make it parallel (isSequential="false"), or give it an output collection',
            )

    def result_variable(self, node: etree._Element) -> None:
        """A decision's ``resultVariable`` names one process variable; ``mapDecisionResult`` is one of
        Camunda 7's four shapes (engine/bpmn/decisions.py)."""
        extensions = read_dialects(node, {})
        variable = extensions.get("resultVariable")
        if variable is not None and (not variable.isidentifier() or variable.startswith("_")):
            self.issue(
                node,
                f"resultVariable {variable!r} is not a variable name",
                "name a process variable (letters, digits, _; not starting with _)",
            )
        mapping = extensions.get("mapDecisionResult")
        if mapping is not None and mapping not in MAPPINGS:
            self.issue(
                node,
                f"mapDecisionResult {mapping!r} is not one of singleEntry, singleResult, collectEntries, "
                "resultList",
                "use one of those, or leave it out (resultList)",
            )

    @staticmethod
    def _has_extension_code(node: etree._Element) -> bool:
        for container in node.iterchildren(_q("extensionElements")):
            for child in container:
                if isinstance(child.tag, str) and etree.QName(child).localname in _EXTENSION_CODE:
                    return True
        return False

    def extension_element(self, node: etree._Element, namespace: str, name: str) -> None:
        parent = node.getparent()
        if parent is None or parent.tag != _q("extensionElements"):
            return  # nested parts (a listener's script) are named with their listener
        written = shown(namespace, name)
        if name in _EXTENSION_CODE:
            detail = (
                node.get("event") or node.get("type") or node.get("class") or node.get("connectorId") or ""
            )
            if namespace == ZEEBE_NS and name == "taskDefinition" and detail.startswith("io.camunda:"):
                what = f"a Camunda connector ({detail})"
            else:
                what = _EXTENSION_CODE[name] + (f" ({detail})" if detail else "")
            self.issue(node, f"{written} is {what}, which this engine cannot run")
        elif name in _IGNORED_MAPPINGS:
            self.issue(
                node,
                f"{written} (variable mapping) is not applied: the element sees and returns all process data",
                "remove the mapping, or rename variables in a Python script task",
                severity="warning",
            )

    def references(self, root: etree._Element, process: etree._Element) -> None:
        """Every sequence flow, default flow, boundary attachment and message resolves, else it is named."""
        nodes = {n.get("id"): n for n in process.iter() if isinstance(n.tag, str) and n.get("id")}
        flows = {f.get("id"): f for f in process.iter(_q("sequenceFlow"))}
        for flow in flows.values():
            for end in ("sourceRef", "targetRef"):
                ref = flow.get(end) or ""
                target = nodes.get(ref)
                if target is None or target.tag == _q("sequenceFlow"):
                    self.issue(
                        flow,
                        f"sequence flow {flow.get('id')!r}: {end}={ref!r} is not an element of process "
                        f"{process.get('id')!r}",
                        f"connect the flow to an element of this process, or fix {end}",
                    )
        for node in nodes.values():
            default = node.get("default")
            if default and node.tag != _q("sequenceFlow"):
                flow = flows.get(default)
                if flow is None or flow.get("sourceRef") != node.get("id"):
                    self.issue(
                        node,
                        f"default={default!r} is not a sequence flow leaving {node.get('id')!r}",
                        "make one of the element's outgoing flows its default, or remove default",
                    )
        for boundary in process.iter(_q("boundaryEvent")):
            ref = boundary.get("attachedToRef") or ""
            if ref not in nodes:
                self.issue(
                    boundary,
                    f"boundary event attachedToRef={ref!r} is not an activity of {process.get('id')!r}",
                    "attach the event to an activity of this process",
                )
        messages = {m.get("id") for m in root.iter(_q("message"))}
        for tag in ("messageEventDefinition", "receiveTask", "sendTask"):
            for node in process.iter(_q(tag)):
                ref = node.get("messageRef")
                if ref and ref not in messages:
                    self.issue(
                        node,
                        f"messageRef={ref!r} names no message of the file",
                        "declare <bpmn:message id=…> or fix messageRef",
                    )


def foreign_issues(filename: str, root: etree._Element) -> list[ModelIssue]:
    return ForeignChecker(filename).check(root)
