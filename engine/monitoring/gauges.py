"""Operational gauges of one municipality for `/metrics`: open and overdue work, instances by status,
timers past due (a scheduler that falls behind shows here)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..access import Actor
from ..procedures.models import Procedure
from ..roles import Role
from ..runtime.models import ProcessInstance, Task
from ..status import InstanceStatus, TaskStatus
from ..uow import UnitOfWork

METRICS_ROLES = (Role.ADMIN, Role.MANAGER)


@dataclass
class Gauges:
    tenant_id: str
    open_tasks: dict[str, int] = field(default_factory=dict)  # by role
    overdue_tasks: int = 0
    instances: dict[str, int] = field(default_factory=dict)  # by status
    procedures: dict[str, int] = field(default_factory=dict)  # by status
    timers_past_due: int = 0


def gauges(uow: UnitOfWork, actor: Actor) -> Gauges:
    actor.require(*METRICS_ROLES)
    tenant = actor.tenant_id
    result = Gauges(tenant_id=tenant)
    with uow:
        now = uow.now()
        session = uow.session
        for role, count in session.execute(
            select(Task.role, func.count())
            .where(Task.tenant_id == tenant, Task.status == TaskStatus.OPEN)
            .group_by(Task.role)
        ):
            result.open_tasks[role or "none"] = count
        result.overdue_tasks = (
            session.scalar(
                select(func.count())
                .select_from(Task)
                .where(Task.tenant_id == tenant, Task.status == TaskStatus.OPEN, Task.due_at < now)
            )
            or 0
        )
        for status, count in session.execute(
            select(ProcessInstance.status, func.count())
            .where(ProcessInstance.tenant_id == tenant)
            .group_by(ProcessInstance.status)
        ):
            result.instances[status] = count
        for status, count in session.execute(
            select(Procedure.status, func.count())
            .where(Procedure.tenant_id == tenant)
            .group_by(Procedure.status)
        ):
            result.procedures[status] = count
        result.timers_past_due = (
            session.scalar(
                select(func.count())
                .select_from(ProcessInstance)
                .where(
                    ProcessInstance.tenant_id == tenant,
                    ProcessInstance.status == InstanceStatus.RUNNING,
                    ProcessInstance.next_timer_due < now,
                )
            )
            or 0
        )
    return result
