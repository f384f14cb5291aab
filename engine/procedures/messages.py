"""The messages a running procedure waits for right now (e.g. `client_withdraws`), with the form of
each one's payload, so a page can offer them without loading the live state: the waiting events are
in the instance's `current_steps`, their names and forms in the deployed version's specs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition

from ..access import Actor
from ..definitions.cache import definition_cache
from ..errors import NotFound
from ..runtime.models import ProcessInstance
from ..status import InstanceStatus
from ..uow import UnitOfWork
from .service import STEERING


@dataclass(frozen=True)
class AwaitedMessage:
    name: str  # what to send: POST /api/v1/procedures/{id}/messages/{name}
    label: str  # the catching event's name, for people
    form: dict[str, Any] | None  # JSON Schema of the payload; None: the message takes no data


def awaited_messages(uow: UnitOfWork, actor: Actor, procedure_id: uuid.UUID) -> list[AwaitedMessage]:
    """Only for those who may pass messages on (coordinator, manager); none once the procedure ended."""
    if not actor.has(*STEERING):
        return []
    with uow:
        instance = uow.session.get(ProcessInstance, procedure_id)
        if instance is None or instance.tenant_id != actor.tenant_id:
            raise NotFound("procedure not found")
        if instance.status != InstanceStatus.RUNNING:
            return []
        definition = definition_cache(uow).get(uow, instance.definition_id)
        waiting = set(instance.current_steps or [])
        found: dict[str, AwaitedMessage] = {}
        for spec in definition.compiled.subprocess_specs.values():
            for task_spec in spec.task_specs.values():
                event = getattr(task_spec, "event_definition", None)
                if not isinstance(event, MessageEventDefinition) or task_spec.bpmn_id not in waiting:
                    continue
                form_key = (getattr(task_spec, "extensions", None) or {}).get("formKey")
                form = definition.form(form_key).schema if form_key else None
                found.setdefault(
                    event.name, AwaitedMessage(event.name, task_spec.bpmn_name or event.name, form)
                )
        return sorted(found.values(), key=lambda message: message.name)
