"""One parser for both extension dialects: SpiffWorkflow's and Camunda Modeler's.

SpiffWorkflow's stock parsers each read one dialect, and the Camunda one drops `candidateGroups`,
`assignee` and `dueDate`. Ours extends the Spiff parser so that every task spec's ``extensions`` holds:

- ``properties``: `spiffworkflow:properties` and `camunda:properties` merged;
- ``formKey``, ``candidateGroups``, ``candidateUsers``, ``assignee``, ``dueDate``: the Camunda attributes
  (and spiff-arena's ``formJsonSchemaFilename`` property as a form key);

and ``extensions`` survives serialization. Before parsing, `normalize_tree` rewrites two Camunda habits
into standard BPMN: bare timer literals (``PT30M``) become quoted expressions, and multi-instance
``camunda:collection``/``camunda:elementVariable`` become ``loopDataInputRef``/``inputDataItem``.
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import BusinessRuleTaskParser

from .isotime import looks_like_timer_literal

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NSMAP = {"bpmn": BPMN_NS, "camunda": CAMUNDA_NS, "spiffworkflow": SPIFF_NS}

CAMUNDA_TASK_ATTRIBUTES = ("formKey", "candidateGroups", "candidateUsers", "assignee", "dueDate")


def read_extensions(node: etree._Element, spiff_extensions: dict[str, Any]) -> dict[str, Any]:
    """Merge Camunda's extensions of `node` into the Spiff ones."""
    extensions = dict(spiff_extensions)
    properties = dict(extensions.get("properties") or {})
    path = "./bpmn:extensionElements/{0}:properties/{0}:property"
    for prop in node.xpath(path.format("spiffworkflow"), namespaces=NSMAP):
        name = prop.get("name")
        if name and name not in properties:
            properties[name] = prop.get("value", "")
    for prop in node.xpath(path.format("camunda"), namespaces=NSMAP):
        name = prop.get("name")
        if name:
            properties[name] = prop.get("value", "")
    if properties:
        extensions["properties"] = properties
    for attribute in CAMUNDA_TASK_ATTRIBUTES:
        value = node.get(f"{{{CAMUNDA_NS}}}{attribute}")
        if value:
            extensions[attribute] = value.strip()
    if "formKey" not in extensions and properties.get("formJsonSchemaFilename"):
        extensions["formKey"] = properties["formJsonSchemaFilename"]
    return extensions


class _BothDialects:
    """Mixin for every Spiff task/event parser: read Camunda's extensions too."""

    node: etree._Element

    def parse_extensions(self, node: etree._Element | None = None) -> dict[str, Any]:
        target = self.node if node is None else node
        return read_extensions(target, super().parse_extensions(node))  # type: ignore[misc]


class _DecisionRefFromEither(_BothDialects, BusinessRuleTaskParser):
    @staticmethod
    def get_decision_ref(node: etree._Element) -> str | None:
        return BusinessRuleTaskParser.get_decision_ref(node) or node.get(f"{{{CAMUNDA_NS}}}decisionRef")


def _override_classes() -> dict[str, tuple[type, type]]:
    classes: dict[str, tuple[type, type]] = {}
    for tag, (parser_class, spec_class) in SpiffBpmnParser.OVERRIDE_PARSER_CLASSES.items():
        if parser_class is BusinessRuleTaskParser:
            ours: type = _DecisionRefFromEither
        else:
            ours = type(f"Wams{parser_class.__name__}", (_BothDialects, parser_class), {})
        classes[tag] = (ours, spec_class)
    return classes


class WamsBpmnParser(SpiffBpmnParser):
    OVERRIDE_PARSER_CLASSES = _override_classes()


def normalize_tree(root: etree._Element) -> None:
    """Rewrite Camunda conventions into what SpiffWorkflow runs (in place)."""
    for tag in ("timeDuration", "timeDate", "timeCycle"):
        for node in root.iter(f"{{{BPMN_NS}}}{tag}"):
            text = (node.text or "").strip()
            if text and looks_like_timer_literal(text):
                node.text = repr(text)
    for loop in root.iter(f"{{{BPMN_NS}}}multiInstanceLoopCharacteristics"):
        collection = loop.get(f"{{{CAMUNDA_NS}}}collection")
        element_variable = loop.get(f"{{{CAMUNDA_NS}}}elementVariable")
        has_input = loop.find(f"{{{BPMN_NS}}}loopDataInputRef") is not None
        if collection and not has_input:
            # Standard BPMN order: loopCardinality?, loopDataInputRef?, loopDataOutputRef?, inputDataItem?
            ref = etree.Element(f"{{{BPMN_NS}}}loopDataInputRef")
            ref.text = collection
            loop.insert(0, ref)
            if element_variable and loop.find(f"{{{BPMN_NS}}}inputDataItem") is None:
                item = etree.Element(f"{{{BPMN_NS}}}inputDataItem")
                item.set("id", element_variable)
                item.set("name", element_variable)
                ref.addnext(item)


def user_task_tag() -> str:
    return full_tag("userTask")
