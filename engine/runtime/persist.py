"""Persisting one engine step: task rows opened and closed, the instance's new live state and
queryable columns, the events. Task rows and events go through their one writer
(engine.runtime.journal); the instance row through the driver-level writer (engine.runtime.writer)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy import select

from ..bpmn.script_helpers import using_settings
from ..bpmn.state import dump_state
from ..bpmn.tree import all_tasks, prune
from ..definitions.cache import LoadedDefinition
from ..errors import ProcessError
from ..status import InstanceStatus, TaskStatus, instance_transition
from ..uow import UnitOfWork
from . import journal
from .models import ProcessInstance, Task
from .outcome import StepOutcome
from .stepper import Advance, ready_user_tasks, snapshot
from .task_rows import StepSettings, build_task_row
from .workflow_cache import Cached, WorkflowCache
from .writer import update_object


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
            journal.close_task(uow, row, TaskStatus.CANCELLED)
            cancelled.append(row)
    with using_settings(settings, definition.parties):
        opened = [
            build_task_row(spiff_task, instance, settings, now, definition_id=definition.id)
            for task_id, spiff_task in ready.items()
            if task_id not in step.before
        ]
    if not workflow.is_completed():
        # Finished rounds of loops leave the live state; their history is in the rows and events.
        prune(workflow)
    state = dump_state(workflow)
    if len(state) > max_state_bytes:
        raise ProcessError(
            f"the live state would be {len(state):,} bytes (limit {max_state_bytes:,}): "
            f"{_what_grew(workflow)}. Keep lists and documents out of the process data (record "
            "them as facts), or end a period with continueAs (docs/modelling.md)",
            cause="state_too_large",
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
    if progress.switched_to is not None:
        values["definition_id"] = progress.switched_to.id
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
        events.append(journal.entry(instance, "path", step.actor, detail={"elements": progress.path}))
    for continuation in progress.continuations:
        detail: dict[str, Any] = {"from": continuation.from_process, "to": continuation.to_process}
        if progress.switched_to is not None:
            detail["version"] = progress.switched_to.version
        events.append(journal.entry(instance, "continued", step.actor, detail=detail))
    events.extend(journal.entry(instance, "task_cancelled", None, task=t) for t in cancelled)
    events.extend(journal.entry(instance, "task_opened", None, task=t) for t in opened)
    if instance.status == InstanceStatus.COMPLETED:
        events.append(journal.entry(instance, "instance_completed", step.actor))
    journal.append(uow, events)
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


def _what_grew(workflow: BpmnWorkflow) -> str:
    """Which part of the state is large: the data of a task, or the number of tasks kept."""
    tasks = list(all_tasks(workflow))
    sizes: dict[str, int] = {}
    for task in tasks:
        for key, value in task.data.items():
            sizes[key] = sizes.get(key, 0) + len(repr(value))
    keys = [f"{k} (~{sizes[k]:,} bytes)" for k in sorted(sizes, key=lambda k: -sizes[k])[:3]]
    return (
        f"{len(tasks)} tasks are kept (loops are pruned; parallel branches, boundary events and "
        f"multi-instance tasks keep theirs until they end)"
        + (f"; the largest process data are {', '.join(keys)}" if keys else "")
    )


def workflows(uow: UnitOfWork) -> WorkflowCache:
    cache: WorkflowCache = uow.database.caches.setdefault("workflows", WorkflowCache())
    return cache


def ready_ids(workflow: BpmnWorkflow) -> set[uuid.UUID]:
    return {t.id for t in ready_user_tasks(workflow)}


def insert_opened(uow: UnitOfWork, outcome: StepOutcome) -> None:
    journal.open_tasks(uow, outcome.opened)
