"""Event-log exports of a municipality's procedures for process mining: XES (IEEE 1849, `xes.py`)
and OCEL 2.0 JSON (`ocel.py`).

What goes in: the procedures that started in the period (one case each) with every timeline event
the one writer (engine.runtime.journal) recorded for them, joined to the task row the event is
about (its name, role, party and data subject). What stays out: every personal value. No facts, no
event `detail` (reasons are free text) and no field names; staff appear as keyed pseudonyms
(`resource_pseudonym`: stable per person across exports, meaningless without the installation's
pseudonym key), data subjects by the random pseudonym their procedure gave them
(engine.procedures.recording), parties by their organisation code.

Who: the manager (the role that reads the monitoring). Before the first byte goes out, the export is
written to the processing log: one line per data subject whose pseudonym the export holds, as for
every other processing, in a transaction of its own that commits first (no log, no export).

Memory stays flat in the size of the log: the rows come through a server-side cursor
(`yield_per`) in case order and the writers emit text per case; nothing holds the whole document.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select

from ..access import Actor
from ..privacy import log as privacy_log
from ..privacy.disclosure import roles_text
from ..procedures.models import DataSubject, Procedure
from ..runtime.models import ProcessEvent, Task
from ..uow import UnitOfWork
from .service import MONITOR_ROLES, _check_period

FORMATS = ("xes", "ocel")
BATCH = 2000
EXPORT_PURPOSE = "Evaluatie van de wet en procesanalyse (gepseudonimiseerde event log)"
# The legal-ground key (workflows/legal-grounds.yaml) the log line names: further processing.
EXPORT_GROUND = "verdere_verwerking"
EXPORT_CATEGORY = "procesverloop"
SYSTEM = "system"

# The XES lifecycle transition (standard model of the lifecycle extension) of each event type.
LIFECYCLE = {
    "task_opened": "schedule",
    "task_assigned": "assign",
    "task_claimed": "start",
    "task_released": "reassign",
    "task_completed": "complete",
    "task_cancelled": "withdraw",
    "instance_started": "start",
    "instance_completed": "complete",
    "instance_cancelled": "pi_abort",
    "procedure_suspended": "suspend",
    "procedure_resumed": "resume",
}
# Readable activity names of events that are not about a task.
ACTIVITIES = {
    "instance_started": "Procedure gestart",
    "instance_completed": "Procedure beëindigd",
    "instance_cancelled": "Procedure afgebroken",
    "procedure_suspended": "Procedure opgeschort",
    "procedure_resumed": "Procedure hervat",
    "procedure_extended": "Procedure verlengd",
    # The retention sweep's erasure (engine.privacy.retention): in the log on purpose, so the time from
    # closure to erasure can be analysed; like every event it goes out without its detail.
    "personal_data_erased": "Persoonsgegevens gewist",
}


@dataclass(frozen=True)
class Period:
    tenant_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class CaseHeader:
    id: uuid.UUID
    reference: str
    process_id: str
    status: str
    ingang: str | None
    started_at: datetime
    ended_at: datetime | None
    subjects: tuple[str, ...] = ()  # the pseudonyms of the procedure's data subjects


@dataclass(frozen=True)
class LogEvent:
    id: int
    case: CaseHeader
    type: str
    activity: str
    lifecycle: str
    at: datetime
    resource: str | None  # pseudonym
    role: str | None
    party: str | None
    subject: str | None  # the data subject's pseudonym
    task_id: uuid.UUID | None
    element_id: str | None


def resource_pseudonym(key: str, tenant_id: str, username: str | None) -> str | None:
    """A member of staff as a keyed hash: the same person is the same resource in every export of the
    installation (hand-overs stay visible), and nobody without the key can tell who it is."""
    if not username:
        return None
    if username == SYSTEM:
        return SYSTEM
    digest = hmac.new(key.encode(), f"{tenant_id}\x00{username}".encode(), hashlib.sha256)
    return "res-" + digest.hexdigest()[:16]


def _procedures(period: Period) -> Any:
    return and_(
        Procedure.tenant_id == period.tenant_id,
        Procedure.started_at >= period.start,
        Procedure.started_at < period.end,
    )


def _event_query(period: Period) -> Any:
    return (
        select(
            Procedure.id,
            Procedure.reference,
            Procedure.process_id,
            Procedure.status,
            Procedure.ingang,
            Procedure.started_at,
            Procedure.ended_at,
            ProcessEvent.id,
            ProcessEvent.type,
            ProcessEvent.at,
            ProcessEvent.actor,
            ProcessEvent.element_id,
            Task.id,
            ProcessEvent.party,
            Task.name,
            Task.role,
            DataSubject.pseudonym,
        )
        .join(
            ProcessEvent,
            and_(ProcessEvent.instance_id == Procedure.id, ProcessEvent.tenant_id == period.tenant_id),
        )
        .outerjoin(Task, Task.id == ProcessEvent.task_id)
        .outerjoin(
            DataSubject,
            and_(DataSubject.procedure_id == Procedure.id, DataSubject.key == ProcessEvent.subject),
        )
        .where(_procedures(period))
        .order_by(Procedure.id, ProcessEvent.id)
    )


def _case_subjects(uow: UnitOfWork, period: Period) -> Iterator[tuple[uuid.UUID, str]]:
    rows = uow.session.execute(
        select(Procedure.id, DataSubject.pseudonym)
        .join(DataSubject, DataSubject.procedure_id == Procedure.id)
        .where(_procedures(period))
        .order_by(Procedure.id, DataSubject.key)
        .execution_options(yield_per=BATCH)
    )
    for row in rows:
        yield row[0], row[1]


def events(uow: UnitOfWork, period: Period, key: str) -> Iterator[LogEvent]:
    """Every event of the period's procedures, case by case (consecutive), oldest first within a
    case; streamed from a server-side cursor. `uow` must be open."""
    result = uow.session.execute(_event_query(period).execution_options(yield_per=BATCH))
    # The data subjects come from a second cursor in the same case order, merged as the cases pass
    # (one query, not one per case).
    subjects = _case_subjects(uow, period)
    pending = next(subjects, None)
    case: CaseHeader | None = None
    for row in result:
        if case is None or case.id != row[0]:
            found: list[str] = []
            while pending is not None and pending[0].int < row[0].int:
                pending = next(subjects, None)
            while pending is not None and pending[0] == row[0]:
                found.append(pending[1])
                pending = next(subjects, None)
            pid, reference, process_id, status, ingang, started_at, ended_at = row[:7]
            case = CaseHeader(pid, reference, process_id, status, ingang, started_at, ended_at, tuple(found))
        (event_id, type_, at, actor, element_id, task_id, party, task_name, role, subject) = row[7:]
        yield LogEvent(
            id=event_id,
            case=case,
            type=type_,
            activity=task_name or ACTIVITIES.get(type_) or type_,
            lifecycle=LIFECYCLE.get(type_, "complete"),
            at=at,
            resource=resource_pseudonym(key, period.tenant_id, actor),
            role=role,
            party=party,
            subject=subject,
            task_id=task_id,
            element_id=element_id,
        )


@dataclass
class Export:
    """An export ready to stream: `chunks` opens its own read-only unit of work when first pulled."""

    format: str
    media_type: str
    filename: str
    chunks: Iterator[str]


def _log_export(uow: UnitOfWork, actor: Actor, period: Period, fmt: str) -> None:
    """One processing-log line per data subject of the exported procedures, committed before the
    export starts."""
    with uow:
        rows = uow.session.execute(
            select(DataSubject.pseudonym, DataSubject.kind, Procedure.id, Procedure.reference)
            .join(Procedure, Procedure.id == DataSubject.procedure_id)
            .where(_procedures(period))
            .order_by(Procedure.id, DataSubject.key)
            .execution_options(yield_per=BATCH)
        )
        batch: list[privacy_log.LogLine] = []
        for pseudonym, kind, procedure_id, reference in rows:
            batch.append(
                privacy_log.LogLine(
                    tenant_id=period.tenant_id,
                    operation="export",
                    action=f"export {fmt}",
                    actor=actor.username,
                    roles=roles_text(actor),
                    party=actor.party,
                    subject_pseudonym=pseudonym,
                    subject_kind=kind,
                    categories=[EXPORT_CATEGORY],
                    fact_count=0,
                    purpose=EXPORT_PURPOSE,
                    legal_grounds=[EXPORT_GROUND],
                    procedure_id=procedure_id,
                    procedure_reference=reference,
                    activity="event_log_export",
                )
            )
            if len(batch) >= BATCH:
                privacy_log.append_lines(uow, batch)
                batch = []
        privacy_log.append_lines(uow, batch)
        uow.commit()


def open_export(
    log_uow: UnitOfWork,
    read_uow: UnitOfWork,
    actor: Actor,
    fmt: str,
    start: datetime,
    end: datetime,
    pseudonym_key: str,
) -> Export:
    """Check the actor and the period, write the processing log, and return the export to stream.
    `log_uow` is a writing unit of work, `read_uow` a read-only one (used while streaming)."""
    actor.require(*MONITOR_ROLES)
    _check_period(start, end)
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    period = Period(actor.tenant_id, start, end)
    _log_export(log_uow, actor, period, fmt)
    name = f"wams-{actor.tenant_id}-{start:%Y%m%d}-{end:%Y%m%d}"
    if fmt == "xes":
        from .xes import write_xes

        return Export(
            fmt, "application/xml", f"{name}.xes", _stream(read_uow, period, pseudonym_key, write_xes)
        )
    from .ocel import write_ocel

    return Export(
        fmt, "application/json", f"{name}.jsonocel", _stream(read_uow, period, pseudonym_key, write_ocel)
    )


Writer = Callable[[UnitOfWork, Period, str], Iterator[str]]


def _stream(uow: UnitOfWork, period: Period, key: str, writer: Writer) -> Iterator[str]:
    with uow:
        yield from writer(uow, period, key)
