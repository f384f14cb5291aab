"""The one lock per process instance every command takes first (see docs/architecture.md).

PostgreSQL: ``SELECT … FOR UPDATE NOWAIT`` (a busy instance fails at once with `Conflict`, no lock
waits) or ``SKIP LOCKED`` for sweeps. SQLite: a writing unit of work already holds the database's
write lock since ``BEGIN IMMEDIATE``, so the plain read is enough.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from ..errors import Conflict, NotFound
from ..uow import UnitOfWork, is_lock_error
from .models import ProcessInstance


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


def try_lock_instance(uow: UnitOfWork, instance_id: uuid.UUID) -> ProcessInstance | None:
    """Lock the instance unless another transaction holds it (then None): for scheduler sweeps."""
    query = select(ProcessInstance).where(ProcessInstance.id == instance_id)
    if uow.dialect == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return uow.session.scalar(query)
