"""The timer sweep: fire the BPMN timers that are due, each instance in its own unit of work.

Due instances are claimed one at a time by the indexed ``next_timer_due`` (a partial index holding only
instances that wait for a timer), with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL: schedulers running side
by side each take a different instance, and an instance a user command holds is left for the next tick.
On SQLite, writers serialize at ``BEGIN IMMEDIATE``. The claim, the firing and the new
``next_timer_due`` commit together, so a scheduler that dies mid-sweep loses nothing: the instance is
still due and the next sweep fires it, once.

A model error (a bad timer expression, no matching gateway condition) marks the instance as in error
in a fresh unit of work, so it is not retried forever; other failures are retried on later ticks and
marked after `MAX_FAILURES` in a row.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, exists, select

from ..errors import Conflict, ProcessError, ScriptError
from ..procedures.models import Procedure
from ..runtime.models import ProcessInstance
from ..runtime.service import Runtime, StepOutcome
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
def _due_timer_statement(*, skipping: bool, for_update: bool) -> Select[ProcessInstance]:
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
        .order_by(ProcessInstance.next_timer_due)
        .limit(1)
    )
    if skipping:
        query = query.where(ProcessInstance.id.not_in(bindparam("skip", expanding=True)))
    if for_update:
        query = query.with_for_update(skip_locked=True)
    return query


def due_timer_query(
    now: datetime, skip: list[uuid.UUID], dialect: str
) -> tuple[Select[ProcessInstance], dict[str, Any]]:
    """The instance whose timer is due first, by the partial index on `next_timer_due`, and the
    statement's parameters."""
    statement = _due_timer_statement(skipping=bool(skip), for_update=dialect == "postgresql")
    return statement, {"now": now, "skip": skip} if skip else {"now": now}


def claim_due_timer(uow: UnitOfWork, now: datetime, skip: list[uuid.UUID]) -> ProcessInstance | None:
    """Claim (lock) the instance whose timer is due first, loaded whole for firing."""
    statement, params = due_timer_query(now, skip, uow.dialect)
    return uow.session.scalar(statement, params)


def _advanced(outcome: StepOutcome | None) -> bool:
    return outcome is not None and bool(outcome.path or outcome.opened or outcome.cancelled or outcome.ended)


def sweep_timers(
    make_uow: Callable[[], UnitOfWork],
    runtime: Runtime,
    *,
    limit: int,
    failures: dict[uuid.UUID, int],
    on_item: OnItem | None = None,
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
        claimed: list[uuid.UUID] = []
        try:
            with make_uow() as uow:
                instance = claim_due_timer(uow, uow.now(), skip)
                if instance is None:
                    break
                instance_id = instance.id
                claimed.append(instance_id)
                handled += 1
                if on_item is not None:
                    on_item("timer", instance_id)
                outcome = runtime.fire_timers(uow, instance_id, locked=instance)
                uow.commit()
        except (ProcessError, ScriptError) as exc:
            if not claimed:
                raise
            skip.append(claimed[0])
            report.errors += 1
            _mark_error(make_uow, runtime, claimed[0], exc)
            continue
        except Conflict:
            if not claimed:
                raise
            skip.append(claimed[0])
            report.skipped += 1
            continue
        except Exception as exc:
            if not claimed:
                raise
            skip.append(claimed[0])
            report.errors += 1
            count = failures[claimed[0]] = failures.get(claimed[0], 0) + 1
            log.exception("firing the timers of %s failed (%d in a row)", claimed[0], count)
            if count >= MAX_FAILURES:
                _mark_error(make_uow, runtime, claimed[0], exc)
            continue
        failures.pop(instance_id, None)
        if _advanced(outcome):
            report.fired += 1
        else:
            skip.append(instance_id)
    return report


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
