"""The escalation sweep: overdue deadlines become escalations, exactly once.

An instance with a deadline to look at is claimed by the indexed ``next_check_at`` and locked (on
PostgreSQL ``FOR UPDATE OF process_instances SKIP LOCKED``, the same row lock every runtime step and
command takes), so two schedulers never work on one instance at once. Raising an escalation — the
escalation row, the manager task "procedure loopt te lang", the notifications, the event — and moving
the deadline's ``next_check_at`` on commit together: a scheduler that dies halfway leaves the deadline
due, and the next sweep raises it, once. The unique constraint on (subject, rule, occurrence, level) is
the backstop.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..accounts.service import is_email
from ..definitions.models import ProcessDefinition
from ..errors import Conflict
from ..monitoring.metrics import ESCALATIONS
from ..municipal_time import municipal_zone
from ..procedures.models import Procedure
from ..rehearsal import scope_params, tenant_scope
from ..roles import Role
from ..runtime import journal
from ..runtime.models import ProcessInstance, Task
from ..status import InstanceStatus, TaskStatus
from ..uow import UnitOfWork
from .deadlines import (
    active_deadlines,
    active_suspension,
    check_time,
    close_deadline,
    open_overdue_task_deadlines,
)
from .models import PHASE_PREFIX, RULE_REVIEW, SUBJECT_TASK, Deadline, Escalation
from .notify import Mail, Mailer, notify
from .policy import EscalationPolicy, after, load_policy
from .status import EscalationStatus, escalation_transition

log = logging.getLogger(__name__)

ESCALATION_TASK_KIND = "escalation"
TASK_NAME = "Procedure loopt te lang"
RETRY_AFTER = timedelta(minutes=5)
TASK_BATCH = 100
OnItem = Callable[[str, uuid.UUID], None]


@dataclass
class EscalationSweep:
    # Deadline rows opened for tasks that fell due (engine.scheduler.deadlines).
    opened: int = 0
    escalated: int = 0
    lapsed: int = 0
    instances: int = 0
    skipped: int = 0
    errors: int = 0
    more: bool = False


def claim_due_instance(uow: UnitOfWork, now: datetime, skip: list[uuid.UUID]) -> uuid.UUID | None:
    query = (
        select(Deadline.instance_id)
        .join(ProcessInstance, ProcessInstance.id == Deadline.instance_id)
        # Overdue means past the moment, as with timers.
        .where(Deadline.next_check_at.is_not(None), Deadline.next_check_at < now)
        .where(tenant_scope(Deadline.tenant_id, scoped=uow.tenant_id is not None))
        .order_by(Deadline.next_check_at)
        .limit(1)
        .params(**scope_params(uow))
    )
    if skip:
        query = query.where(Deadline.instance_id.not_in(skip))
    if uow.dialect == "postgresql":
        query = query.with_for_update(of=ProcessInstance, skip_locked=True)
    return uow.session.scalar(query)


def sweep_escalations(
    make_uow: Callable[[], UnitOfWork],
    mailer: Mailer | None,
    *,
    limit: int,
    on_item: OnItem | None = None,
) -> EscalationSweep:
    report = EscalationSweep()
    # Tasks that fell due since the last sweep get their deadline row first, so the loop below
    # escalates them in this same sweep.
    while True:
        if report.opened >= limit:
            report.more = True  # the next tick goes on (a policy change can make thousands due)
            break
        size = min(TASK_BATCH, limit - report.opened)
        try:
            with make_uow() as uow:
                opened = open_overdue_task_deadlines(uow, size)
                uow.commit()
        except IntegrityError as exc:
            # Another scheduler opened one of these first (the unique constraint said so); what is
            # left is opened by the next sweep.
            log.info("opening task deadlines skipped: %s", exc)
            break
        report.opened += opened
        if opened < size:
            break
    skip: list[uuid.UUID] = []
    while True:
        if len(skip) >= limit:
            report.more = True
            break
        claimed: list[uuid.UUID] = []
        try:
            with make_uow() as uow:
                instance_id = claim_due_instance(uow, uow.now(), skip)
                if instance_id is None:
                    break
                claimed.append(instance_id)
                skip.append(instance_id)
                if on_item is not None:
                    on_item("escalation", instance_id)
                raised, lapsed = check_instance(uow, instance_id, mailer)
                uow.commit()
        except (IntegrityError, Conflict) as exc:
            if not claimed:
                raise
            # Another scheduler got there first (the unique constraint said so): nothing to add.
            log.info("escalations of %s skipped: %s", claimed[0], exc)
            report.skipped += 1
            continue
        except Exception:
            if not claimed:
                raise
            log.exception("checking the deadlines of %s failed; retried in %s", claimed[0], RETRY_AFTER)
            report.errors += 1
            _postpone(make_uow, claimed[0])
            continue
        report.instances += 1
        report.escalated += raised
        ESCALATIONS.inc(raised)
        report.lapsed += lapsed
    return report


def _postpone(make_uow: Callable[[], UnitOfWork], instance_id: uuid.UUID) -> None:
    with make_uow() as uow:
        now = uow.now()
        uow.session.execute(
            update(Deadline)
            .where(Deadline.instance_id == instance_id, Deadline.next_check_at <= now)
            .values(next_check_at=now + RETRY_AFTER)
        )
        uow.commit()


def check_instance(uow: UnitOfWork, instance_id: uuid.UUID, mailer: Mailer | None) -> tuple[int, int]:
    """Raise what is due for one claimed (locked) instance; returns (raised, lapsed)."""
    instance = uow.session.get(ProcessInstance, instance_id)
    if instance is None:
        return 0, 0
    now = uow.now()
    if instance.status in {InstanceStatus.COMPLETED, InstanceStatus.CANCELLED}:
        ended = [
            close_deadline(uow, d, "de procedure is beëindigd") for d in active_deadlines(uow, instance_id)
        ]
        return 0, sum(len(x) for x in ended)
    due = list(
        uow.session.scalars(
            select(Deadline)
            .where(
                Deadline.instance_id == instance_id,
                Deadline.active.is_(True),
                Deadline.next_check_at.is_not(None),
                Deadline.next_check_at < now,
            )
            .order_by(Deadline.next_check_at, Deadline.opened_at, Deadline.id)
        )
    )
    if active_suspension(uow, instance_id) is not None:
        for deadline in due:
            deadline.next_check_at = None  # resumed later, with the deadlines shifted
        return 0, 0
    settings = uow.session.scalar(
        select(ProcessDefinition.settings).where(ProcessDefinition.id == instance.definition_id)
    )
    policy = load_policy(uow, instance.tenant_id, settings or {})
    raised = lapsed = 0
    for deadline in due:
        if deadline.subject_type == SUBJECT_TASK:
            task = uow.session.get(Task, deadline.subject_id)
            if task is None or task.status != TaskStatus.OPEN:
                lapsed += len(close_deadline(uow, deadline, "de taak is afgerond"))
                continue
        if deadline.level == 0:
            raise_escalation(uow, instance, deadline, 1, policy, mailer)
            raised += 1
        elif deadline.level == 1:
            first = _escalation(uow, deadline, 1)
            if first is not None and first.status == EscalationStatus.OPEN:
                raise_escalation(uow, instance, deadline, 2, policy, mailer, previous=first)
                raised += 1
            else:
                deadline.next_check_at = None
        else:
            deadline.next_check_at = None
    return raised, lapsed


def _escalation(uow: UnitOfWork, deadline: Deadline, level: int) -> Escalation | None:
    return uow.session.scalar(
        select(Escalation).where(Escalation.deadline_id == deadline.id, Escalation.level == level)
    )


def raise_escalation(
    uow: UnitOfWork,
    instance: ProcessInstance,
    deadline: Deadline,
    level: int,
    policy: EscalationPolicy,
    mailer: Mailer | None,
    *,
    previous: Escalation | None = None,
) -> Escalation:
    now = uow.now()
    due_at = (deadline.next_level_at if level > 1 else deadline.due_at) or now
    reason = describe(uow, deadline, level, policy, due_at)
    assignee = _assignee(uow, deadline, instance)
    escalation_id = uuid.uuid4()
    title = TASK_NAME + (f" (niveau {level})" if level > 1 else "")
    task = journal.open_task(
        uow,
        instance,
        kind=ESCALATION_TASK_KIND,
        element_id=f"escalatie:{deadline.rule}",
        name=title,
        role=Role.MANAGER.value,
        properties={"escalation": str(escalation_id), "rule": deadline.rule, "level": level},
        context={
            "reason": reason,
            "subject_type": deadline.subject_type,
            "subject_id": str(deadline.subject_id),
        },
    )
    escalation = Escalation(
        id=escalation_id,
        tenant_id=instance.tenant_id,
        instance_id=instance.id,
        deadline_id=deadline.id,
        subject_type=deadline.subject_type,
        subject_id=deadline.subject_id,
        rule=deadline.rule,
        occurrence=deadline.occurrence,
        level=level,
        status=EscalationStatus.OPEN,
        reason=reason,
        due_at=due_at,
        raised_at=now,
        task_id=task.id,
        assignee=assignee,
    )
    uow.session.add(escalation)
    uow.session.flush()
    if previous is not None:
        previous.status = escalation_transition(previous.status, EscalationStatus.ESCALATED)
        superseded = uow.session.get(Task, previous.task_id) if previous.task_id else None
        if superseded is not None and superseded.status == TaskStatus.OPEN:
            journal.close_task(uow, superseded, TaskStatus.CANCELLED)
    deadline.level = level
    deadline.next_level_at = after(now, policy.level2_after) if level == 1 and policy.level2_after else None
    deadline.next_check_at = check_time(deadline)
    notify(
        uow,
        tenant_id=instance.tenant_id,
        kind="escalation",
        title=title,
        body=reason,
        recipients=[assignee] if assignee else [],
        roles=[Role.MANAGER.value],
        instance_id=instance.id,
        escalation_id=escalation.id,
    )
    journal.note(
        uow,
        instance.id,
        "escalation_raised",
        None,
        {
            "escalation": str(escalation.id),
            "rule": deadline.rule,
            "occurrence": deadline.occurrence,
            "level": level,
            "reason": reason,
            "manager_task": str(task.id),
        },
        task_id=deadline.subject_id if deadline.subject_type == SUBJECT_TASK else None,
    )
    if mailer is not None:
        reference = _reference(uow, instance)
        mailer.send_after_commit(
            uow,
            Mail(
                to=_mail_recipients(uow, instance.tenant_id, assignee, policy),
                subject=f"Wams: procedure {reference} loopt te lang"
                + (f" (niveau {level})" if level > 1 else ""),
                body=f"{reason}\n\nProcedure: {reference}\nBekijk en behandel de escalatie in Wams.\n",
            ),
        )
    return escalation


def _mail_recipients(
    uow: UnitOfWork, tenant_id: str, assignee: str | None, policy: EscalationPolicy
) -> tuple[str, ...]:
    """The tenant's escalation addresses (`escalatie.email`) and the assignee's own address; when the
    tenant configured none, the managers' own addresses, so a manager always hears of it."""
    to: list[str | None] = list(policy.emails)
    if assignee:
        own = uow.session.scalar(
            select(User.email).where(User.tenant_id == tenant_id, User.username == assignee)
        )
        to.append(own or (assignee if is_email(assignee) else None))  # an OIDC login may be the address
    if not policy.emails:
        with_address = select(User.email, User.roles).where(
            User.tenant_id == tenant_id, User.active.is_(True), User.email.is_not(None)
        )
        to.extend(
            row.email for row in uow.session.execute(with_address) if Role.MANAGER.value in (row.roles or [])
        )
    return tuple(dict.fromkeys(address for address in to if address))


def _reference(uow: UnitOfWork, instance: ProcessInstance) -> str:
    procedure = uow.session.get(Procedure, instance.id)
    return procedure.reference if procedure is not None else str(instance.id)[:8]


def _assignee(uow: UnitOfWork, deadline: Deadline, instance: ProcessInstance) -> str | None:
    if deadline.subject_type == SUBJECT_TASK:
        task = uow.session.get(Task, deadline.subject_id)
        return (task.assignee or task.claimed_by) if task is not None else None
    procedure = uow.session.get(Procedure, instance.id)
    return procedure.coordinator if procedure is not None else None


def local(moment: datetime) -> str:
    return moment.astimezone(municipal_zone()).strftime("%d-%m-%Y %H:%M")


_UNITS = {"Y": ("jaar", "jaar"), "M": ("maand", "maanden"), "W": ("week", "weken"), "D": ("dag", "dagen")}


def period_text(period: str | None) -> str:
    """P14D → "14 dagen", P6M → "6 maanden"; anything else as written."""
    if period and period[:1] == "P" and "T" not in period and period[1:-1].isdigit() and period[-1] in _UNITS:
        count = int(period[1:-1])
        one, many = _UNITS[period[-1]]
        return f"{count} {one if count == 1 else many}"
    return period or "de termijn"


def describe(
    uow: UnitOfWork, deadline: Deadline, level: int, policy: EscalationPolicy, due_at: datetime
) -> str:
    if deadline.subject_type == SUBJECT_TASK:
        task = uow.session.get(Task, deadline.subject_id)
        name = task.name if task is not None else "een taak"
        moment = local(deadline.due_at or due_at)
        text = f"Taak ‘{name}’ is niet afgerond binnen de termijn (uiterlijk {moment})."
    elif deadline.rule.startswith(PHASE_PREFIX):
        phase = deadline.rule[len(PHASE_PREFIX) :]
        text = (
            f"Fase {phase} duurt langer dan {period_text(deadline.period)} "
            f"(termijn verstreken op {local(deadline.due_at or due_at)})."
        )
    elif deadline.rule == RULE_REVIEW:
        text = (
            f"De procedure is {period_text(deadline.period)} niet beoordeeld; een review was uiterlijk "
            f"{local(deadline.due_at or due_at)} nodig."
        )
    else:
        text = f"Termijn {deadline.rule} is verstreken op {local(deadline.due_at or due_at)}."
    if level > 1:
        text = (
            f"Niveau {level}: de escalatie is {period_text(policy.level2_after)} na melding nog niet "
            f"opgelost. {text}"
        )
    return text
