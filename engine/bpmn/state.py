"""Serializing specs once per version and live state per instance, without the spec.

SpiffWorkflow's serializer puts the whole process spec (~20 KB) into every workflow's state. We split
it: `serialize_specs` stores the specs once per deployed version; `dump_state`/`load_state` handle the
live task tree only, restoring it against specs taken from the in-process cache. The sandboxed script
engine is installed on every workflow we create or restore (the library does not serialize it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.helpers.encoder import create_encoder
from SpiffWorkflow.bpmn.specs import BpmnProcessSpec
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.serializer.task_spec import BusinessRuleTaskConverter

from .decisions import ResultVariableBusinessRuleTask

STATE_FORMAT = 1


class _SpeclessWorkflowConverter(BpmnWorkflowConverter):
    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], definition: CompiledDefinition, process_id: str) -> BpmnWorkflow:
        workflow = self.target_class(
            definition.process_spec(process_id), definition.subprocess_specs, deserializing=True
        )
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


# Our business rule task (resultVariable, decisions.py) is stored like the library's.
_CONFIG = {**SPIFF_CONFIG, ResultVariableBusinessRuleTask: BusinessRuleTaskConverter}


def _registry() -> Any:
    config = dict(_CONFIG)
    config[BpmnWorkflow] = _SpeclessWorkflowConverter
    registry = BpmnWorkflowSerializer.configure(config)
    # As the library's own serialize_json does, for good: the registry converts the workflow and its
    # tasks, and leaves the (JSON-only) task data to the encoder instead of walking it value by value.
    # Same text, in half the time; this registry is ours alone, so the mode never needs switching back.
    registry._encoder_mode = True
    return registry


_REGISTRY = _registry()
_ENCODER = create_encoder(_REGISTRY)
_SPEC_REGISTRY = BpmnWorkflowSerializer.configure(_CONFIG)


@dataclass
class CompiledDefinition:
    """The parsed specs of one deployed version: the entry process and all it calls or continues into."""

    entry_process_id: str
    specs: dict[str, BpmnProcessSpec]
    # Not part of the serialized form: derived lookups the runtime needs on every step.
    _subprocess_specs: dict[str, BpmnProcessSpec] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._subprocess_specs = dict(self.specs)

    @property
    def subprocess_specs(self) -> dict[str, BpmnProcessSpec]:
        return self._subprocess_specs

    def process_spec(self, process_id: str) -> BpmnProcessSpec:
        try:
            return self.specs[process_id]
        except KeyError:
            raise KeyError(f"process {process_id!r} is not part of this definition") from None


def serialize_specs(definition: CompiledDefinition) -> str:
    return json.dumps(
        {
            "format": STATE_FORMAT,
            "entry": definition.entry_process_id,
            "specs": {pid: _SPEC_REGISTRY.convert(spec) for pid, spec in definition.specs.items()},
        },
        separators=(",", ":"),
    )


def restore_specs(text: str) -> CompiledDefinition:
    data = json.loads(text)
    specs = {pid: _SPEC_REGISTRY.restore(spec) for pid, spec in data["specs"].items()}
    return CompiledDefinition(entry_process_id=data["entry"], specs=specs)


def new_workflow(definition: CompiledDefinition, process_id: str, engine: PythonScriptEngine) -> BpmnWorkflow:
    return BpmnWorkflow(
        definition.process_spec(process_id), definition.subprocess_specs, script_engine=engine
    )


def dump_state(workflow: BpmnWorkflow) -> str:
    return json.dumps(_REGISTRY.convert(workflow), separators=(",", ":"), cls=_ENCODER)


def load_state(
    text: str, definition: CompiledDefinition, process_id: str, engine: PythonScriptEngine
) -> BpmnWorkflow:
    dct = json.loads(text)
    dct.pop("typename", None)
    converter = _REGISTRY.convert_from_dict["BpmnWorkflow"]
    workflow: BpmnWorkflow = converter(dct, definition=definition, process_id=process_id)
    workflow.script_engine = engine
    return workflow
