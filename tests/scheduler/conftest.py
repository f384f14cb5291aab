"""Fixtures for the scheduler: services around the test database and frozen clock, a scheduler,
deployed fixture bundles, and helpers to read what happened."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from engine.access import Actor
from engine.config import Settings
from engine.procedures.service import start_procedure
from engine.roles import Role
from engine.runtime.models import ProcessEvent, ProcessInstance, Task
from engine.scheduler.models import Escalation, Notification
from engine.scheduler.runner import Scheduler
from engine.services import Services, build_services
from engine.status import TaskStatus
from engine.tenancy import update_tenant_settings
from tests.factories import deploy_bundle, fixture_bundle, make_tenant

TENANT = "utrecht"
MANAGER = Actor("teamleider", TENANT, frozenset({Role.MANAGER}))
COORDINATOR = Actor("regisseur", TENANT, frozenset({Role.COORDINATOR}))


@pytest.fixture
def services(db, clock) -> Services:
    return build_services(Settings(env="test"), database=db, clock=clock)


@pytest.fixture
def scheduler(services) -> Scheduler:
    return Scheduler(services, mailer=None)


@pytest.fixture
def deployed(uow) -> str:
    make_tenant(uow, TENANT)
    for name in ("timers", "deadlines", "broken_timer"):
        deploy_bundle(uow, fixture_bundle(name), TENANT)
    return TENANT


def set_tenant_settings(services: Services, values: dict[str, Any]) -> None:
    with services.uow() as uow:
        update_tenant_settings(uow, TENANT, values)
        uow.commit()


MELDPUNT = Actor("melder", TENANT, frozenset({Role.MELDPUNT}))


def start(services: Services, process_id: str, data: dict[str, Any] | None = None) -> uuid.UUID:
    """Start a procedure (phase, review and suspension are about procedures) on a fixture model."""
    procedure = start_procedure(services.uow(), services.runtime, MELDPUNT, data or {}, process_id=process_id)
    return procedure.id


def start_plain(services: Services, process_id: str, data: dict[str, Any] | None = None) -> uuid.UUID:
    """Start a plain process instance, not a procedure."""
    with services.uow() as uow:
        instance_id = services.runtime.start(uow, TENANT, process_id, data or {}, "melder").instance.id
        uow.commit()
    return instance_id


def complete(services: Services, task_id: uuid.UUID, data: dict[str, Any] | None = None) -> None:
    with services.uow() as uow:
        services.runtime.complete_task(uow, TENANT, task_id, data or {"akkoord": True}, "medewerker")
        uow.commit()


def instance(services: Services, instance_id: uuid.UUID) -> ProcessInstance:
    with services.uow(readonly=True) as uow:
        found = uow.session.get(ProcessInstance, instance_id)
        assert found is not None
        return found


def open_tasks(services: Services, instance_id: uuid.UUID, kind: str | None = "user") -> list[Task]:
    with services.uow(readonly=True) as uow:
        query = select(Task).where(Task.instance_id == instance_id, Task.status == TaskStatus.OPEN)
        if kind:
            query = query.where(Task.kind == kind)
        return list(uow.session.scalars(query.order_by(Task.created_at)))


def task_by_element(services: Services, instance_id: uuid.UUID, element_id: str) -> Task:
    [task] = [t for t in open_tasks(services, instance_id) if t.element_id == element_id]
    return task


def escalations(services: Services, instance_id: uuid.UUID | None = None) -> list[Escalation]:
    with services.uow(readonly=True) as uow:
        query = select(Escalation)
        if instance_id is not None:
            query = query.where(Escalation.instance_id == instance_id)
        return list(uow.session.scalars(query.order_by(Escalation.raised_at, Escalation.level)))


def events(services: Services, instance_id: uuid.UUID, type_: str) -> list[ProcessEvent]:
    with services.uow(readonly=True) as uow:
        return list(
            uow.session.scalars(
                select(ProcessEvent)
                .where(ProcessEvent.instance_id == instance_id, ProcessEvent.type == type_)
                .order_by(ProcessEvent.id)
            )
        )


def notifications(services: Services, escalation_id: uuid.UUID) -> list[Notification]:
    with services.uow(readonly=True) as uow:
        return list(
            uow.session.scalars(select(Notification).where(Notification.escalation_id == escalation_id))
        )


def count(services: Services, model: Any, *where: Any) -> int:
    with services.uow(readonly=True) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)
