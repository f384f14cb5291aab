"""Small models in the shapes other modelers write, one per dialect feature (written for these tests).

Each is a complete .bpmn document; `bundle()` puts it in a zip with the forms it names."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

NAMESPACES = {
    "camunda": "http://camunda.org/schema/1.0/bpmn",
    "zeebe": "http://camunda.org/schema/zeebe/1.0",
    "modeler": "http://camunda.org/schema/modeler/1.0",
    "flowable": "http://flowable.org/bpmn",
    "activiti": "http://activiti.org/bpmn",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}

STEP_FORM: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Stap",
    "type": "object",
    "properties": {"akkoord": {"type": "boolean", "title": "Akkoord"}},
}


def document(process: str, *, prefix: str, process_id: str = "p", extra: str = "") -> str:
    """A BPMN file declaring the one dialect `prefix` (as its modeler does) around a process body."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:{prefix}="{NAMESPACES[prefix]}"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="defs_{process_id}" targetNamespace="http://wams.example/interop">
  <bpmn:process id="{process_id}" name="{process_id}" isExecutable="true">
{process}
  </bpmn:process>
{extra}
</bpmn:definitions>
"""


def bundle(files: dict[str, str | bytes | dict[str, Any]], *, with_step_form: bool = True) -> io.BytesIO:
    """A zip upload: `files` by path (dicts are written as JSON), plus forms/step.json."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if with_step_form:
            archive.writestr("forms/step.json", json.dumps(STEP_FORM))
        for name, content in files.items():
            archive.writestr(name, json.dumps(content) if isinstance(content, dict) else content)
    buffer.seek(0)
    return buffer


# --- models that run ---------------------------------------------------------------------------


def gateway(prefix: str, yes: str, no: str, task_attributes: str, *, extension: str = "") -> str:
    """start → a user task → exclusive gateway: `yes` ends, `no` opens a rework task first."""
    return f"""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:userTask id="review" name="Beoordelen" {task_attributes}>{extension}</bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="decide"/>
    <bpmn:exclusiveGateway id="decide"/>
    <bpmn:sequenceFlow id="f_yes" sourceRef="decide" targetRef="end_yes">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{yes}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_no" sourceRef="decide" targetRef="rework">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{no}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:userTask id="rework" name="Herstellen" {task_attributes}/>
    <bpmn:sequenceFlow id="f_back" sourceRef="rework" targetRef="end_yes"/>
    <bpmn:endEvent id="end_yes"/>
"""
