"""The timer sweep: fire the BPMN timers that are due, a batch of instances per unit of work.

Due instances are claimed by the indexed ``next_timer_due`` (a partial index holding only instances
that wait for a timer), with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL: schedulers running side by side
each take different instances, and an instance a user command holds is left for the next tick. On
SQLite, writers serialize at ``BEGIN IMMEDIATE``. The claim, the firing and the new ``next_timer_due``
commit together, so a scheduler that dies mid-sweep loses nothing: the instances are still due and the
next sweep fires them, once.

A batch (``WAMS_SCHEDULER_FIRE_BATCH`` instances, 100 by default) is one transaction whose row
writes go out together (`engine.runtime.writer.deferred_writes`): one commit and a few round trips
instead of six per instance, which is what a tick with many timers due costs. The instances of a
batch stay locked until it commits (a user command on one of them meanwhile gets "try again"). When
anything in a batch fails, the batch is rolled back and its instances are fired one per unit of work
instead, so one failing instance costs the others nothing but time: a model error (a bad timer
expression, no matching gateway condition) marks that instance as in error in a fresh unit of work,
so it is not retried forever; other failures are retried on later ticks and marked after
`MAX_FAILURES` in a row.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, exists, func, select

from ..errors import Conflict, ProcessError, ScriptError
from ..monitoring.metrics import TIMER_ERRORS, TIMER_FIRES, TIMER_LATENESS
from ..procedures.hooks import remember_procedures
from ..procedures.models import Procedure
from ..rehearsal import scope_params, tenant_scope
from ..runtime.models import ProcessInstance
from ..runtime.service import Runtime, StepOutcome
from ..runtime.writer import deferred_writes
from ..status import ProcedureStatus
from ..uow import UnitOfWork

log = logging.getLogger(__name__)

MAX_FAILURES = 5
OnItem = Callable[[str, uuid.UUID], None]


@dataclass
class TimerSweep:
    fired: int = 0
    errors: int = 0
    skipped: int = 0
    # True when the sweep stopped at its limit with instances still due.
    more: bool = False


@functools.cache
def _due_timer_statement(*, skipping: bool, for_update: bool, scoped: bool) -> Select[ProcessInstance]:
    # Built once per variant (the sweep claims once per instance it fires): constructing it costs
    # more than PostgreSQL takes to run it.
    suspended = exists().where(
        Procedure.id == ProcessInstance.id, Procedure.status == ProcedureStatus.SUSPENDED
    )
    query = (
        select(ProcessInstance)
        # Strictly before now: SpiffWorkflow fires a timer once its moment has passed, not at it.
        .where(ProcessInstance.next_timer_due.is_not(None), ProcessInstance.next_timer_due < bindparam("now"))
        # A suspended procedure's clock stands still; resuming moves its timers on (commands.py).
        .where(~suspended)
        # A rehearsal tenant's timers fire on its own clock (scheduler/rehearsal.py).
        .where(tenant_scope(ProcessInstance.tenant_id, scoped=scoped))
        .order_by(ProcessInstance.next_timer_due)
        .limit(bindparam("size"))
    )
    if skipping:
        query = query.where(ProcessInstance.id.not_in(bindparam("skip", expanding=True)))
    if for_update:
        query = query.with_for_update(skip_locked=True)
    return query


def due_timer_query(
    now: datetime, skip: list[uuid.UUID], dialect: str, size: int = 1, tenant: str | None = None
) -> tuple[Select[ProcessInstance], dict[str, Any]]:
    """The `size` instances whose timers are due first, by the partial index on `next_timer_due`,
    and the statement's parameters: of `tenant`, or of every production tenant."""
    statement = _due_timer_statement(
        skipping=bool(skip), for_update=dialect == "postgresql", scoped=tenant is not None
    )
    params: dict[str, Any] = {"now": now, "size": size}
    if tenant is not None:
        params["tenant"] = tenant
    if skip:
        params["skip"] = skip
    return statement, params


@functools.cache
def _due_count_statement(*, scoped: bool) -> Select[int]:
    due = _due_timer_statement(skipping=False, for_update=False, scoped=scoped)
    return select(func.count()).select_from(due.with_only_columns(ProcessInstance.id).subquery())


def count_due_timers(uow: UnitOfWork, now: datetime, at_most: int) -> int:
    """How many instances have timers due (not locking them), counting no further than `at_most`."""
    statement = _due_count_statement(scoped=uow.tenant_id is not None)
    return int(uow.session.scalar(statement, {"now": now, "size": at_most, **scope_params(uow)}) or 0)


def claim_due_timers(
    uow: UnitOfWork, now: datetime, skip: list[uuid.UUID], size: int
) -> list[ProcessInstance]:
    """Claim (lock) up to `size` instances whose timers are due first, loaded whole for firing."""
    statement, params = due_timer_query(now, skip, uow.dialect, size, uow.tenant_id)
    return list(uow.session.scalars(statement, params))


def _advanced(outcome: StepOutcome | None) -> bool:
    return outcome is not None and bool(outcome.path or outcome.opened or outcome.cancelled or outcome.ended)


def sweep_timers(
    make_uow: Callable[[], UnitOfWork],
    runtime: Runtime,
    *,
    limit: int,
    failures: dict[uuid.UUID, int],
    on_item: OnItem | None = None,
    batch_size: int,
) -> TimerSweep:
    report = TimerSweep()
    # Instances this sweep must not claim again: they failed, were busy, or did not advance. One that
    # fired moved its next_timer_due on and is only due again if a later timer is also already due
    # (catching up), so the list stays short and the claim query cheap.
    skip: list[uuid.UUID] = []
    handled = 0
    while True:
        if handled >= limit:
            report.more = True
            break
        size = min(batch_size, limit - handled)
        try:
            claimed = _fire_batch(make_uow, runtime, size, skip, report, failures, on_item)
        except Exception:
            log.info("a batch of timers failed; firing them one at a time", exc_info=True)
            claimed = 0
            while claimed < size and _fire_one(make_uow, runtime, skip, report, failures, on_item):
                claimed += 1
        if not claimed:
            break
        handled += claimed
    return report


def _fire_batch(
    make_uow: Callable[[], UnitOfWork],
    runtime: Runtime,
    size: int,
    skip: list[uuid.UUID],
    report: TimerSweep,
    failures: dict[uuid.UUID, int],
    on_item: OnItem | None,
) -> int:
    """Fire up to `size` due instances in one unit of work; the number claimed. Raises (and writes
    nothing) if any of them fails."""
    with make_uow() as uow:
        instances = claim_due_timers(uow, uow.now(), skip, size)
        if not instances:
            return 0
        remember_procedures(uow, [instance.id for instance in instances])
        now = uow.now()
        dues = [instance.next_timer_due for instance in instances]
        outcomes = []
        with deferred_writes(uow):
            for instance in instances:
                if on_item is not None:
                    on_item("timer", instance.id)
                outcomes.append(runtime.fire_timers(uow, instance.id, locked=instance))
        uow.commit()
    for instance, due, outcome in zip(instances, dues, outcomes, strict=True):
        _record_fired(instance.id, outcome, report, skip, failures, now, due)
    return len(instances)


def _fire_one(
    make_uow: Callable[[], UnitOfWork],
    runtime: Runtime,
    skip: list[uuid.UUID],
    report: TimerSweep,
    failures: dict[uuid.UUID, int],
    on_item: OnItem | None,
) -> int:
    """Fire the first due instance in its own unit of work, isolating a failure to it; 1 when one
    was claimed, else 0."""
    claimed: list[uuid.UUID] = []
    try:
        with make_uow() as uow:
            instances = claim_due_timers(uow, uow.now(), skip, 1)
            if not instances:
                return 0
            instance_id = instances[0].id
            now, due = uow.now(), instances[0].next_timer_due
            claimed.append(instance_id)
            if on_item is not None:
                on_item("timer", instance_id)
            outcome = runtime.fire_timers(uow, instance_id, locked=instances[0])
            uow.commit()
    except (ProcessError, ScriptError) as exc:
        if not claimed:
            raise
        skip.append(claimed[0])
        report.errors += 1
        TIMER_ERRORS.inc()
        _mark_error(make_uow, runtime, claimed[0], exc)
        return 1
    except Conflict:
        if not claimed:
            raise
        skip.append(claimed[0])
        report.skipped += 1
        return 1
    except Exception as exc:
        if not claimed:
            raise
        skip.append(claimed[0])
        report.errors += 1
        TIMER_ERRORS.inc()
        count = failures[claimed[0]] = failures.get(claimed[0], 0) + 1
        log.exception("firing the timers of %s failed (%d in a row)", claimed[0], count)
        if count >= MAX_FAILURES:
            _mark_error(make_uow, runtime, claimed[0], exc)
        return 1
    _record_fired(instance_id, outcome, report, skip, failures, now, due)
    return 1


def _record_fired(
    instance_id: uuid.UUID,
    outcome: StepOutcome | None,
    report: TimerSweep,
    skip: list[uuid.UUID],
    failures: dict[uuid.UUID, int],
    now: datetime,
    due: datetime | None,
) -> None:
    """A committed firing ends the instance's run of failures; one that moved nothing (its timer was
    not really due) is not claimed again in this sweep."""
    failures.pop(instance_id, None)
    if _advanced(outcome):
        report.fired += 1
        TIMER_FIRES.inc()
        if due is not None:
            TIMER_LATENESS.observe(max(0.0, (now - due).total_seconds()))
    else:
        skip.append(instance_id)


def _mark_error(
    make_uow: Callable[[], UnitOfWork], runtime: Runtime, instance_id: uuid.UUID, exc: Exception
) -> None:
    if isinstance(exc, ProcessError):
        error = exc
    elif isinstance(exc, ScriptError):
        error = ProcessError(exc.message, cause=exc.code, **exc.details)
    else:
        error = ProcessError(f"the scheduler could not fire a timer {MAX_FAILURES} times: {exc}")
    try:
        with make_uow() as uow:
            runtime.mark_error(uow, instance_id, error)
            uow.commit()
        log.warning("instance %s is in error: %s", instance_id, error.message)
    except Conflict:
        log.info("instance %s is busy; marking it in error is retried on the next tick", instance_id)
