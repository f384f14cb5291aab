"""Practice against the model (issue 18: conformance and variants on the manager dashboard).

conformance_ms_2000     the dashboard's conformance read (`engine.monitoring.conformance.conformance`) over
                        2,000 procedures — its bound, MAX_PROCEDURES — of a four-step model with a gateway:
                        the instances, their events (task opened and completed, the automatic path) and the
                        token replay of each over its version; median of 5 after one warm-up; SQLite
replay_us_per_procedure the replay alone per procedure (parsed model cached), microseconds
pg_conformance_ms_2000  conformance_ms_2000 on PostgreSQL, when a server answers

Histories are the runtime's own: 20 procedures are run through the engine, then their instances and
events are copied (new ids) to 2,000 with bulk inserts.
"""

from __future__ import annotations

import statistics
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bench.common import BenchEnv
from engine.access import Actor
from engine.clock import FrozenClock
from engine.config import Settings
from engine.db.session import connect
from engine.definitions.bundle import Bundle
from engine.definitions.service import deploy
from engine.monitoring.conformance import MAX_PROCEDURES, conformance, history_of
from engine.monitoring.process_graph import parse_graph
from engine.monitoring.replay import replay
from engine.roles import Role
from engine.runtime.models import ProcessEvent, ProcessInstance, Task
from engine.services import Services, build_services
from engine.status import TaskStatus
from engine.tenancy import ensure_tenant

BUNDLE = Path(__file__).parent.parent / "tests" / "fixtures" / "bundles" / "conformance"
TENANT = "bench"
MANAGER = Actor("manager", TENANT, frozenset({Role.MANAGER}))
SEEDS = 20


def _services(url: str, workdir: Path) -> Services:
    settings = Settings.from_env(
        {},
        instance_path=workdir,
        env="test",
        scheduler="off",
        secret_key="bench",  # noqa: S106
        database_url=url,
    )
    services = build_services(settings, database=connect(url), clock=FrozenClock())
    with services.uow() as uow:
        ensure_tenant(uow, TENANT, "Bench")
        uow.commit()
    deploy(services.uow(), TENANT, Bundle.from_directory(BUNDLE), "bench", max_xml_bytes=2**21)
    return services


def _complete_open(services: Services, instance_id: uuid.UUID, data: dict[str, Any]) -> None:
    with services.uow(readonly=True) as uow:
        task = uow.session.scalars(
            select(Task).where(Task.instance_id == instance_id, Task.status == TaskStatus.OPEN)
        ).first()
    assert task is not None
    with services.uow() as uow:
        services.runtime.complete_task(uow, TENANT, task.id, data, "bench")
        uow.commit()


def _seed(services: Services) -> None:
    """20 procedures through the engine, then copies of their instances and events up to 2,000."""
    for index in range(SEEDS):
        with services.uow() as uow:
            instance_id = services.runtime.start(uow, TENANT, "conformance", {}, "bench").instance.id
            uow.commit()
        _complete_open(services, instance_id, {"keuze": "a" if index % 3 else "b"})
        if index % 4:
            _complete_open(services, instance_id, {})
            _complete_open(services, instance_id, {})
    with services.uow() as uow:
        instances = list(uow.session.scalars(select(ProcessInstance)))
        events = list(uow.session.scalars(select(ProcessEvent).order_by(ProcessEvent.id)))
        columns = [c.key for c in ProcessInstance.__table__.columns]
        event_columns = [c.key for c in ProcessEvent.__table__.columns if c.key != "id"]
        new_instances: list[dict[str, Any]] = []
        new_events: list[dict[str, Any]] = []
        for copy in range(MAX_PROCEDURES // SEEDS - 1):
            for instance in instances:
                new_id = uuid.uuid4()
                row = {c: getattr(instance, c) for c in columns}
                row.update(id=new_id, started_at=instance.started_at - timedelta(minutes=copy + 1))
                new_instances.append(row)
                for event in events:
                    if event.instance_id == instance.id:
                        values = {c: getattr(event, c) for c in event_columns}
                        values["instance_id"] = new_id
                        new_events.append(values)
        uow.session.execute(insert(ProcessInstance), new_instances)
        uow.session.execute(insert(ProcessEvent), new_events)
        uow.commit()


def _measure(services: Services) -> float:
    now = services.clock.now()
    start, end = now - timedelta(days=30), now + timedelta(days=1)

    def once() -> float:
        began = time.perf_counter()
        found = conformance(services.uow(readonly=True), MANAGER, "conformance", start, end)
        elapsed = time.perf_counter() - began
        assert found.procedures == MAX_PROCEDURES, found.procedures
        return elapsed

    once()
    return round(statistics.median(once() for _ in range(5)) * 1000, 1)


def _replay_us(services: Services) -> float:
    xml = (BUNDLE / "conformance.bpmn").read_text(encoding="utf-8")
    graph = parse_graph(xml, "conformance")
    assert graph is not None
    with services.uow(readonly=True) as uow:
        instance_id = uow.session.scalars(select(ProcessInstance.id)).first()
        rows = uow.session.execute(
            select(ProcessEvent.type, ProcessEvent.element_id, ProcessEvent.detail)
            .where(ProcessEvent.instance_id == instance_id)
            .order_by(ProcessEvent.id)
        ).all()
    history = history_of([tuple(r) for r in rows])
    rounds = 20_000
    began = time.perf_counter()
    for _ in range(rounds):
        replay(graph, history, finished=True)
    return round((time.perf_counter() - began) / rounds * 1e6, 1)


def run(env: BenchEnv) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    services = _services(env.sqlite_url("conformance"), env.workdir)
    _seed(services)
    figures["conformance_ms_2000"] = _measure(services)
    figures["replay_us_per_procedure"] = _replay_us(services)
    services.database.dispose()
    url = env.postgres_url("conformance")
    if url is not None:
        pg = _services(url, env.workdir)
        _seed(pg)
        figures["pg_conformance_ms_2000"] = _measure(pg)
        pg.database.dispose()
    return figures
