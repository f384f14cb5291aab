"""Catching a rehearsal tenant up with its clock, in due-time order.

A rehearsal tenant's clock jumps (`engine.rehearsal.advance_clock`): P1Y at once. Sweeping at the new
"now" would fire everything that fell due during the jump at the same moment: an evaluation timer due
in April and the escalation of the evaluation task it opens, due in May, would both see "now" in
January of the next year, and a cycle would be asked for all its rounds at once. Instead the sweep
steps the tenant's clock through the due moments: it finds the earliest moment anything of that
tenant fell due (a timer, a task past its due time, a deadline check, a retention period), runs the
ordinary timer, escalation and retention sweeps for that tenant only on a clock pinned just past that
moment, and repeats until nothing is due before the tenant's "now". What one step does can make
something else due later in the jump (the evaluation task's own due time); the next step finds it.

Exactly once holds as for production tenants: each step's sweeps claim with the same row locks
(`SKIP LOCKED` on PostgreSQL, the write lock on SQLite) and move the due times on in the same
commit; a second scheduler stepping the same tenant meanwhile skips what the first holds and finds
it done afterwards. A step that changes nothing (what is due is held elsewhere, or failing) ends the
tenant's catch-up for this tick; the next tick goes on.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from ..clock import FrozenClock
from ..privacy.retention import sweep_retention
from ..procedures.models import Procedure
from ..rehearsal import REHEARSAL
from ..runtime.service import Runtime
from ..tenancy import Tenant
from ..uow import UnitOfWork
from .deadlines import overdue_tasks_query
from .escalate import OnItem, sweep_escalations
from .models import Deadline
from .notify import Mailer
from .timers import due_timer_query, sweep_timers

# Just past a due moment: SpiffWorkflow fires a timer once its moment has passed, not at it; a
# millisecond survives every backend's timestamp precision.
STEP = timedelta(milliseconds=1)
# Steps per tenant per tick: years of monthly rounds with their escalations fit; the next tick goes on.
MAX_STEPS = 2000


@dataclass
class RehearsalSweep:
    steps: int = 0
    fired: int = 0
    escalated: int = 0
    erased: int = 0
    errors: int = 0
    # True when a tenant's catch-up stopped at MAX_STEPS with more due (the runner ticks again).
    more: bool = False
    # Tenants whose catch-up stopped at something held elsewhere or failing.
    stuck: int = 0
    tenants: dict[str, datetime] = field(default_factory=dict)


def rehearsal_tenant_ids(uow: UnitOfWork) -> list[str]:
    with uow:
        return list(
            uow.session.scalars(select(Tenant.id).where(Tenant.kind == REHEARSAL).order_by(Tenant.id))
        )


def next_due(uow: UnitOfWork, tenant_id: str, before: datetime) -> datetime | None:
    """The earliest moment before `before` at which something of the tenant fell due and is still
    waiting, or None (inside the caller's unit of work)."""
    session = uow.session
    moments: list[datetime | None] = []
    statement, params = due_timer_query(before, [], "sqlite", 1, tenant_id)
    instance = session.scalars(statement, params).first()
    moments.append(instance.next_timer_due if instance is not None else None)
    overdue = session.execute(
        overdue_tasks_query(for_update=False, scoped=True), {"now": before, "size": 1, "tenant": tenant_id}
    ).first()
    moments.append(overdue[0].due_at if overdue is not None else None)
    moments.append(
        session.scalar(
            select(func.min(Deadline.next_check_at)).where(
                Deadline.tenant_id == tenant_id, Deadline.next_check_at < before
            )
        )
    )
    moments.append(
        session.scalar(
            select(func.min(Procedure.retention_until)).where(
                Procedure.tenant_id == tenant_id,
                Procedure.erased_at.is_(None),
                Procedure.retention_until <= before,
            )
        )
    )
    found = [moment for moment in moments if moment is not None]
    return min(found) if found else None


def catch_up_tenant(
    make_uow: Callable[..., UnitOfWork],
    tenant_uow: Callable[[FrozenClock], UnitOfWork],
    runtime: Runtime,
    tenant_id: str,
    *,
    mailer: Mailer | None,
    limit: int,
    batch_size: int,
    failures: dict[uuid.UUID, int],
    on_item: OnItem | None,
    report: RehearsalSweep,
) -> None:
    """Step `tenant_id`'s clock through everything due before its "now" (see the module docstring)."""
    with make_uow(readonly=True, tenant_id=tenant_id) as uow:
        target = uow.now()
    report.tenants[tenant_id] = target
    previous: datetime | None = None
    for _ in range(MAX_STEPS):
        with make_uow(readonly=True) as uow:
            due = next_due(uow, tenant_id, target)
        if due is None:
            return
        step_uow = functools.partial(tenant_uow, FrozenClock(min(due + STEP, target)))
        timers = sweep_timers(
            step_uow,
            runtime,
            limit=limit,
            failures=failures,
            on_item=on_item,
            batch_size=batch_size,
        )
        escalations = sweep_escalations(step_uow, mailer, limit=limit, on_item=on_item)
        retention = sweep_retention(step_uow, limit=limit)
        report.steps += 1
        report.fired += timers.fired
        report.escalated += escalations.escalated
        report.erased += retention.procedures
        report.errors += timers.errors + escalations.errors + retention.errors
        changed = (
            timers.fired
            + escalations.opened
            + escalations.instances
            + escalations.escalated
            + escalations.lapsed
            + retention.procedures
        )
        if not changed and due == previous:
            # What is due is held by another scheduler or failing: the next regular tick tries again
            # (not `more`, which would have the runner tick again at once, in a busy loop).
            report.stuck += 1
            return
        previous = due
    report.more = True
