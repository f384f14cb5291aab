"""What managers and coordinators do with escalations and deadlines. Each command owns its unit of
work (``with uow: …; uow.commit()``) and locks the procedure's instance row first, like every step.

- `list_escalations`, `get_escalation`, `resolve_escalation` (managers: who resolved it and why);
- `suspend_procedure` / `resume_procedure` (*opschorten*, e.g. the client is in hospital): while
  suspended nothing escalates and no BPMN timer fires; on resuming, every running deadline and every
  waiting duration or cycle timer moves by the time it stood still;
- `extend_procedure` (*verlengen*): procedure deadlines move by a period; an escalation already raised
  for them counts as resolved by the extension, and the next overdue moment escalates anew;
- `list_deadlines`, `list_adjustments`: what runs and what was changed, for the procedure's page.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from ..access import Actor
from ..bpmn.isotime import is_duration
from ..errors import Conflict, InvalidInput, NotFound
from ..procedures.models import Procedure
from ..roles import Role
from ..runtime import journal
from ..runtime.models import ProcessInstance, Task
from ..runtime.service import Runtime
from ..status import InstanceStatus, ProcedureStatus, procedure_transition
from ..uow import UnitOfWork
from .deadlines import (
    active_deadlines,
    active_suspension,
    check_time,
    close_deadline,
    finish_escalation,
    lock_instance,
    open_deadline,
    shift,
    unresolved_escalations,
    watched_tasks,
)
from .models import (
    KIND_EXTENSION,
    KIND_SUSPENSION,
    RULE_TASK,
    SUBJECT_PROCEDURE,
    SUBJECT_TASK,
    Deadline,
    Escalation,
)
from .models import ProcedureAdjustment as Adjustment
from .policy import after
from .status import UNRESOLVED, AdjustmentStatus, EscalationStatus, adjustment_transition
from .views import AdjustmentView, DeadlineView, EscalationView

MANAGERS = (Role.MANAGER,)
CASE_OWNERS = (Role.COORDINATOR, Role.MANAGER)


@dataclass(frozen=True)
class EscalationFilters:
    status: Sequence[str] = ()
    unresolved_only: bool = False
    level: int | None = None
    instance_id: uuid.UUID | None = None
    rule: str | None = None
    limit: int = 100
    offset: int = 0


def _reason(reason: str | None, *, required: bool = True) -> str:
    text = (reason or "").strip()
    if required and not text:
        raise InvalidInput("a reason is required", field="reason")
    return text[:2000]


# --- escalations ------------------------------------------------------------------------------


def list_escalations(
    uow: UnitOfWork, actor: Actor, filters: EscalationFilters | None = None
) -> list[EscalationView]:
    actor.require(*MANAGERS)
    filters = filters or EscalationFilters()
    with uow:
        query = select(Escalation).where(Escalation.tenant_id == actor.tenant_id)
        if filters.unresolved_only:
            query = query.where(Escalation.status.in_(UNRESOLVED))
        if filters.status:
            query = query.where(Escalation.status.in_(list(filters.status)))
        if filters.level is not None:
            query = query.where(Escalation.level == filters.level)
        if filters.instance_id is not None:
            query = query.where(Escalation.instance_id == filters.instance_id)
        if filters.rule:
            query = query.where(Escalation.rule == filters.rule)
        query = query.order_by(Escalation.raised_at.desc(), Escalation.level.desc())
        query = query.offset(max(0, filters.offset)).limit(max(1, min(filters.limit, 500)))
        return [EscalationView.of(e) for e in uow.session.scalars(query)]


def get_escalation(uow: UnitOfWork, actor: Actor, escalation_id: uuid.UUID) -> EscalationView:
    actor.require(*MANAGERS)
    with uow:
        return EscalationView.of(_escalation(uow, actor, escalation_id))


def _escalation(uow: UnitOfWork, actor: Actor, escalation_id: uuid.UUID) -> Escalation:
    escalation = uow.session.get(Escalation, escalation_id)
    if escalation is None or escalation.tenant_id != actor.tenant_id:
        raise NotFound("escalation not found")
    return escalation


def resolve_escalation(
    uow: UnitOfWork, actor: Actor, escalation_id: uuid.UUID, reason: str
) -> EscalationView:
    """Resolve an escalation (and the lower level it superseded); its manager task is done."""
    actor.require(*MANAGERS)
    why = _reason(reason)
    with uow:
        escalation = _escalation(uow, actor, escalation_id)
        lock_instance(uow, escalation.instance_id, actor.tenant_id)
        uow.session.refresh(escalation)
        if escalation.status not in UNRESOLVED:
            raise Conflict(f"the escalation is already {escalation.status}", status=escalation.status)
        deadline = uow.session.get(Deadline, escalation.deadline_id)
        chain = unresolved_escalations(uow, deadline) if deadline is not None else [escalation]
        for item in chain:
            finish_escalation(uow, item, EscalationStatus.RESOLVED, actor.username, why)
        if deadline is not None and deadline.level >= 1:
            deadline.next_check_at = None  # resolved: no next level for this occurrence
        uow.commit()
        return EscalationView.of(escalation)


# --- suspension and extension -----------------------------------------------------------------


def _open_instance(uow: UnitOfWork, actor: Actor, procedure_id: uuid.UUID) -> ProcessInstance:
    """Lock a running procedure's instance; suspension and extension are about procedures, so a
    plain process instance is not found here."""
    instance = lock_instance(uow, procedure_id, actor.tenant_id)
    if uow.session.get(Procedure, instance.id) is None:
        raise NotFound("procedure not found")
    if instance.status not in {InstanceStatus.RUNNING, InstanceStatus.ERROR}:
        raise Conflict(f"the procedure is {instance.status}", status=instance.status)
    return instance


def suspend_procedure(uow: UnitOfWork, actor: Actor, procedure_id: uuid.UUID, reason: str) -> AdjustmentView:
    actor.require(*CASE_OWNERS)
    why = _reason(reason)
    with uow:
        instance = _open_instance(uow, actor, procedure_id)
        if active_suspension(uow, instance.id) is not None:
            raise Conflict("the procedure is already suspended")
        adjustment = Adjustment(
            tenant_id=instance.tenant_id,
            instance_id=instance.id,
            kind=KIND_SUSPENSION,
            status=AdjustmentStatus.ACTIVE,
            reason=why,
            created_by=actor.username,
            created_at=uow.now(),
            shifted=[],
        )
        uow.session.add(adjustment)
        for deadline in active_deadlines(uow, instance.id):
            deadline.next_check_at = None
        procedure = uow.session.get(Procedure, instance.id)
        if procedure is not None and procedure.status == ProcedureStatus.OPEN:
            procedure.status = procedure_transition(procedure.status, ProcedureStatus.SUSPENDED)
        journal.note(uow, instance.id, "procedure_suspended", actor.username, {"reason": why})
        uow.flush()
        uow.commit()
        return AdjustmentView.of(adjustment)


def resume_procedure(
    uow: UnitOfWork, runtime: Runtime, actor: Actor, procedure_id: uuid.UUID, reason: str | None = None
) -> AdjustmentView:
    """End the suspension: each running deadline and each waiting BPMN duration or cycle timer
    moves by the time it stood still."""
    actor.require(*CASE_OWNERS)
    why = _reason(reason, required=False)
    with uow:
        instance = lock_instance(uow, procedure_id, actor.tenant_id)
        suspension = active_suspension(uow, instance.id)
        if suspension is None:
            raise Conflict("the procedure is not suspended")
        now = uow.now()
        suspension.status = adjustment_transition(suspension.status, AdjustmentStatus.ENDED)
        suspension.ended_by = actor.username
        suspension.ended_at = now
        suspension.end_reason = why or None
        procedure = uow.session.get(Procedure, instance.id)
        if procedure is not None and procedure.status == ProcedureStatus.SUSPENDED:
            procedure.status = procedure_transition(procedure.status, ProcedureStatus.OPEN)
        moved = []
        for deadline in active_deadlines(uow, instance.id):
            delta = now - max(suspension.created_at, deadline.opened_at)
            if delta.total_seconds() > 0:
                moved.append(shift(deadline, delta))
                if deadline.subject_type == SUBJECT_TASK:
                    task = uow.session.get(Task, deadline.subject_id)
                    if task is not None:
                        journal.reschedule(uow, task, deadline.due_at)
            deadline.next_check_at = check_time(deadline)
        for task in watched_tasks(uow, instance.id):  # due times without a deadline row yet
            delta = now - max(suspension.created_at, task.created_at)
            if task.due_at is not None and delta.total_seconds() > 0:
                before, moved_to = task.due_at, task.due_at + delta
                journal.reschedule(uow, task, moved_to)
                moved.append(
                    {
                        "rule": RULE_TASK,
                        "subject": str(task.id),
                        "from": before.isoformat(),
                        "to": moved_to.isoformat(),
                    }
                )
        for timer in runtime.shift_timers(uow, instance, suspension.created_at, actor.username):
            moved.append(
                {
                    "rule": f"bpmn-timer:{timer.element_id}",
                    "subject": str(instance.id),
                    "from": timer.due_before.isoformat(),
                    "to": timer.due_after.isoformat(),
                }
            )
        suspension.shifted = moved
        days = round((now - suspension.created_at).total_seconds() / 86400, 2)
        journal.note(
            uow,
            instance.id,
            "procedure_resumed",
            actor.username,
            {"reason": why, "suspended_days": days, "suspension": suspension.id},
        )
        uow.commit()
        return AdjustmentView.of(suspension)


def extend_procedure(
    uow: UnitOfWork,
    actor: Actor,
    procedure_id: uuid.UUID,
    period: str,
    reason: str,
    *,
    rule: str | None = None,
) -> AdjustmentView:
    """Move the procedure's deadlines (every one, or only `rule`, e.g. "fase.onderzoek") by `period`."""
    actor.require(*CASE_OWNERS)
    why = _reason(reason)
    period = (period or "").strip()
    if not is_duration(period):
        raise InvalidInput(f"{period!r} is not an ISO 8601 duration such as P14D or P4W", field="period")
    with uow:
        instance = _open_instance(uow, actor, procedure_id)
        targets = [
            d
            for d in active_deadlines(uow, instance.id)
            if d.subject_type == SUBJECT_PROCEDURE
            and d.due_at is not None
            and (rule is None or d.rule == rule)
        ]
        if not targets:
            raise InvalidInput(
                "the procedure has no running deadline" + (f" {rule!r}" if rule else "") + " to extend",
                field="rule",
            )
        paused = active_suspension(uow, instance.id) is not None
        moved = []
        for deadline in targets:
            assert deadline.due_at is not None
            new_due = after(deadline.due_at, period)
            moved.append(
                {"rule": deadline.rule, "from": deadline.due_at.isoformat(), "to": new_due.isoformat()}
            )
            if deadline.level == 0:
                deadline.due_at = new_due
                deadline.next_check_at = None if paused else check_time(deadline)
                continue
            # Already escalated: the extension answers the escalation; the next overdue moment is new.
            for escalation in unresolved_escalations(uow, deadline):
                finish_escalation(
                    uow,
                    escalation,
                    EscalationStatus.RESOLVED,
                    actor.username,
                    f"verlengd met {period}: {why}",
                )
            close_deadline(uow, deadline, "verlengd")
            open_deadline(
                uow,
                instance,
                deadline.subject_type,
                deadline.subject_id,
                deadline.rule,
                due_at=new_due,
                period=deadline.period,
                paused=paused,
            )
        adjustment = Adjustment(
            tenant_id=instance.tenant_id,
            instance_id=instance.id,
            kind=KIND_EXTENSION,
            status=AdjustmentStatus.APPLIED,
            reason=why,
            period=period,
            rule=rule,
            created_by=actor.username,
            created_at=uow.now(),
            shifted=moved,
        )
        uow.session.add(adjustment)
        journal.note(
            uow,
            instance.id,
            "procedure_extended",
            actor.username,
            {"reason": why, "period": period, "rule": rule, "shifted": moved},
        )
        uow.flush()
        uow.commit()
        return AdjustmentView.of(adjustment)


def list_adjustments(uow: UnitOfWork, actor: Actor, procedure_id: uuid.UUID) -> list[AdjustmentView]:
    actor.require(*CASE_OWNERS)
    with uow:
        _visible(uow, actor, procedure_id)
        rows = uow.session.scalars(
            select(Adjustment).where(Adjustment.instance_id == procedure_id).order_by(Adjustment.id)
        )
        return [AdjustmentView.of(a) for a in rows]


def list_deadlines(uow: UnitOfWork, actor: Actor, procedure_id: uuid.UUID) -> list[DeadlineView]:
    actor.require(*CASE_OWNERS)
    with uow:
        _visible(uow, actor, procedure_id)
        views = [
            DeadlineView(
                d.subject_type, d.subject_id, d.rule, d.occurrence, d.due_at, d.level, d.next_check_at
            )
            for d in active_deadlines(uow, procedure_id)
        ]
        # Tasks not yet due have no deadline row (deadlines.open_overdue_task_deadlines): the same
        # deadline, as the sweep will see it.
        paused = active_suspension(uow, procedure_id) is not None
        views.extend(
            DeadlineView(SUBJECT_TASK, t.id, RULE_TASK, 1, t.due_at, 0, None if paused else t.due_at)
            for t in watched_tasks(uow, procedure_id)
        )
        return views


def is_suspended(uow: UnitOfWork, procedure_id: uuid.UUID) -> bool:
    """Inside a caller's unit of work (e.g. a procedure page showing "opgeschort")."""
    return active_suspension(uow, procedure_id) is not None


def _visible(uow: UnitOfWork, actor: Actor, procedure_id: uuid.UUID) -> None:
    instance = uow.session.get(ProcessInstance, procedure_id)
    if instance is None or instance.tenant_id != actor.tenant_id:
        raise NotFound("procedure not found")
