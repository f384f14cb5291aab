"""The one lock per process instance every command takes first (see docs/architecture.md).

PostgreSQL: ``SELECT … FOR UPDATE NOWAIT`` (a busy instance fails at once with `Conflict`, no lock
waits) or ``SKIP LOCKED`` for sweeps. SQLite: a writing unit of work already holds the database's
write lock since ``BEGIN IMMEDIATE``, so the plain read is enough.
"""

from __future__ import annotations

import functools
import uuid

from sqlalchemy import Select, bindparam, select
from sqlalchemy.exc import OperationalError

from ..errors import Conflict, NotFound, TaskAlreadyCompleted, TaskNotOpen
from ..status import InstanceStatus, TaskStatus
from ..uow import UnitOfWork, is_lock_error
from .models import ProcessInstance, Task


def lock_instance(uow: UnitOfWork, instance_id: uuid.UUID, tenant_id: str | None) -> ProcessInstance:
    """Lock the instance or fail at once with `Conflict`; another tenant's id is `NotFound`."""
    query = select(ProcessInstance).where(ProcessInstance.id == instance_id)
    if uow.dialect == "postgresql":
        query = query.with_for_update(nowait=True)
    try:
        instance = uow.session.scalar(query)
    except OperationalError as exc:
        if is_lock_error(exc):
            raise Conflict("the procedure is being changed by someone else; try again") from exc
        raise
    if instance is None or (tenant_id is not None and instance.tenant_id != tenant_id):
        raise NotFound("procedure not found")
    return instance


def lock_instance_with_open_tasks(
    uow: UnitOfWork, instance_id: uuid.UUID, tenant_id: str
) -> tuple[ProcessInstance, list[Task]]:
    """`lock_instance` that also loads the instance's open user task rows, in the same round trip
    (a migration batch takes this lock for every procedure it moves)."""
    query = (
        select(ProcessInstance, Task)
        .outerjoin(
            Task,
            (Task.instance_id == ProcessInstance.id)
            & (Task.status == TaskStatus.OPEN)
            & (Task.kind == "user"),
        )
        .where(ProcessInstance.id == instance_id)
    )
    if uow.dialect == "postgresql":
        query = query.with_for_update(nowait=True, of=ProcessInstance)
    try:
        rows = uow.session.execute(query).all()
    except OperationalError as exc:
        if is_lock_error(exc):
            raise Conflict("the procedure is being changed by someone else; try again") from exc
        raise
    if not rows or rows[0][0].tenant_id != tenant_id:
        raise NotFound("procedure not found")
    return rows[0][0], [task for _, task in rows if task is not None]


def try_lock_instance(uow: UnitOfWork, instance_id: uuid.UUID) -> ProcessInstance | None:
    """Lock the instance unless another transaction holds it (then None): for scheduler sweeps."""
    query = select(ProcessInstance).where(ProcessInstance.id == instance_id)
    if uow.dialect == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return uow.session.scalar(query)


def lock_task(uow: UnitOfWork, tenant_id: str, task_id: uuid.UUID) -> tuple[Task, ProcessInstance]:
    """Lock an open user task's instance and load both, or say why the task cannot be completed:
    already completed (by whom), closed, another tenant's (`NotFound`), or being completed right now."""
    query = _task_and_instance(for_update=uow.dialect == "postgresql")
    try:
        row = uow.session.execute(query, {"task_id": task_id}).first()
    except OperationalError as exc:
        if is_lock_error(exc):
            raise TaskAlreadyCompleted("the task is being completed by someone else") from exc
        raise
    if row is None or row[0].tenant_id != tenant_id:
        raise NotFound("task not found")
    task, instance = row[0], row[1]
    if task.status == TaskStatus.COMPLETED:
        raise TaskAlreadyCompleted("the task has already been completed", completed_by=task.completed_by)
    if task.status != TaskStatus.OPEN:
        raise TaskNotOpen(f"the task is {task.status}")
    require_running(instance)
    return task, instance


def require_running(instance: ProcessInstance) -> None:
    if instance.status != InstanceStatus.RUNNING:
        raise Conflict(f"the procedure is {instance.status}", status=instance.status)


@functools.cache
def _task_and_instance(*, for_update: bool) -> Select[Task, ProcessInstance]:
    """Built once: constructing this statement cost more than running it, on every completion."""
    query = (
        select(Task, ProcessInstance)
        .join(ProcessInstance, Task.instance_id == ProcessInstance.id)
        .where(Task.id == bindparam("task_id"), Task.kind == "user")
    )
    return query.with_for_update(nowait=True) if for_update else query
