"""Opening, closing, pausing and shifting deadlines, and the instance lock every write takes first.

Lock order, everywhere: the process instance row first (as the runtime does), then its deadlines and
escalations. The runtime's hook runs while the runtime holds the instance; the sweep claims an
instance with ``FOR UPDATE … SKIP LOCKED``; commands lock it with ``NOWAIT``. So two writers never
work on one instance's deadlines at once, and none waits on another while holding a deadline.
"""

from __future__ import annotations

import functools
import uuid
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, exists, func, select, text

from ..procedures.models import Procedure
from ..rehearsal import scope_params, tenant_scope
from ..runtime import journal
from ..runtime.locks import lock_instance  # noqa: F401 - the scheduler's commands lock through here
from ..runtime.models import TASK_DEADLINE_WATCHED, ProcessInstance, Task
from ..runtime.writer import insert_rows, update_object, writer_for
from ..status import ProcedureStatus, TaskStatus
from ..uow import UnitOfWork
from .models import KIND_SUSPENSION, RULE_TASK, SUBJECT_TASK, Deadline, Escalation, ProcedureAdjustment
from .status import UNRESOLVED, AdjustmentStatus, EscalationStatus, escalation_transition

# Built once: engine steps read a procedure's active deadlines, and building the statement costs
# about as much as running it.
_ACTIVE_DEADLINES = (
    select(Deadline)
    .where(Deadline.instance_id == bindparam("instance_id"), Deadline.active.is_(True))
    .order_by(Deadline.opened_at, Deadline.id)
)


def active_deadlines(uow: UnitOfWork, instance_id: uuid.UUID) -> list[Deadline]:
    return list(uow.session.scalars(_ACTIVE_DEADLINES, {"instance_id": instance_id}))


# Open tasks with a due time and no deadline row yet, written as the partial index's own predicate
# (so the planner matches it; bound parameters would not) and qualified, for queries with joins.
_WATCHED = text(" AND ".join(f"tasks.{part}" for part in TASK_DEADLINE_WATCHED.split(" AND ")))


def watched_tasks(uow: UnitOfWork, instance_id: uuid.UUID) -> list[Task]:
    """The instance's open tasks with a due time whose deadline row is not open yet (see
    `open_overdue_task_deadlines`)."""
    query = select(Task).where(Task.instance_id == instance_id, _WATCHED).order_by(Task.created_at, Task.id)
    return list(uow.session.scalars(query))


@functools.cache
def overdue_tasks_query(*, for_update: bool, scoped: bool = False) -> Select[Task, ProcessInstance]:
    """Open tasks past their due time without a deadline row, by the partial index on due times,
    each with its instance (loaded in the same statement, locked on PostgreSQL)."""
    suspended = exists().where(
        Procedure.id == Task.instance_id, Procedure.status == ProcedureStatus.SUSPENDED
    )
    query = (
        select(Task, ProcessInstance)
        .join(ProcessInstance, ProcessInstance.id == Task.instance_id)
        .where(_WATCHED)
        .where(Task.due_at < bindparam("now"))
        # A suspended procedure's clock stands still; resuming moves these due times on.
        .where(~suspended)
        .where(tenant_scope(Task.tenant_id, scoped=scoped))
        .order_by(Task.due_at)
        .limit(bindparam("size"))
    )
    return query.with_for_update(of=ProcessInstance, skip_locked=True) if for_update else query


def open_overdue_task_deadlines(uow: UnitOfWork, size: int) -> int:
    """Open the deadline row of up to `size` tasks whose due time has passed while they are still
    open, locking their instances (others skip them); the number opened.

    A task's deadline is opened this late on purpose: most tasks are done in time, and writing a
    deadline row for each task that opens (and closing it again) cost every engine step two
    statements. The row, once open, escalates as any other deadline."""
    query = overdue_tasks_query(for_update=uow.dialect == "postgresql", scoped=uow.tenant_id is not None)
    claimed = uow.session.execute(query, {"now": uow.now(), "size": size, **scope_params(uow)})
    rows = [(task, instance) for task, instance in claimed]
    tasks = [task for task, _ in rows]
    # A row another scheduler opened for one of these (its own link to the task not seen here) is
    # linked, not opened twice.
    existing: dict[uuid.UUID, uuid.UUID] = {}
    if tasks:
        found = uow.session.execute(
            select(Deadline.subject_id, Deadline.id).where(
                Deadline.subject_type == SUBJECT_TASK,
                Deadline.rule == RULE_TASK,
                Deadline.subject_id.in_([task.id for task in tasks]),
            )
        )
        existing = {subject_id: deadline_id for subject_id, deadline_id in found}
    opened = 0
    for task, instance in rows:
        if task.id in existing:
            journal.link_deadline(task, existing[task.id])
            continue
        opened += 1
        deadline_id = open_deadline(
            uow,
            instance,
            SUBJECT_TASK,
            task.id,
            RULE_TASK,
            due_at=task.due_at,
            period=None,
            paused=False,
            occurrence=1,  # a task falls due once: its deadline row is its first
        )
        journal.link_deadline(task, deadline_id)
    return opened


def active_suspension(uow: UnitOfWork, instance_id: uuid.UUID) -> ProcedureAdjustment | None:
    return uow.session.scalar(
        select(ProcedureAdjustment).where(
            ProcedureAdjustment.instance_id == instance_id,
            ProcedureAdjustment.kind == KIND_SUSPENSION,
            ProcedureAdjustment.status == AdjustmentStatus.ACTIVE,
        )
    )


def next_occurrence(uow: UnitOfWork, subject_type: str, subject_id: uuid.UUID, rule: str) -> int:
    highest = uow.session.scalar(
        select(func.max(Deadline.occurrence)).where(
            Deadline.subject_type == subject_type, Deadline.subject_id == subject_id, Deadline.rule == rule
        )
    )
    return (highest or 0) + 1


def check_time(deadline: Deadline) -> datetime | None:
    """When the sweep must look at the deadline next, from its level (None: nothing left to do)."""
    if not deadline.active:
        return None
    if deadline.level == 0:
        return deadline.due_at
    if deadline.level == 1:
        return deadline.next_level_at
    return None


def open_deadline(
    uow: UnitOfWork,
    instance: ProcessInstance,
    subject_type: str,
    subject_id: uuid.UUID,
    rule: str,
    *,
    due_at: datetime | None,
    period: str | None,
    paused: bool,
    occurrence: int | None = None,
) -> uuid.UUID:
    """Open a deadline and return its id. Most engine steps open one (each new task with a due
    time), so the row goes in at once through the runtime's lean writer, without an ORM object."""
    deadline_id = uuid.uuid4()
    insert_rows(
        uow,
        cast(Table, Deadline.__table__),
        [
            {
                "id": deadline_id,
                "tenant_id": instance.tenant_id,
                "instance_id": instance.id,
                "subject_type": subject_type,
                "subject_id": subject_id,
                "rule": rule,
                "occurrence": occurrence or next_occurrence(uow, subject_type, subject_id, rule),
                "period": period,
                "opened_at": uow.now(),
                "due_at": due_at,
                "level": 0,
                "active": True,
                # A new deadline is at level 0: the sweep looks at it when it falls due.
                "next_check_at": None if paused else due_at,
            }
        ],
    )
    return deadline_id


def unresolved_escalations(uow: UnitOfWork, deadline: Deadline) -> list[Escalation]:
    return list(
        uow.session.scalars(
            select(Escalation)
            .where(Escalation.deadline_id == deadline.id, Escalation.status.in_(UNRESOLVED))
            .order_by(Escalation.level)
        )
    )


def close_deadline(uow: UnitOfWork, deadline: Deadline, why: str) -> list[Escalation]:
    """The deadline no longer applies (task done, phase over, procedure closed): its unresolved
    escalations lapse and their manager tasks close."""
    update_object(uow, deadline, {"active": False, "closed_at": uow.now(), "next_check_at": None})
    lapsed = unresolved_escalations(uow, deadline) if deadline.level else []
    for escalation in lapsed:
        finish_escalation(uow, escalation, EscalationStatus.LAPSED, None, why)
    return lapsed


def close_task_deadline(uow: UnitOfWork, task_id: uuid.UUID, why: str) -> None:
    """Close the active deadline of a task in one statement; its escalations lapse if it had any."""
    closed = writer_for(uow, cast(Table, Deadline.__table__)).update_returning(
        uow.session,
        {"active": False, "closed_at": uow.now(), "next_check_at": None},
        {"subject_type": SUBJECT_TASK, "subject_id": task_id, "active": True},
        ("id", "level"),
    )
    for deadline_id, level in closed:
        if not level:
            continue
        deadline = uow.session.get(Deadline, deadline_id)
        if deadline is not None:
            uow.session.refresh(deadline)
            for escalation in unresolved_escalations(uow, deadline):
                finish_escalation(uow, escalation, EscalationStatus.LAPSED, None, why)


def finish_escalation(
    uow: UnitOfWork, escalation: Escalation, target: EscalationStatus, actor: str | None, why: str
) -> None:
    """Resolve or lapse an escalation, close its manager task and log it."""
    now = uow.now()
    escalation.status = escalation_transition(escalation.status, target)
    escalation.resolved_at = now
    escalation.resolved_by = actor
    escalation.resolution = why
    task = uow.session.get(Task, escalation.task_id) if escalation.task_id else None
    if task is not None and task.status == TaskStatus.OPEN:
        resolved = target == EscalationStatus.RESOLVED
        journal.close_task(uow, task, TaskStatus.COMPLETED if resolved else TaskStatus.CANCELLED, by=actor)
    journal.note(
        uow,
        escalation.instance_id,
        "escalation_resolved" if target == EscalationStatus.RESOLVED else "escalation_lapsed",
        actor,
        {"escalation": str(escalation.id), "rule": escalation.rule, "level": escalation.level, "reason": why},
        task_id=escalation.subject_id if escalation.subject_type == "task" else None,
    )


def shift(deadline: Deadline, delta: timedelta) -> dict[str, Any]:
    """Move the deadline (and a pending level 2) by `delta`; returns what moved, for the record."""
    moved: dict[str, Any] = {
        "rule": deadline.rule,
        "subject": str(deadline.subject_id),
        "from": None,
        "to": None,
    }
    if deadline.due_at is not None:
        moved["from"] = deadline.due_at.isoformat()
        deadline.due_at = deadline.due_at + delta
        moved["to"] = deadline.due_at.isoformat()
    if deadline.next_level_at is not None:
        deadline.next_level_at = deadline.next_level_at + delta
    return moved
