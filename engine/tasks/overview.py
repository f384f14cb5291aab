"""The inbox page in one read: my tasks, the unowned tasks of my roles (both sorted by due date, so
overdue work comes first) and the phases my visible tasks are in (for the phase filter)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..access import Actor
from ..runtime.models import Task
from ..uow import UnitOfWork
from .queries import InboxFilter, TaskPage, inbox
from .rules import visible_clause


@dataclass
class InboxOverview:
    mine: TaskPage
    available: TaskPage
    phases: list[str]


def task_phases(uow: UnitOfWork, actor: Actor) -> list[str]:
    with uow:
        rows = uow.session.scalars(
            select(Task.phase)
            .where(Task.tenant_id == actor.tenant_id, Task.phase.is_not(None), visible_clause(actor))
            .distinct()
        )
        return sorted(str(p) for p in rows if p)


def inbox_overview(
    uow: UnitOfWork,
    actor: Actor,
    *,
    phase: str | None = None,
    role: str | None = None,
    overdue: bool | None = None,
    page_size: int = 100,
) -> InboxOverview:
    def page(scope: str) -> TaskPage:
        filters = InboxFilter(scope=scope, phase=phase, role=role, overdue=overdue, page_size=page_size)
        return inbox(uow, actor, filters)

    return InboxOverview(mine=page("mine"), available=page("available"), phases=task_phases(uow, actor))
