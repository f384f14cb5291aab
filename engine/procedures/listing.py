"""Reading procedures for people: the list with filters and one procedure's detail (status, phase,
open tasks, the timeline from the event log and the case data the reader may see).

Who may read: the municipality's case roles and the privacy officer see every procedure of their
municipality; a party contact or medical professional sees those in which their party has work.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, exists, func, select

from ..access import Actor
from ..db.paging import clamp_page, count_rows, one_page, where_equal
from ..errors import InvalidInput, NotAuthorized, NotFound
from ..roles import Role
from ..runtime.models import ProcessEvent, ProcessInstance, Task
from ..status import TaskStatus
from ..uow import UnitOfWork
from .models import Procedure
from .view import CaseView, case_view

READER_ROLES = (Role.MELDPUNT, Role.ASSESSOR, Role.COORDINATOR, Role.MANAGER, Role.PRIVACY_OFFICER)
PARTY_ROLES = (Role.PARTY_CONTACT, Role.MEDICAL_PROFESSIONAL)
MAX_PAGE_SIZE = 200
TIMELINE_LIMIT = 500
SORTS = {
    "started": (Procedure.started_at, Procedure.id),
    "-started": (Procedure.started_at.desc(), Procedure.id),
    "reference": (Procedure.reference,),
    "-reference": (Procedure.reference.desc(),),
}


@dataclass
class ProcedureFilter:
    status: str | None = None
    phase: str | None = None
    coordinator: str | None = None
    overdue: bool | None = None
    started_from: datetime | None = None
    started_to: datetime | None = None
    reference: str | None = None
    sort: str = "-started"
    page: int = 1
    page_size: int = 50


@dataclass
class ProcedureItem:
    procedure: Procedure
    open_tasks: int
    overdue: bool


@dataclass
class ProcedurePage:
    items: list[ProcedureItem]
    total: int
    page: int
    page_size: int


@dataclass
class TimelineEntry:
    id: int
    at: datetime
    type: str
    actor: str | None
    element_id: str | None
    element_name: str | None
    task_id: uuid.UUID | None
    segment: int
    data_keys: list[str] | None
    detail: dict[str, object] | None


@dataclass
class ProcedureDetail:
    procedure: Procedure
    instance_status: str
    current_steps: list[str]
    open_tasks: list[Task]
    timeline: list[TimelineEntry]
    timeline_truncated: bool
    case: CaseView


def _reader_clause(actor: Actor) -> ColumnElement[bool] | None:
    """None: every procedure of the tenant; else the condition limiting what the actor reads."""
    if actor.has(*READER_ROLES):
        return None
    if actor.has(*PARTY_ROLES) and actor.party:
        return exists().where(Task.instance_id == Procedure.id, Task.party == actor.party)
    raise NotAuthorized("reading procedures needs a case role")


def _overdue_exists(now: datetime) -> ColumnElement[bool]:
    return exists().where(Task.instance_id == Procedure.id, Task.status == TaskStatus.OPEN, Task.due_at < now)


def list_procedures(uow: UnitOfWork, actor: Actor, filters: ProcedureFilter) -> ProcedurePage:
    limit = _reader_clause(actor)
    if filters.sort not in SORTS:
        raise InvalidInput(f"sort is one of {', '.join(SORTS)}", field="sort")
    page, page_size = clamp_page(filters.page, filters.page_size, MAX_PAGE_SIZE)
    with uow:
        now = uow.now()
        query: Select[Procedure] = select(Procedure).where(Procedure.tenant_id == actor.tenant_id)
        if limit is not None:
            query = query.where(limit)
        query = where_equal(
            query,
            [
                (Procedure.status, filters.status),
                (Procedure.phase, filters.phase),
                (Procedure.coordinator, filters.coordinator),
                (Procedure.reference, filters.reference),
            ],
        )
        if filters.started_from is not None:
            query = query.where(Procedure.started_at >= filters.started_from)
        if filters.started_to is not None:
            query = query.where(Procedure.started_at < filters.started_to)
        if filters.overdue is not None:
            clause = _overdue_exists(now)
            query = query.where(clause if filters.overdue else ~clause)
        total = count_rows(uow.session, query)
        procedures = list(
            uow.session.scalars(one_page(query.order_by(*SORTS[filters.sort]), page, page_size))
        )
        counts: dict[uuid.UUID, tuple[int, bool]] = {}
        if procedures:
            rows = uow.session.execute(
                select(Task.instance_id, func.count(), func.min(Task.due_at))
                .where(Task.instance_id.in_([p.id for p in procedures]), Task.status == TaskStatus.OPEN)
                .group_by(Task.instance_id)
            ).all()
            counts = {r[0]: (r[1], r[2] is not None and r[2] < now) for r in rows}
    items = [ProcedureItem(p, *counts.get(p.id, (0, False))) for p in procedures]
    return ProcedurePage(items=items, total=total, page=page, page_size=page_size)


def procedure_detail(uow: UnitOfWork, actor: Actor, procedure_id: uuid.UUID) -> ProcedureDetail:
    limit = _reader_clause(actor)
    with uow:
        query = select(Procedure, ProcessInstance.status, ProcessInstance.current_steps).join(
            ProcessInstance, ProcessInstance.id == Procedure.id
        )
        query = query.where(Procedure.id == procedure_id, Procedure.tenant_id == actor.tenant_id)
        row = uow.session.execute(query).first()
        if row is None:
            raise NotFound("procedure not found")
        if limit is not None and not uow.session.scalar(select(limit).where(Procedure.id == procedure_id)):
            raise NotAuthorized("your party has no work in this procedure")
        procedure = row[0]
        tasks = {
            t.id: t
            for t in uow.session.scalars(
                select(Task).where(Task.instance_id == procedure_id).order_by(Task.created_at)
            )
        }
        events = list(
            uow.session.scalars(
                select(ProcessEvent)
                .where(ProcessEvent.instance_id == procedure_id)
                .order_by(ProcessEvent.id.desc())
                .limit(TIMELINE_LIMIT + 1)
            )
        )
        case = case_view(uow, actor, procedure_id)
    truncated = len(events) > TIMELINE_LIMIT
    timeline = [
        TimelineEntry(
            id=e.id,
            at=e.at,
            type=e.type,
            actor=e.actor,
            element_id=e.element_id,
            element_name=tasks[e.task_id].name if e.task_id in tasks else None,
            task_id=e.task_id,
            segment=e.segment,
            data_keys=e.data_keys,
            detail=e.detail,
        )
        for e in reversed(events[:TIMELINE_LIMIT])
    ]
    return ProcedureDetail(
        procedure=procedure,
        instance_status=row[1],
        current_steps=list(row[2] or []),
        open_tasks=[t for t in tasks.values() if t.status == TaskStatus.OPEN],
        timeline=timeline,
        timeline_truncated=truncated,
        case=case,
    )
