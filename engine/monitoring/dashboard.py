"""The manager's dashboard in one read: open procedures per phase, the workload per coordinator
(procedures they coordinate, open and overdue tasks they have), overdue work, unresolved escalations
and the monitoring indicators of a period; and the bottleneck heatmap of a process diagram."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select

from ..access import Actor
from ..accounts.models import User
from ..definitions.changes import model_elements
from ..definitions.models import DefinitionFile
from ..definitions.service import get_version
from ..errors import NotFound
from ..procedures.models import Procedure
from ..roles import Role
from ..runtime.models import Task
from ..scheduler.commands import EscalationFilters, EscalationView, list_escalations
from ..status import ProcedureStatus, TaskStatus
from ..tasks.queries import InboxFilter, TaskPage, inbox
from ..uow import UnitOfWork
from .conformance import Conformance, conformance
from .service import MONITOR_ROLES, Bottleneck, Indicators, bottlenecks, indicators

RUNNING = (ProcedureStatus.OPEN, ProcedureStatus.SUSPENDED)


@dataclass
class PhaseCount:
    phase: str | None
    open: int
    suspended: int
    overdue: int


@dataclass
class CoordinatorLoad:
    username: str
    display_name: str
    procedures: int
    open_tasks: int
    overdue_tasks: int


@dataclass
class Overview:
    phases: list[PhaseCount]
    coordinators: list[CoordinatorLoad]
    open_tasks: int
    overdue_tasks: int


def overview(uow: UnitOfWork, actor: Actor) -> Overview:
    """Counted in the database (a municipality of a shared service centre has thousands of running
    procedures and open tasks; fetching them row by row was most of the dashboard's time)."""
    actor.require(*MONITOR_ROLES)
    tenant = actor.tenant_id
    with uow:
        now = uow.now()
        session = uow.session
        overdue_procedures = (
            select(Task.instance_id)
            .where(Task.tenant_id == tenant, Task.status == TaskStatus.OPEN, Task.due_at < now)
            .scalar_subquery()
        )
        running = (Procedure.tenant_id == tenant, Procedure.status.in_(RUNNING))
        phase_rows = session.execute(
            select(
                Procedure.phase,
                func.count().filter(Procedure.status == ProcedureStatus.OPEN),
                func.count().filter(Procedure.status == ProcedureStatus.SUSPENDED),
                func.count().filter(Procedure.id.in_(overdue_procedures)),
            )
            .where(*running)
            .group_by(Procedure.phase)
        ).all()
        coordinated: Counter[str] = Counter()
        for coordinator, count in session.execute(
            select(Procedure.coordinator, func.count())
            .where(*running, Procedure.coordinator.is_not(None))
            .group_by(Procedure.coordinator)
        ):
            coordinated[str(coordinator)] = count
        owner = func.coalesce(Task.claimed_by, Task.assignee)
        open_task = (Task.tenant_id == tenant, Task.status == TaskStatus.OPEN)
        tasks: Counter[str] = Counter()
        late: Counter[str] = Counter()
        for name, count, overdue in session.execute(
            select(owner, func.count(), func.count().filter(Task.due_at < now))
            .where(*open_task, or_(Task.claimed_by.is_not(None), Task.assignee.is_not(None)))
            .group_by(owner)
        ):
            tasks[str(name)], late[str(name)] = count, overdue  # never NULL: see the filter
        open_tasks, overdue_tasks = session.execute(
            select(func.count(), func.count().filter(Task.due_at < now)).where(*open_task)
        ).one()
        users = session.execute(
            select(User.username, User.display_name, User.roles).where(
                User.tenant_id == tenant, User.active.is_(True)
            )
        ).all()
    names = {u.username: u.display_name or u.username for u in users}
    coordinators = {u.username for u in users if Role.COORDINATOR.value in (u.roles or [])}
    people = sorted(coordinators | set(coordinated), key=lambda n: (-coordinated[n], -tasks[n], n))
    return Overview(
        phases=sorted(
            (
                PhaseCount(phase, opened, suspended, overdue)
                for phase, opened, suspended, overdue in phase_rows
            ),
            key=lambda p: (p.phase is None, p.phase or ""),
        ),
        coordinators=[CoordinatorLoad(n, names.get(n, n), coordinated[n], tasks[n], late[n]) for n in people],
        open_tasks=int(open_tasks or 0),
        overdue_tasks=int(overdue_tasks or 0),
    )


@dataclass
class Dashboard:
    overview: Overview
    indicators: Indicators
    overdue: TaskPage
    escalations: list[EscalationView]


def dashboard(uow: UnitOfWork, actor: Actor, start: datetime, end: datetime) -> Dashboard:
    actor.require(*MONITOR_ROLES)
    return Dashboard(
        overview=overview(uow, actor),
        indicators=indicators(uow, actor, start, end),
        overdue=inbox(uow, actor, InboxFilter(scope="all", overdue=True, page_size=50)),
        escalations=list_escalations(uow, actor, EscalationFilters(unresolved_only=True, limit=50)),
    )


@dataclass
class HeatmapProcess:
    process_id: str
    name: str


@dataclass
class Heatmap:
    entry_process_id: str
    version: int
    process_id: str
    xml: str
    items: list[Bottleneck]
    processes: list[HeatmapProcess] = field(default_factory=list)


@dataclass
class _Diagram:
    version: int
    process_id: str
    xml: str
    elements: set[str]
    processes: list[HeatmapProcess]


def _diagram(uow: UnitOfWork, actor: Actor, entry_process_id: str, process_id: str | None) -> _Diagram:
    """The newest version's diagram of `process_id` (a process of the entry process's version; default:
    the entry process), with the ids of its elements."""
    with uow:
        definition = get_version(uow, actor.tenant_id, entry_process_id)
        processes = (definition.summary or {}).get("processes", {})
        shown = process_id or entry_process_id
        info = processes.get(shown)
        if info is None:
            raise NotFound(f"version {definition.version} of {entry_process_id} has no process {shown!r}")
        xml = uow.session.scalar(
            select(DefinitionFile.content).where(
                DefinitionFile.definition_id == definition.id, DefinitionFile.path == info.get("file")
            )
        )
        version = definition.version
    if xml is None:
        raise NotFound(f"no diagram for {shown!r}")
    return _Diagram(
        version=version,
        process_id=shown,
        xml=xml,
        elements=set(model_elements(str(info.get("file")), xml)),
        processes=[HeatmapProcess(pid, str(p.get("name") or pid)) for pid, p in processes.items()],
    )


def heatmap(
    uow: UnitOfWork,
    actor: Actor,
    entry_process_id: str,
    process_id: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Heatmap:
    """The newest version's diagram of `process_id` with the bottleneck figures of its elements."""
    actor.require(*MONITOR_ROLES)
    diagram = _diagram(uow, actor, entry_process_id, process_id)
    report = bottlenecks(uow, actor, start, end)
    return Heatmap(
        entry_process_id=entry_process_id,
        version=diagram.version,
        process_id=diagram.process_id,
        xml=diagram.xml,
        # Task rows name the (sub)process spec they run in, not always the BPMN process: match by element.
        items=[b for b in report.items if b.element_id in diagram.elements],
        processes=diagram.processes,
    )


@dataclass
class ConformanceMap:
    """Practice against the model drawn on one diagram: the figures of its elements and gateways, and
    the procedure's variants (which span all its diagrams)."""

    entry_process_id: str
    version: int
    process_id: str
    xml: str
    report: Conformance
    processes: list[HeatmapProcess] = field(default_factory=list)


def conformance_map(
    uow: UnitOfWork,
    actor: Actor,
    entry_process_id: str,
    start: datetime,
    end: datetime,
    process_id: str | None = None,
    *,
    keep: UnitOfWork | None = None,
) -> ConformanceMap:
    actor.require(*MONITOR_ROLES)
    diagram = _diagram(uow, actor, entry_process_id, process_id)
    report = conformance(uow, actor, entry_process_id, start, end, keep=keep)
    report.elements = [e for e in report.elements if e.process_id == diagram.process_id]
    report.gateways = [g for g in report.gateways if g.process_id == diagram.process_id]
    return ConformanceMap(
        entry_process_id=entry_process_id,
        version=diagram.version,
        process_id=diagram.process_id,
        xml=diagram.xml,
        report=report,
        processes=diagram.processes,
    )
