"""The one writer of task rows and timeline events.

Task rows (a user task of the model, or a task the system opens for a person: an escalation, a
rights request) and process events (the timeline) are written here and nowhere else
(tests/test_architecture.py holds every other module to it). Three kinds of write:

- open a task (`open_tasks` for the rows an engine step opened, `open_task` for a system task);
- close it with a status (`close_task`: completed by someone, or cancelled, with its stamps) or hand it
  over (`hand_over`: claim, release, assign — the owner changes and an event says who and why);
- append an event (`entry` builds one, `append` writes them, `note` is both for a single line);
- make an open task follow its procedure to another version (`follow_migration`; the event kind
  `migrated` records the move on the instance's timeline).

Every event carries what the read model (`engine.procedures.timeline`) needs to decide who may see
it without reading anything else: the party whose work it is about, the data subject, the data
categories of the fields it names. An event about a task takes them from the task row.

Writes go through the driver-level writer (`engine.runtime.writer`), so the engine's hot path stays
as fast as before, and inside the caller's unit of work: nothing here commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, inspect, select

from ..clock import active_clock
from ..status import TaskStatus, task_transition
from ..uow import UnitOfWork
from .models import ProcessEvent, ProcessInstance, Task
from .writer import insert_objects, insert_rows, new_row, update_object

Event = dict[str, Any]


def entry(
    instance: ProcessInstance,
    type_: str,
    actor: str | None,
    *,
    task: Task | None = None,
    data_keys: Sequence[str] | None = None,
    detail: dict[str, Any] | None = None,
    party: str | None = None,
    subject: str | None = None,
    categories: Sequence[str] | None = None,
    task_id: uuid.UUID | None = None,
) -> Event:
    """One event-log row: who did what, when, on which task, with which data keys (never values),
    about whose work (party) and which person (subject), touching which data categories."""
    return {
        "tenant_id": instance.tenant_id,
        "instance_id": instance.id,
        "task_id": task.id if task else task_id,
        "process_id": task.process_id if task else instance.current_process_id,
        "element_id": task.element_id if task else None,
        "type": type_,
        "actor": actor,
        "at": active_clock().now(),
        "segment": instance.segment,
        "data_keys": list(data_keys) if data_keys is not None else None,
        "detail": detail,
        "party": task.party if task else party,
        "subject": task.subject if task else subject,
        "categories": sorted(set(categories)) if categories else None,
    }


def task_entry(
    task: Task, segment: int, type_: str, actor: str | None, detail: dict[str, Any] | None = None
) -> Event:
    """An event about a task, written without its instance row at hand (a claim, a hand-over)."""
    return {
        "tenant_id": task.tenant_id,
        "instance_id": task.instance_id,
        "task_id": task.id,
        "process_id": task.process_id,
        "element_id": task.element_id,
        "type": type_,
        "actor": actor,
        "at": active_clock().now(),
        "segment": segment,
        "data_keys": None,
        "detail": detail or None,
        "party": task.party,
        "subject": task.subject,
        "categories": None,
    }


def append(uow: UnitOfWork, events: Sequence[Event]) -> None:
    if events:
        insert_rows(uow, cast(Table, ProcessEvent.__table__), events)


def note(
    uow: UnitOfWork,
    instance_id: uuid.UUID,
    type_: str,
    actor: str | None,
    detail: dict[str, Any] | None,
    *,
    task_id: uuid.UUID | None = None,
    party: str | None = None,
    subject: str | None = None,
    categories: Sequence[str] | None = None,
) -> None:
    """Append one line to the timeline of `instance_id` (a command outside the engine's steps:
    a rights request, a suspension, an escalation)."""
    instance = uow.session.get(ProcessInstance, instance_id)
    if instance is None:
        raise LookupError(f"no process instance {instance_id}")
    task = uow.session.get(Task, task_id) if task_id is not None and party is None else None
    event = entry(
        instance,
        type_,
        actor,
        detail=detail,
        party=party if party is not None else (task.party if task else None),
        subject=subject if subject is not None else (task.subject if task else None),
        categories=categories,
        task_id=task_id,
    )
    append(uow, [event])


# --- task rows ---------------------------------------------------------------------------------


def open_tasks(uow: UnitOfWork, tasks: Iterable[Task]) -> None:
    """INSERT the rows of the user tasks an engine step opened (built by `task_rows.build_task_row`)."""
    insert_objects(uow, tasks)


def open_task(
    uow: UnitOfWork,
    instance: ProcessInstance,
    *,
    kind: str,
    element_id: str,
    name: str,
    role: str | None,
    assignee: str | None = None,
    party: str | None = None,
    subject: str | None = None,
    due_at: datetime | None = None,
    properties: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
) -> Task:
    """Open a task the system gives a person (not backed by a user task of the model)."""
    task = new_row(
        Task,
        id=uuid.uuid4(),
        tenant_id=instance.tenant_id,
        instance_id=instance.id,
        definition_id=instance.definition_id,
        process_id=instance.current_process_id,
        element_id=element_id,
        name=name,
        role=role,
        assignee=assignee,
        party=party,
        subject=subject,
        form_key=None,
        phase=None,
        status=TaskStatus.OPEN,
        kind=kind,
        created_at=uow.now(),
        due_at=due_at,
        follow_up_at=None,
        claimed_by=None,
        claimed_at=None,
        completed_by=None,
        completed_at=None,
        cancelled_at=None,
        deadline_id=None,
        properties=properties or {},
        context=context or {},
    )
    insert_objects(uow, [task])
    return task


def close_task(uow: UnitOfWork, task: Task, status: TaskStatus, *, by: str | None = None) -> None:
    """Close an open task: COMPLETED (by `by`) or CANCELLED, with the moment; the status machine
    refuses any other move."""
    now = uow.now()
    changes: dict[str, Any] = {"status": task_transition(task.status, status)}
    if status == TaskStatus.COMPLETED:
        changes.update(completed_by=by, completed_at=now)
    else:
        changes["cancelled_at"] = now
    _write(uow, task, changes)


def link_deadline(task: Task, deadline_id: uuid.UUID) -> None:
    """Point an overdue task at its deadline row (the scheduler's watch); flushed with the sweep."""
    task.deadline_id = deadline_id


def scrub(uow: UnitOfWork, instance_id: uuid.UUID, clean: Callable[[Any], Any]) -> None:
    """Erasure: pass every event's detail and every task's context of the instance through `clean`
    (which takes out personal values), keeping the rows: the timeline's shape stays, its values go."""
    for event in uow.session.scalars(select(ProcessEvent).where(ProcessEvent.instance_id == instance_id)):
        if event.detail:
            event.detail = clean(event.detail)
    for task in uow.session.scalars(select(Task).where(Task.instance_id == instance_id)):
        task.context = clean(task.context or {})


def forget_tenant(uow: UnitOfWork, tenant_id: str, table: str) -> int:
    """Starting a rehearsal municipality over (`engine.rehearsal.reset_tenant`): delete every task row
    (`table` "tasks") or timeline event ("process_events") of the tenant; the number deleted. Called
    in the reset's foreign-key order, after the rows that point at tasks are gone."""
    statement = {
        "tasks": delete(Task).where(Task.tenant_id == tenant_id),
        "process_events": delete(ProcessEvent).where(ProcessEvent.tenant_id == tenant_id),
    }[table]
    result = uow.session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


def follow_migration(uow: UnitOfWork, task: Task, changes: dict[str, Any]) -> None:
    """An open task follows its procedure to another version (engine.runtime.migrate): the element,
    name, role, form, phase and properties of the target, and its due moment if that rule changed.
    The instance's `migrated` event says what moved."""
    if changes:
        _write(uow, task, changes)


def reschedule(uow: UnitOfWork, task: Task, due_at: datetime | None) -> None:
    """Move an open task's due moment (a rights request whose period was extended)."""
    _write(uow, task, {"due_at": due_at})


class _Keep:
    """`hand_over(assignee=KEEP)`: leave the model's assignee as it is (a claim)."""


KEEP = _Keep


def hand_over(
    uow: UnitOfWork,
    task: Task,
    *,
    claimed_by: str | None,
    assignee: str | type[_Keep] | None = KEEP,
) -> None:
    """Change who has an open task (claim: `claimed_by`; release: nobody; assign: both)."""
    changes: dict[str, Any] = {
        "claimed_by": claimed_by,
        "claimed_at": uow.now() if claimed_by is not None else None,
    }
    if assignee is not _Keep:
        changes["assignee"] = assignee
    _write(uow, task, changes)


def _write(uow: UnitOfWork, task: Task, changes: dict[str, Any]) -> None:
    state = inspect(task)
    if state.transient or state.pending:
        # Not written yet (a row a step opened, which a hook completes before `open_tasks`).
        for name, value in changes.items():
            setattr(task, name, value)
        return
    update_object(uow, task, changes)
