"""Deploy-time checks of BPMN files that SpiffWorkflow's parser does not make.

Each check works on the (normalized) XML so an issue can name the element and its line. Together with
the XSD and the parser they make sure a deployed model cannot fail on something we could have seen:
a user task without form or role, a gateway without conditions, an expression the sandbox refuses, a
timer that does not parse, a call to a process that is not there.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from ..bpmn.dialects import attribute, is_embedded_html_form
from ..bpmn.manual_tasks import NO_FORM
from ..bpmn.normalize import REFUSED
from ..bpmn.parser import BPMN_NS, read_extensions
from ..bpmn.sandbox import MAX_INSTANCES, check_expression, check_script
from ..errors import ModelIssue
from .foreign_checks import foreign_issues
from .role_checks import UserTaskRoleChecks
from .time_checks import TimeChecks

_CONFIG_CALL = re.compile(r"""\bconfig\(\s*["']([^"']+)["']""")
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"


def _q(tag: str) -> str:
    return f"{{{BPMN_NS}}}{tag}"


@dataclass
class UserTaskInfo:
    process_id: str
    element_id: str
    name: str
    role: str | None
    form_key: str | None
    due: str | None
    phase: str | None
    properties: dict[str, str]

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class ProcessInfo:
    """What the checks learned about one process, for closures and summaries."""

    process_id: str
    name: str
    file: str
    executable: bool
    line: int | None
    calls: set[str] = field(default_factory=set)
    continues_into: set[str] = field(default_factory=set)
    decisions: set[str] = field(default_factory=set)
    forms: set[str] = field(default_factory=set)
    start_form: str | None = None
    # Called process id → (call activity id, line) of its first caller, to name it when it is missing.
    call_sites: dict[str, tuple[str | None, int | None]] = field(default_factory=dict)
    user_tasks: list[UserTaskInfo] = field(default_factory=list)


@dataclass
class BpmnContext:
    """Bundle-wide facts the checks compare against."""

    form_keys: set[str]
    settings_keys: set[str]
    legal_grounds: set[str] | None
    form_problems: dict[str, list[str]]
    # Settings `roles.<group>` → role: the bundle's settings.yaml under the municipality's own mapping.
    role_mapping: Mapping[str, Any] = field(default_factory=dict)


class _FileChecker(UserTaskRoleChecks, TimeChecks):
    context: BpmnContext

    def __init__(self, filename: str, root: etree._Element, context: BpmnContext) -> None:
        self.filename = filename
        self.root = root
        self.context = context
        self.issues: list[ModelIssue] = []

    def issue(self, message: str, node: etree._Element | None = None, hint: str | None = None) -> None:
        element = node.get("id") if node is not None else None
        line = node.sourceline if node is not None else None
        self.issues.append(ModelIssue(self.filename, message, element, line, hint))

    def issue_of(
        self, template: str, params: dict[str, object], node: etree._Element, hint: str | None = None
    ) -> None:
        """An issue the pages show translated (ModelIssue.of)."""
        element, line = node.get("id"), node.sourceline
        self.issues.append(ModelIssue.of(self.filename, template, params, element, line, hint))

    def check_expression(self, text: str, node: etree._Element, what: str) -> None:
        problem = check_expression(text)
        if problem:
            self.issue(
                f"{what} {text.strip()!r} is refused: {problem}", node, "see docs/modelling.md, Expressions"
            )
        self.check_config_keys(text, node)

    def check_config_keys(self, text: str, node: etree._Element) -> None:
        for key in _CONFIG_CALL.findall(text):
            if key not in self.context.settings_keys:
                self.issue(
                    f"config({key!r}) is not in the bundle's settings.yaml",
                    node,
                    f"add {key} to settings.yaml",
                )

    def run(self) -> list[ProcessInfo]:
        processes = []
        for process in self.root.iter(_q("process")):
            processes.append(self.check_process(process))
            self.check_data_object_references(process)
        return processes

    def check_data_object_references(self, process: etree._Element) -> None:
        """A data object reference must name a data object of its own (sub)process or the one directly
        around it. SpiffWorkflow looks no further, and for a name it cannot find inside a subprocess
        its parser loops forever: such a model must never reach it."""
        scopes = {_q(tag) for tag in ("process", "subProcess", "transaction", "adHocSubProcess")}

        def declared(scope: etree._Element | None) -> set[str]:
            if scope is None:
                return set()
            return {obj.get("id") or "" for obj in scope if obj.tag == _q("dataObject")}

        def enclosing(node: etree._Element) -> etree._Element | None:
            parent = node.getparent()
            while parent is not None and parent.tag not in scopes:
                parent = parent.getparent()
            return parent

        def visible(node: etree._Element) -> set[str]:
            scope = enclosing(node)
            outer = enclosing(scope) if scope is not None and scope is not process else None
            return declared(scope) | declared(outer)

        for reference in process.iter(_q("dataObjectReference")):
            name = reference.get("dataObjectRef") or ""
            if name not in visible(reference):
                self.issue(
                    f"data object reference names {name!r}, which is not a data object of its process "
                    "or of the one directly around it",
                    reference,
                    "declare the data object there, or fix dataObjectRef",
                )
        # An association may point at a reference elsewhere in the file: the element that owns it is
        # what SpiffWorkflow resolves the data object from.
        objects = {
            r.get("id"): r.get("dataObjectRef") or "" for r in self.root.iter(_q("dataObjectReference"))
        }
        for association in process.iter(_q("dataInputAssociation"), _q("dataOutputAssociation")):
            owner = association.getparent()
            for end in association:
                name = (end.text or "").strip()
                is_reference = end.tag in (_q("sourceRef"), _q("targetRef")) and name in objects
                if is_reference and owner is not None and objects[name] not in visible(owner):
                    self.issue(
                        f"{etree.QName(owner).localname} uses data object {objects[name]!r}, which is "
                        "not a data object of its process or of the one directly around it",
                        owner,
                        "reference a data object of this (sub)process or the one around it",
                    )

    def check_process(self, process: etree._Element) -> ProcessInfo:
        info = ProcessInfo(
            process_id=process.get("id") or "?",
            name=process.get("name") or process.get("id") or "?",
            file=self.filename,
            executable=process.get("isExecutable") == "true",
            line=process.sourceline,
        )
        lanes: dict[str, str] = {}
        for lane in process.iter(_q("lane")):
            for ref in lane.findall(_q("flowNodeRef")):
                if ref.text:
                    lanes[ref.text.strip()] = lane.get("name") or lane.get("id") or ""
        flows_by_source: dict[str, list[etree._Element]] = {}
        for flow in process.iter(_q("sequenceFlow")):
            flows_by_source.setdefault(flow.get("sourceRef") or "", []).append(flow)
            condition = flow.find(_q("conditionExpression"))
            refused = flow.get(REFUSED) is not None  # already reported by the translation
            if condition is not None and (condition.text or "").strip() and not refused:
                self.check_expression(condition.text or "", flow, "condition")

        for node in process.iter():
            if not isinstance(node.tag, str) or not node.tag.startswith(f"{{{BPMN_NS}}}"):
                continue
            tag = etree.QName(node).localname
            extensions = read_extensions(node, {})
            properties = extensions.get("properties", {})
            self.check_spiff_scripts(node)
            if tag == "userTask":
                self.check_user_task(node, info, lanes, extensions)
            elif tag == "startEvent" and node.getparent() is process:
                form_key = extensions.get("formKey")
                if form_key:
                    info.start_form = form_key
                    info.forms.add(form_key)
                    self.check_form_reference(form_key, node)
            elif tag in {"boundaryEvent", "intermediateCatchEvent"} and extensions.get("formKey"):
                # A message's payload is checked against this form (docs/modelling.md, Messages).
                form_key = extensions["formKey"]
                if node.find(_q("messageEventDefinition")) is None:
                    self.issue("only a message event takes a form", node, "remove camunda:formKey")
                else:
                    info.forms.add(form_key)
                    self.check_form_reference(form_key, node)
            elif tag in {"exclusiveGateway", "inclusiveGateway"}:
                self.check_gateway(node, flows_by_source.get(node.get("id") or "", []))
            elif tag == "scriptTask" and node.get(REFUSED) is None:
                script = node.find(_q("script"))
                problem = (
                    check_script(script.text or "") if script is not None else "the script task has no script"
                )
                if problem:
                    self.issue(f"script refused: {problem}", node, "see docs/modelling.md, Expressions")
                elif script is not None:
                    self.check_config_keys(script.text or "", node)
            elif tag == "callActivity":
                called = node.get("calledElement")
                if not called:
                    self.issue("the call activity names no process (calledElement)", node)
                else:
                    info.calls.add(called)
                    info.call_sites.setdefault(called, (node.get("id"), node.sourceline))
            elif tag == "businessRuleTask":
                ref = extensions.get("decisionRef") or self._spiff_text(node, "calledDecisionId")
                if not ref:
                    self.issue(
                        "the business rule task names no decision",
                        node,
                        "set camunda:decisionRef or zeebe:calledDecision decisionId",
                    )
                else:
                    info.decisions.add(ref)
            elif tag in {"timeDuration", "timeDate", "timeCycle"}:
                self.check_timer(node, tag)
            elif tag == "loopCardinality":
                self.check_cardinality(node)
            if tag == "endEvent" and properties.get("continueAs"):
                info.continues_into.add(properties["continueAs"])
            ground = properties.get("legalGround")
            if ground and self.context.legal_grounds is not None and ground not in self.context.legal_grounds:
                self.issue(
                    f"legal ground {ground!r} is not in legal-grounds.yaml",
                    node,
                    "add it there or fix the key",
                )
        info.calls.discard("")
        return info

    def _spiff_text(self, node: etree._Element, name: str) -> str | None:
        found = node.find(f"{_q('extensionElements')}/{{{SPIFF_NS}}}{name}")
        return (found.text or "").strip() if found is not None else None

    def check_spiff_scripts(self, node: etree._Element) -> None:
        for name in ("preScript", "postScript"):
            text = self._spiff_text(node, name)
            if text:
                problem = check_script(text)
                if problem:
                    self.issue(f"{name} refused: {problem}", node)

    def check_form_reference(self, form_key: str, node: etree._Element) -> None:
        if is_embedded_html_form(form_key):
            found = attribute(node, "formKey")
            written = found[1] if found else "formKey"
            self.issue(
                f"{written} {form_key!r} is an HTML form, which this engine cannot show",
                node,
                "describe the fields with camunda:formData, a form-js .form file or a JSON Schema in forms/; "
                "a task that takes no data may complete without a form (interop.tasks_without_form)",
            )
            return
        if form_key not in self.context.form_keys:
            self.issue_of(
                "form '%(form)s' does not exist",
                {"form": form_key},
                node,
                "add forms/%(form)s.json to the bundle or fix camunda:formKey",
            )
        for problem in self.context.form_problems.get(form_key, []):
            self.issue(f"form {form_key!r}: {problem}", node, f"fix forms/{form_key}.json")

    def check_user_task(
        self, node: etree._Element, info: ProcessInfo, lanes: dict[str, str], extensions: dict[str, Any]
    ) -> None:
        element_id = node.get("id") or "?"
        properties = extensions.get("properties", {})
        form_key = extensions.get("formKey")
        if not form_key and node.get(NO_FORM) is None:  # NO_FORM: the bundle's documented opt-in
            self.issue_of("the user task has no form", {}, node, "set camunda:formKey to a form in forms/")
        elif form_key:
            info.forms.add(form_key)
            self.check_form_reference(form_key, node)
        role = self.check_task_role(node, extensions, lanes.get(element_id))
        self.check_assignee(node, extensions)
        due = extensions.get("dueDate")
        for name in ("dueDate", "followUpDate"):
            if extensions.get(name):
                self.check_due(extensions[name], node, name)
        info.user_tasks.append(
            UserTaskInfo(
                process_id=info.process_id,
                element_id=element_id,
                name=node.get("name") or element_id,
                role=role.value if role else None,
                form_key=form_key,
                due=due,
                phase=properties.get("phase"),
                properties=properties,
            )
        )

    def check_gateway(self, node: etree._Element, outgoing: list[etree._Element]) -> None:
        if len(outgoing) < 2:
            return
        default = node.get("default")
        for flow in outgoing:
            condition = flow.find(_q("conditionExpression"))
            has_condition = condition is not None and bool((condition.text or "").strip())
            if not has_condition and flow.get("id") != default:
                self.issue_of(
                    "outgoing flow '%(flow)s' has no condition and is not the gateway's default",
                    {"flow": flow.get("id")},
                    node,
                    "give the flow a condition or make it the gateway's default flow",
                )

    def check_cardinality(self, node: etree._Element) -> None:
        owner = node.getparent().getparent() if node.getparent() is not None else None
        anchor = owner if owner is not None else node
        text = (node.text or "").strip()
        if anchor.get(REFUSED) is not None:
            return
        self.check_expression(text, anchor, "loop cardinality")
        try:
            literal = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return  # computed at run time, where the sandbox bounds it too
        if type(literal) is not int or not 0 <= literal <= MAX_INSTANCES:
            self.issue(
                f"loop cardinality {text!r} is not a number of instances from 0 to {MAX_INSTANCES:,}",
                anchor,
                "loop over a collection in the process data, or split the work",
            )


def check_bpmn(
    filename: str, root: etree._Element, context: BpmnContext
) -> tuple[list[ModelIssue], list[ProcessInfo]]:
    foreign = foreign_issues(filename, root)  # first: it marks what the checks below must not repeat
    checker = _FileChecker(filename, root, context)
    processes = checker.run()
    return foreign + checker.issues, processes
