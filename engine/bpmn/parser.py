"""One parser for the extension dialects: SpiffWorkflow's, Camunda 7's and 8's, Flowable's, Activiti's.

SpiffWorkflow's stock parsers each read one dialect, and the Camunda one drops `candidateGroups`,
`assignee` and `dueDate`. Ours extends the Spiff parser so that every task spec's ``extensions`` holds:

- ``properties``: `spiffworkflow:properties`, `camunda:properties` and `zeebe:properties` merged;
- ``formKey``, ``candidateGroups``, ``candidateUsers``, ``assignee``, ``dueDate``, ``followUpDate``,
  ``decisionRef``: from whichever dialect the model uses (`dialects.py`, read by namespace URI);

and ``extensions`` survives serialization. Before parsing, `normalize_tree` rewrites foreign habits
into standard BPMN the sandbox runs (`normalize.py`).
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import BusinessRuleTaskParser

from .decisions import ResultVariableBusinessRuleTask
from .dialects import BPMN_NS, CAMUNDA_NS, SPIFF_NS, read_dialects, zeebe
from .normalize import normalize_tree

__all__ = [
    "BPMN_NS",
    "CAMUNDA_NS",
    "NSMAP",
    "SPIFF_NS",
    "WamsBpmnParser",
    "normalize_tree",
    "read_extensions",
]

NSMAP = {"bpmn": BPMN_NS, "camunda": CAMUNDA_NS, "spiffworkflow": SPIFF_NS}


def read_extensions(node: etree._Element, spiff_extensions: dict[str, Any]) -> dict[str, Any]:
    """Merge the other dialects' extensions of `node` into the Spiff ones."""
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
    return read_dialects(node, extensions)


class _BothDialects:
    """Mixin for every Spiff task/event parser: read Camunda's extensions too."""

    node: etree._Element

    def parse_extensions(self, node: etree._Element | None = None) -> dict[str, Any]:
        target = self.node if node is None else node
        return read_extensions(target, super().parse_extensions(node))  # type: ignore[misc]


class _DecisionRefFromEither(_BothDialects, BusinessRuleTaskParser):
    def create_task(self) -> ResultVariableBusinessRuleTask:
        """The library's, with our spec class (it names its own class, not `spec_class`)."""
        extensions = self.parse_extensions()
        return ResultVariableBusinessRuleTask(
            self.spec,
            self.bpmn_id,
            dmnEngine=self.process_parser.parser.get_engine(self.get_decision_ref(self.node), self.node),
            prescript=extensions.get("preScript"),
            postscript=extensions.get("postScript"),
            **self.bpmn_attributes,
        )

    @staticmethod
    def get_decision_ref(node: etree._Element) -> str | None:
        called = zeebe(node, "calledDecision")
        return (
            BusinessRuleTaskParser.get_decision_ref(node)
            or node.get(f"{{{CAMUNDA_NS}}}decisionRef")
            or (called.get("decisionId") if called is not None else None)
        )


def _override_classes() -> dict[str, tuple[type, type]]:
    classes: dict[str, tuple[type, type]] = {}
    for tag, (parser_class, spec_class) in SpiffBpmnParser.OVERRIDE_PARSER_CLASSES.items():
        if parser_class is BusinessRuleTaskParser:
            ours: type = _DecisionRefFromEither  # its spec: resultVariable (decisions.py)
        else:
            ours = type(f"Wams{parser_class.__name__}", (_BothDialects, parser_class), {})
        classes[tag] = (ours, spec_class)
    return classes


class WamsBpmnParser(SpiffBpmnParser):
    OVERRIDE_PARSER_CLASSES = _override_classes()


def user_task_tag() -> str:
    return full_tag("userTask")
