"""Commands on tasks: claim, release, hand over (each recorded as a process event with its reason) and
complete (the runtime's step, authorized for the actor, in one transaction)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.exc import OperationalError

from ..access import Actor
from ..accounts.service import actor_of, find_user
from ..errors import Conflict, InvalidInput, NotAuthorized, NotFound, TaskAlreadyCompleted, TaskNotOpen
from ..monitoring.metrics import TASK_COMPLETIONS
from ..procedures.models import Procedure
from ..runtime import journal
from ..runtime.models import ProcessInstance, Task
from ..runtime.service import Runtime
from ..status import TaskStatus
from ..uow import UnitOfWork, is_lock_error
from .queries import TaskItem, task_item
from .rules import (
    CASE_STAFF,
    TaskAlreadyClaimed,
    TaskNotCompletable,
    is_for_role,
    may_release,
    may_work_on,
    owner,
    require_can_assign,
    require_can_see,
    require_can_work_on,
)

MAX_REASON = 2000


@dataclass(frozen=True)
class NextTask:
    """A task the completion opened, and what of its party the completer may be told: another party's
    work keeps its party, the party it is about and its context (which may name it) to itself
    (`party_hidden_from`)."""

    task: Task
    party: str | None
    about_party: str | None
    context: dict[str, Any]
    for_you: bool


@dataclass
class Completion:
    """What completing a task led to: the process's state and the work that opened next."""

    task: Task
    instance_id: uuid.UUID
    instance_status: str
    procedure: Procedure | None
    opened: list[Task] = field(default_factory=list)
    for_you: set[uuid.UUID] = field(default_factory=set)
    # Opened tasks whose party the completer may not learn (see `party_hidden_from`).
    party_hidden: set[uuid.UUID] = field(default_factory=set)

    @property
    def next(self) -> list[NextTask]:
        """The opened tasks as the completer may be told them."""
        return [
            NextTask(t, None, None, {}, t.id in self.for_you)
            if t.id in self.party_hidden
            else NextTask(t, t.party, t.about_party, t.context or {}, t.id in self.for_you)
            for t in self.opened
        ]

    @property
    def ended(self) -> bool:
        return self.instance_status in {"completed", "cancelled"}


def party_hidden_from(actor: Actor, task: Task) -> bool:
    """Whether what a task says about its party must not reach `actor`: the municipality's staff know
    every party of a procedure; anyone else learns only of its own party's work. Another party's part
    in the procedure (its own task, or the coordinator's request to it) is not theirs to know, as for
    `require_can_see`."""
    party = task.about_party
    return party is not None and party != actor.party and not actor.has(*CASE_STAFF)


def complete_task(
    uow: UnitOfWork, runtime: Runtime, actor: Actor, task_id: uuid.UUID, data: dict[str, Any]
) -> Completion:
    """Complete an open task with form data: 422 on invalid data (`InvalidForm`), `Conflict` when it was
    completed meanwhile or the process moved on, `NotAuthorized` when it is not the actor's to do."""

    def authorize(task: Task, _: ProcessInstance) -> None:
        require_can_see(actor, task)
        require_can_work_on(actor, task)

    with uow:
        try:
            outcome = runtime.complete_task(
                uow, actor.tenant_id, task_id, data, actor.username, authorize=authorize
            )
        except NotFound:
            kind = uow.session.scalar(
                select(Task.kind).where(Task.id == task_id, Task.tenant_id == actor.tenant_id)
            )
            if kind is not None and kind != "user":
                raise TaskNotCompletable(
                    f"a task of kind {kind!r} is not completed with a form; resolve it where it came from",
                    kind=kind,
                ) from None
            raise
        procedure = uow.session.get(Procedure, outcome.instance.id)
        task = outcome.completed_task
        assert task is not None
        # Everything the answer shows is read now, inside the transaction: a hook may have expired
        # attributes, and after the commit the rows are detached.
        opened = list(outcome.opened)
        for row in (task, *opened, *([procedure] if procedure is not None else [])):
            _load(row)
        completion = Completion(
            task=task,
            instance_id=outcome.instance.id,
            instance_status=outcome.instance.status,
            procedure=procedure,
            opened=opened,
            for_you={t.id for t in opened if may_work_on(actor, t)},
            party_hidden={t.id for t in opened if party_hidden_from(actor, t)},
        )
        uow.commit()
    TASK_COMPLETIONS.labels(tenant=actor.tenant_id).inc()
    return completion


def _load(row: Any) -> None:
    """Read every column attribute, so that none is left expired (cheap when none is)."""
    state = inspect(row)
    if state.expired_attributes:
        for key in list(state.expired_attributes):
            getattr(row, key)


def claim_task(uow: UnitOfWork, actor: Actor, task_id: uuid.UUID) -> TaskItem:
    with uow:
        task, segment, reference = _lock_open_task(uow, actor, task_id)
        require_can_see(actor, task)
        if task.claimed_by == actor.username:
            return task_item(actor, task, reference, uow.now())  # claiming twice is harmless
        if task.claimed_by is not None:
            raise TaskAlreadyClaimed(f"the task is claimed by {task.claimed_by}", claimed_by=task.claimed_by)
        require_can_work_on(actor, task)
        journal.hand_over(uow, task, claimed_by=actor.username)
        journal.append(uow, [journal.task_entry(task, segment, "task_claimed", actor.username)])
        uow.commit()
        return task_item(actor, task, reference, uow.now())


def release_task(uow: UnitOfWork, actor: Actor, task_id: uuid.UUID, reason: str | None = None) -> TaskItem:
    with uow:
        task, segment, reference = _lock_open_task(uow, actor, task_id)
        require_can_see(actor, task)
        previous = owner(task)
        if previous is None:
            raise Conflict("nobody has the task; there is nothing to release")
        if not may_release(actor, task):
            raise NotAuthorized("only the person who has the task, or a manager, releases it")
        # Back to the pool of the task's role.
        journal.hand_over(uow, task, claimed_by=None, assignee=None)
        detail = {"from": previous, **_reason(reason, False)}
        journal.append(uow, [journal.task_entry(task, segment, "task_released", actor.username, detail)])
        uow.commit()
        return task_item(actor, task, reference, uow.now())


def assign_task(uow: UnitOfWork, actor: Actor, task_id: uuid.UUID, username: str, reason: str) -> TaskItem:
    """Hand a task to someone who may do it; the reason is recorded with the event."""
    detail = _reason(reason, True)
    with uow:
        task, segment, reference = _lock_open_task(uow, actor, task_id)
        require_can_see(actor, task)
        require_can_assign(actor, task)
        target = find_user(uow, actor.tenant_id, username)
        if task.role is not None and not is_for_role(actor_of(target), task):
            raise InvalidInput(f"{username} may not do this task (role or party)", field="username")
        previous = owner(task)
        # The hand-over replaces whoever the model named: the task is now the target's alone.
        journal.hand_over(uow, task, claimed_by=target.username, assignee=target.username)
        handed = {"from": previous, "to": target.username, **detail}
        journal.append(uow, [journal.task_entry(task, segment, "task_assigned", actor.username, handed)])
        uow.commit()
        return task_item(actor, task, reference, uow.now())


def _reason(reason: str | None, required: bool) -> dict[str, str]:
    text = (reason or "").strip()
    if required and not text:
        raise InvalidInput("give a reason", field="reason")
    if len(text) > MAX_REASON:
        raise InvalidInput(f"a reason has at most {MAX_REASON} characters", field="reason")
    return {"reason": text} if text else {}


def _lock_open_task(uow: UnitOfWork, actor: Actor, task_id: uuid.UUID) -> tuple[Task, int, str | None]:
    """The task row locked for this transaction (NOWAIT on PostgreSQL), with its instance's segment
    and the procedure's reference."""
    query = (
        select(Task, ProcessInstance.segment, Procedure.reference)
        .join(ProcessInstance, ProcessInstance.id == Task.instance_id)
        .outerjoin(Procedure, Procedure.id == Task.instance_id)
        .where(Task.id == task_id)
    )
    if uow.dialect == "postgresql":
        query = query.with_for_update(nowait=True, of=Task)
    try:
        row = uow.session.execute(query).first()
    except OperationalError as exc:
        if is_lock_error(exc):
            raise Conflict("the task is being changed by someone else; try again") from exc
        raise
    if row is None or row[0].tenant_id != actor.tenant_id:
        raise NotFound("task not found")
    task = row[0]
    if task.status == TaskStatus.COMPLETED:
        raise TaskAlreadyCompleted("the task has already been completed", completed_by=task.completed_by)
    if task.status != TaskStatus.OPEN:
        raise TaskNotOpen(f"the task is {task.status}")
    return task, int(row[1]), row[2]
