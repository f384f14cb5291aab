"""Rewrite other modelers' conventions into the standard BPMN with Python expressions that we run.

Runs on the XML before our checks and SpiffWorkflow's parser, in place:

- bare timer literals (``PT30M``) become quoted expressions;
- JUEL (``${approved}``, ``PT${minutes}M``) and FEEL (``=remainingAmount > 0``) in conditions, timers,
  loop cardinalities and completion conditions are translated (`expressions.py`);
- multi-instance ``camunda:``/``flowable:``/``activiti:collection`` and ``elementVariable`` and
  ``zeebe:loopCharacteristics`` become ``loopDataInputRef``/``inputDataItem``;
- ``zeebe:calledElement`` becomes the call activity's ``calledElement``;
- ``zeebe:script`` (a FEEL expression and a result variable) becomes a Python script;
- Flowable's decision task (``serviceTask flowable:type="dmn"``) becomes a business rule task.

What cannot be translated is returned as issues naming element, attribute and construct; the element
is marked (`REFUSED`) so later checks do not report the same text a second time.
"""

from __future__ import annotations

import re

from lxml import etree

from ..errors import ModelIssue
from .dialects import ATTRIBUTE_DIALECTS, BPMN_NS, CAMUNDA_NS, FLOWABLE_NS, ZEEBE_NS, qname, shown, zeebe
from .expressions import TranslationError, dialect_of, translate, translate_variable_reference
from .isotime import looks_like_timer_literal

REFUSED = "{urn:wams:interop}refused"
EXPRESSIONS_HINT = "see docs/modelling.md, Other modelers"
# Quartz (Camunda 7) and Spring (Zeebe) cron: five to seven fields of digits, *, ?, /, -, L, W, #, names.
_CRON = re.compile(r"^\s*(\S+\s+){4,6}\S+\s*$")
_PYTHON_LANGUAGES = {"", "python", "python3", "py"}


def _q(tag: str) -> str:
    return qname(BPMN_NS, tag)


class _Normalizer:
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.issues: list[ModelIssue] = []

    def refuse(self, anchor: etree._Element, message: str, hint: str = EXPRESSIONS_HINT) -> None:
        anchor.set(REFUSED, "true")
        self.issues.append(ModelIssue(self.filename, message, anchor.get("id"), anchor.sourceline, hint))

    def translated(self, text: str, anchor: etree._Element, what: str) -> str | None:
        """`text` as Python, or None (refused, and reported) when it is outside the subset."""
        try:
            python = translate(text)
        except TranslationError as exc:
            self.refuse(anchor, f"{what} {text.strip()!r}: {exc}")
            return None
        return text if python is None else python

    def run(self, root: etree._Element) -> None:
        for tag in ("timeDuration", "timeDate", "timeCycle"):
            for node in root.iter(_q(tag)):
                self.timer(node, tag)
        for flow in root.iter(_q("sequenceFlow")):
            condition = flow.find(_q("conditionExpression"))
            if condition is not None and (condition.text or "").strip():
                self.condition(condition, flow)
        for loop in root.iter(_q("multiInstanceLoopCharacteristics")):
            self.loop(loop)
        for call in root.iter(_q("callActivity")):
            self.called_element(call)
        for task in root.iter(_q("scriptTask")):
            self.zeebe_script(task)
        for task in list(root.iter(_q("serviceTask"))):
            self.flowable_decision(task)

    def timer(self, node: etree._Element, tag: str) -> None:
        owner = node.getparent().getparent() if node.getparent() is not None else None
        anchor = owner if owner is not None else node
        text = (node.text or "").strip()
        if not text:
            return
        if looks_like_timer_literal(text) and dialect_of(text) is None:
            node.text = repr(text)
        elif tag == "timeCycle" and _CRON.match(text) and not text.startswith(("=", "$", "#")):
            self.refuse(
                anchor,
                f"timeCycle {text!r} is a cron expression (Quartz/Spring), which this engine does not run",
                "write an ISO 8601 repetition such as R/P1D or R/PT1H (docs/modelling.md)",
            )
        else:
            python = self.translated(text, anchor, f"timer {tag}")
            if python is not None:
                node.text = python

    def condition(self, condition: etree._Element, flow: etree._Element) -> None:
        language = (condition.get("language") or "").strip().lower()
        if language not in _PYTHON_LANGUAGES:
            self.refuse(
                flow,
                f"conditionExpression language={condition.get('language')!r} is a script this engine "
                "does not run",
                "write the condition as an expression (JUEL, FEEL or Python; docs/modelling.md)",
            )
            return
        python = self.translated(condition.text or "", flow, "condition")
        if python is not None:
            condition.text = python

    def loop(self, loop: etree._Element) -> None:
        activity = loop.getparent() if loop.getparent() is not None else loop
        for tag in ("loopCardinality", "completionCondition"):
            node = loop.find(_q(tag))
            if node is not None and (node.text or "").strip():
                python = self.translated(node.text or "", activity, tag)
                if python is not None:
                    node.text = python
        collection, element_variable, written = None, None, ""
        for namespace in ATTRIBUTE_DIALECTS:
            if loop.get(qname(namespace, "collection")):
                collection = loop.get(qname(namespace, "collection"))
                element_variable = loop.get(qname(namespace, "elementVariable"))
                written = shown(namespace, "collection")
                break
        characteristics = zeebe(loop, "loopCharacteristics")
        if collection is None and characteristics is not None:
            collection = characteristics.get("inputCollection")
            element_variable = characteristics.get("inputElement")
            written = "zeebe:loopCharacteristics inputCollection"
        if not collection or loop.find(_q("loopDataInputRef")) is not None:
            return
        reference = translate_variable_reference(collection)
        if reference is None or "." in reference:
            self.refuse(
                activity,
                f"{written} {collection!r} is not the name of a list in the process data",
                "collect the list into one variable first and name that variable",
            )
            return
        # Standard BPMN order: loopCardinality?, loopDataInputRef?, loopDataOutputRef?, inputDataItem?
        ref = etree.Element(_q("loopDataInputRef"))
        ref.text = reference
        cardinality = loop.find(_q("loopCardinality"))
        if cardinality is not None:
            cardinality.addnext(ref)
        else:
            loop.insert(0, ref)
        if element_variable and loop.find(_q("inputDataItem")) is None:
            item = etree.Element(_q("inputDataItem"))
            item.set("id", element_variable)
            item.set("name", element_variable)
            ref.addnext(item)
        if characteristics is not None and characteristics.get("outputCollection"):
            self.output_collection(loop, activity, characteristics, ref)

    def output_collection(
        self, loop: etree._Element, activity: etree._Element, spec: etree._Element, input_ref: etree._Element
    ) -> None:
        """Zeebe's outputCollection/outputElement → loopDataOutputRef/outputDataItem: each instance's
        `outputElement` variable is collected into the list, in the order of the input."""
        collection = (spec.get("outputCollection") or "").strip()
        element = translate_variable_reference(spec.get("outputElement") or "")
        if not collection.isidentifier() or element is None or "." in element:
            self.refuse(
                activity,
                f"zeebe:loopCharacteristics outputCollection={collection!r} outputElement="
                f"{spec.get('outputElement')!r}: only a variable name (=result) is collected",
                "let each instance set one variable and name it as outputElement",
            )
            return
        output = etree.Element(_q("loopDataOutputRef"))
        output.text = collection
        input_ref.addnext(output)
        item = etree.Element(_q("outputDataItem"))
        item.set("id", element)
        item.set("name", element)
        last = loop.find(_q("inputDataItem"))
        (last if last is not None else output).addnext(item)

    def called_element(self, call: etree._Element) -> None:
        called = zeebe(call, "calledElement")
        if call.get("calledElement") or called is None:
            return
        process_id = (called.get("processId") or "").strip()
        if process_id.startswith("="):
            literal = process_id[1:].strip()
            if len(literal) > 1 and literal[0] == literal[-1] == '"':
                process_id = literal[1:-1]
            else:
                self.refuse(
                    call,
                    f"zeebe:calledElement processId {process_id!r} is computed at run time; the process a "
                    "call activity starts must be known at deploy",
                    "name the called process (a process id in this bundle)",
                )
                return
        if process_id:
            call.set("calledElement", process_id)

    def zeebe_script(self, task: etree._Element) -> None:
        script = zeebe(task, "script")
        if script is None or task.find(_q("script")) is not None:
            return
        expression = script.get("expression") or ""
        result = (script.get("resultVariable") or "").strip()
        if not result.isidentifier() or result.startswith("_"):
            self.refuse(task, f"zeebe:script resultVariable {result!r} is not a variable name")
            return
        python = self.translated(expression, task, "zeebe:script expression")
        if python is None:
            return
        if not expression.strip().startswith("="):
            python = repr(expression.strip())  # a FEEL script without "=" is a literal text
        node = etree.SubElement(task, _q("script"))
        node.text = f"{result} = {python}"

    def flowable_decision(self, task: etree._Element) -> None:
        """Flowable models a decision as ``<serviceTask flowable:type="dmn">`` with a field
        ``decisionTableReferenceKey``: a business rule task calling that decision."""
        kind = qname(FLOWABLE_NS, "type")
        if task.get(kind) != "dmn":
            return
        key = None
        for container in task.iterchildren(_q("extensionElements")):
            for field in list(container.iterchildren(qname(FLOWABLE_NS, "field"))):
                if field.get("name") == "decisionTableReferenceKey":
                    text = field.findtext(qname(FLOWABLE_NS, "string")) or field.get("stringValue")
                    key = (text or "").strip() or None
                    container.remove(field)
        if key is None:
            return  # refused as flowable:type='dmn' by the foreign checks
        task.tag = _q("businessRuleTask")
        del task.attrib[kind]
        task.set(qname(CAMUNDA_NS, "decisionRef"), key)


def normalize_tree(root: etree._Element, filename: str = "(model)") -> list[ModelIssue]:
    """Rewrite foreign conventions in place; the issues name what could not be translated."""
    normalizer = _Normalizer(filename)
    normalizer.run(root)
    return normalizer.issues


__all__ = ["REFUSED", "ZEEBE_NS", "normalize_tree"]
