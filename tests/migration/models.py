"""Two versions of a small process for the migration tests, and helpers to deploy and drive them.

Version 1: a → b → c. Version 2: a (other role, due date and legal ground) → b2 (b renamed: the plan
maps it) → x (new) → end; c is gone, so a procedure waiting at c cannot move without a mapping."""

from __future__ import annotations

import itertools
import json

from engine.definitions.bundle import Bundle
from tests.factories import bpmn_document

FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {"akkoord": {"type": "boolean", "title": "Akkoord"}},
}


def _task(task_id: str, name: str, group: str, extra: str = "", props: str = "") -> str:
    ext = f"<bpmn:extensionElements><camunda:properties>{props}</camunda:properties></bpmn:extensionElements>"
    return (
        f'<bpmn:userTask id="{task_id}" name="{name}" camunda:formKey="step" '
        f'camunda:candidateGroups="{group}" {extra}>{ext if props else ""}</bpmn:userTask>'
    )


def _flows(ids: list[str]) -> str:
    return "".join(
        f'<bpmn:sequenceFlow id="f_{a}_{b}" sourceRef="{a}" targetRef="{b}"/>'
        for a, b in itertools.pairwise(ids)
    )


def _process(tasks: list[str], ids: list[str], settings: str = "") -> Bundle:
    body = '<bpmn:startEvent id="start"/>' + "".join(tasks) + '<bpmn:endEvent id="end"/>'
    xml = bpmn_document(body + _flows(["start", *ids, "end"]), process_id="mig")
    files = {"mig.bpmn": xml.encode(), "forms/step.json": json.dumps(FORM).encode()}
    if settings:
        files["settings.yaml"] = settings.encode()
    return Bundle(files)


def version_one() -> Bundle:
    return _process(
        [
            _task("a", "Eerste", "meldpunt", 'camunda:dueDate="P2D"'),
            _task("b", "Tweede", "assessor"),
            _task("c", "Derde", "assessor"),
        ],
        ["a", "b", "c"],
    )


def version_two() -> Bundle:
    return _process(
        [
            _task(
                "a",
                "Eerste (nieuw)",
                "coordinator",
                'camunda:dueDate="P5D"',
                '<camunda:property name="legalGround" value="test.grond"/>',
            ),
            _task("b2", "Tweede", "assessor"),
            _task("x", "Nieuwe stap", "coordinator"),
        ],
        ["a", "b2", "x"],
    )
