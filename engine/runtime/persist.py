"""Persisting one engine step: task rows opened and closed, the instance's new live state and
queryable columns, the events — written through the driver-level writer (engine.runtime.writer)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, cast

from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy import Table, select

from ..bpmn.script_helpers import using_settings
from ..bpmn.state import dump_state
from ..clock import active_clock
from ..definitions.cache import LoadedDefinition
from ..errors import ProcessError
from ..status import InstanceStatus, TaskStatus, instance_transition, task_transition
from ..uow import UnitOfWork
from .models import ProcessEvent, ProcessInstance, Task
from .outcome import StepOutcome
from .stepper import Advance, ready_user_tasks, snapshot
from .task_rows import StepSettings, build_task_row
from .workflow_cache import Cached, WorkflowCache
from .writer import insert_objects, insert_rows, update_object


@dataclass
class Step:
    """A command's engine step, ready to be written."""

    instance: ProcessInstance
    definition: LoadedDefinition
    progress: Advance
    settings: StepSettings
    actor: str | None
    events: list[dict[str, Any]]
    # The READY user tasks before the step (their rows are the open task rows).
    before: set[uuid.UUID]
    completed: Task | None = None
    submitted: dict[str, Any] = field(default_factory=dict)
    task_data: dict[str, Any] = field(default_factory=dict)
    started: bool = False


def persist_step(uow: UnitOfWork, step: Step, *, max_state_bytes: int) -> StepOutcome:
    """Write the step, except the task rows it opened: hooks may still complete those (e.g. a due
    time from the tenant's policy) and `insert_opened` writes them afterwards, once."""
    instance, definition, progress, settings = step.instance, step.definition, step.progress, step.settings
    workflow = progress.workflow
    now = uow.now()
    # Open task rows mirror the READY user tasks of the live state, so what changed is the
    # difference between the READY tasks before and after the step: no query for the open rows.
    where = snapshot(workflow)
    ready = where.ready
    closed_ids = step.before - set(ready) - ({step.completed.id} if step.completed is not None else set())
    cancelled = []
    if closed_ids:
        for row in uow.session.scalars(
            select(Task).where(Task.id.in_(closed_ids), Task.status == TaskStatus.OPEN, Task.kind == "user")
        ):
            changes = {"status": task_transition(row.status, TaskStatus.CANCELLED), "cancelled_at": now}
            update_object(uow, row, changes)
            cancelled.append(row)
    with using_settings(settings, definition.parties):
        opened = [
            build_task_row(spiff_task, instance, settings, now)
            for task_id, spiff_task in ready.items()
            if task_id not in step.before
        ]
    state = dump_state(workflow)
    if len(state) > max_state_bytes:
        raise ProcessError(
            f"the live state would be {len(state):,} bytes (limit {max_state_bytes:,}); "
            "keep lists out of the process data or continue as new (docs/modelling.md)"
        )
    values: dict[str, Any] = {
        "state": state,
        "current_steps": where.steps,
        "updated_at": now,
        "next_timer_due": where.next_timer_due,
    }
    if progress.continuations:
        values["segment"] = instance.segment + len(progress.continuations)
        values["current_process_id"] = progress.process_id
    if workflow.is_completed():
        values["status"] = instance_transition(instance.status, InstanceStatus.COMPLETED)
        values["ended_at"] = now
        values["next_timer_due"] = None
    if instance in uow.session.new:
        uow.flush()  # a new instance is inserted by the ORM (rare: once per start) ...
    update_object(uow, instance, values, version="version")  # ... and written here like every step
    if instance.status == InstanceStatus.RUNNING:
        cache, version = workflows(uow), instance.version
        cached = Cached(workflow, frozenset(ready))
        uow.after_commit(lambda: cache.put(instance.id, version, cached))
    events = step.events
    if progress.path:
        events.append(event(instance, "path", step.actor, detail={"elements": progress.path}))
    for continuation in progress.continuations:
        detail = {"from": continuation.from_process, "to": continuation.to_process}
        events.append(event(instance, "continued", step.actor, detail=detail))
    events.extend(event(instance, "task_cancelled", None, task=t) for t in cancelled)
    events.extend(event(instance, "task_opened", None, task=t) for t in opened)
    if instance.status == InstanceStatus.COMPLETED:
        events.append(event(instance, "instance_completed", step.actor))
    write_events(uow, events)
    return StepOutcome(
        instance=instance,
        definition=definition,
        completed_task=step.completed,
        opened=opened,
        cancelled=cancelled,
        path=progress.path,
        continued_into=[c.to_process for c in progress.continuations],
        submitted=step.submitted,
        task_data=step.task_data,
        started=step.started,
    )


def event(
    instance: ProcessInstance,
    type_: str,
    actor: str | None,
    *,
    task: Task | None = None,
    data_keys: list[str] | None = None,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One event-log row: who did what, when, on which task, with which data keys (never values)."""
    return {
        "tenant_id": instance.tenant_id,
        "instance_id": instance.id,
        "task_id": task.id if task else None,
        "process_id": task.process_id if task else instance.current_process_id,
        "element_id": task.element_id if task else None,
        "type": type_,
        "actor": actor,
        "at": active_clock().now(),
        "segment": instance.segment,
        "data_keys": data_keys,
        "detail": detail,
    }


def write_events(uow: UnitOfWork, events: list[dict[str, Any]]) -> None:
    if events:
        insert_rows(uow, cast(Table, ProcessEvent.__table__), events)


def workflows(uow: UnitOfWork) -> WorkflowCache:
    cache: WorkflowCache = uow.database.caches.setdefault("workflows", WorkflowCache())
    return cache


def ready_ids(workflow: BpmnWorkflow) -> set[uuid.UUID]:
    return {t.id for t in ready_user_tasks(workflow)}


def insert_opened(uow: UnitOfWork, outcome: StepOutcome) -> None:
    insert_objects(uow, outcome.opened)
