"""Reading procedures for people: the list with filters and one procedure's detail (status, phase,
open tasks, the timeline from the event log and the case data the reader may see).

Who may read: the municipality's case roles and the privacy officer see every procedure of their
municipality; a party contact or medical professional sees those in which their party has work.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, or_, select

from ..access import Actor
from ..db.paging import clamp_page, count_rows, one_page, where_equal
from ..errors import InvalidInput, NotAuthorized, NotFound
from ..runtime.models import ProcessEvent, ProcessInstance, Task
from ..status import TaskStatus
from ..uow import UnitOfWork
from .models import Procedure
from .readmodel import ACTIVE, MILESTONES, TimelineEntry, Viewer
from .view import CaseView, case_view

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
    # The procedure's fields the viewer may read (readmodel.Viewer.header).
    header: dict[str, Any]


@dataclass
class ProcedurePage:
    items: list[ProcedureItem]
    total: int
    page: int
    page_size: int


@dataclass
class ProcedureDetail:
    procedure: Procedure
    header: dict[str, Any]
    instance_status: str
    current_steps: list[str]
    open_tasks: list[Task]
    timeline: list[TimelineEntry]
    timeline_truncated: bool
    case: CaseView
    # The staff and the parties with open work this viewer may know of.
    people: list[str]
    parties: list[str]


def _reader_clause(viewer: Viewer) -> ColumnElement[bool] | None:
    """None: every procedure of the tenant; else the condition limiting what the viewer reads:
    a party, the running procedures in which it has work."""
    if viewer.whole:
        return None
    if viewer.party is not None:
        return exists().where(Task.instance_id == Procedure.id, Task.party == viewer.party) & (
            Procedure.status.in_(ACTIVE)
        )
    raise NotAuthorized("reading procedures needs a case role")


def _overdue_exists(now: datetime) -> ColumnElement[bool]:
    return exists().where(Task.instance_id == Procedure.id, Task.status == TaskStatus.OPEN, Task.due_at < now)


def list_procedures(uow: UnitOfWork, actor: Actor, filters: ProcedureFilter) -> ProcedurePage:
    viewer = Viewer.of(actor)
    limit = _reader_clause(viewer)
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
            counted = select(Task.instance_id, func.count(), func.min(Task.due_at)).where(
                Task.instance_id.in_([p.id for p in procedures]), Task.status == TaskStatus.OPEN
            )
            if not viewer.whole:  # a party counts its own open work, not the others'
                counted = counted.where(Task.party == viewer.party)
            rows = uow.session.execute(counted.group_by(Task.instance_id)).all()
            counts = {r[0]: (r[1], r[2] is not None and r[2] < now) for r in rows}
    items = [ProcedureItem(p, *counts.get(p.id, (0, False)), viewer.header(p)) for p in procedures]
    return ProcedurePage(items=items, total=total, page=page, page_size=page_size)


def procedure_detail(uow: UnitOfWork, actor: Actor, procedure_id: uuid.UUID) -> ProcedureDetail:
    viewer = Viewer.of(actor)
    limit = _reader_clause(viewer)
    with uow:
        query = select(Procedure, ProcessInstance.status, ProcessInstance.current_steps).join(
            ProcessInstance, ProcessInstance.id == Procedure.id
        )
        query = query.where(Procedure.id == procedure_id, Procedure.tenant_id == actor.tenant_id)
        row = uow.session.execute(query).first()
        if row is None:
            raise NotFound("procedure not found")
        procedure = row[0]
        if not viewer.may_open(procedure.status):
            raise NotFound("procedure not found")  # closed: gone for a party, as if it never had it
        if limit is not None and not uow.session.scalar(select(limit).where(Procedure.id == procedure_id)):
            raise NotAuthorized("your party has no work in this procedure")
        tasks = {
            t.id: t
            for t in uow.session.scalars(
                select(Task).where(Task.instance_id == procedure_id).order_by(Task.created_at)
            )
        }
        events_query = select(ProcessEvent).where(ProcessEvent.instance_id == procedure_id)
        if not viewer.whole:
            events_query = events_query.where(
                or_(ProcessEvent.party == viewer.party, ProcessEvent.type.in_(MILESTONES))
            )
        events = list(
            uow.session.scalars(events_query.order_by(ProcessEvent.id.desc()).limit(TIMELINE_LIMIT + 1))
        )
        case = case_view(uow, actor, procedure_id)
    truncated = len(events) > TIMELINE_LIMIT
    names = {task_id: task.name for task_id, task in tasks.items()}
    timeline = viewer.timeline(reversed(events[:TIMELINE_LIMIT]), names)
    open_tasks = viewer.tasks(t for t in tasks.values() if t.status == TaskStatus.OPEN)
    return ProcedureDetail(
        procedure=procedure,
        header=viewer.header(procedure),
        instance_status=row[1],
        current_steps=list(row[2] or []) if viewer.whole else [],
        open_tasks=open_tasks,
        timeline=timeline,
        timeline_truncated=truncated,
        case=case,
        people=viewer.people(procedure.started_by, procedure.coordinator, open_tasks, timeline),
        parties=viewer.parties(open_tasks),
    )
