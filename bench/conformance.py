"""Practice against the model (issue 18: conformance and variants on the manager dashboard).

A year of a large municipality: 7,000 procedures of a four-step model with a gateway, a quarter still
running. The read is the dashboard's (`engine.monitoring.conformance.conformance`, keeping what it
replays in a write transaction, as the API does); SQLite, then PostgreSQL as `pg_…` when a server answers.

conformance_ms_7000_cold   no outcome kept yet (the first view after this code is deployed): every
                           procedure's events read and replayed, the outcomes kept; median of 3
conformance_ms_7000_warm   the same view again: the kept outcomes summed, nothing replayed; median of 5
conformance_ms_7000_moved  again after 70 running procedures (1%) moved on (their row version bumped,
                           as every engine step does): those 70 replayed and kept anew; median of 5
distinct_outcomes          the distinct outcomes stored (each once; the procedures point at them)
replay_us_per_procedure    the replay alone per procedure (parsed model cached), microseconds

Histories are the runtime's own: 20 procedures are run through the engine, then their instances and
events are copied (new ids) to 7,000 with bulk inserts.
"""

from __future__ import annotations

import statistics
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from bench.common import BenchEnv
from engine.access import Actor
from engine.clock import FrozenClock
from engine.config import Settings
from engine.db.session import connect
from engine.definitions.bundle import Bundle
from engine.definitions.service import deploy
from engine.monitoring.conformance import conformance, history_of
from engine.monitoring.models import ConformanceOutcome, ConformanceSummary
from engine.monitoring.process_graph import parse_graph
from engine.monitoring.replay import replay
from engine.roles import Role
from engine.runtime.models import ProcessEvent, ProcessInstance, Task
from engine.services import Services, build_services
from engine.status import InstanceStatus, TaskStatus
from engine.tenancy import ensure_tenant

BUNDLE = Path(__file__).parent.parent / "tests" / "fixtures" / "bundles" / "conformance"
TENANT = "bench"
MANAGER = Actor("manager", TENANT, frozenset({Role.MANAGER}))
SEEDS = 20
PROCEDURES = 7000
MOVED = 70


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
    """20 procedures through the engine, then copies of their instances and events up to 7,000."""
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
        for copy in range(PROCEDURES // SEEDS - 1):
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


def _measure(services: Services) -> dict[str, float]:
    now = services.clock.now()
    start, end = now - timedelta(days=365), now + timedelta(days=1)

    def once() -> float:
        began = time.perf_counter()
        found = conformance(
            services.uow(readonly=True), MANAGER, "conformance", start, end, keep=services.uow()
        )
        elapsed = time.perf_counter() - began
        assert (found.procedures, found.truncated) == (PROCEDURES, False), found.procedures
        return elapsed

    def forget_all() -> None:
        with services.uow() as uow:
            uow.session.execute(delete(ConformanceSummary))
            uow.commit()

    def move_some() -> None:
        with services.uow() as uow:
            moved = (
                select(ProcessInstance.id)
                .where(ProcessInstance.status == InstanceStatus.RUNNING)
                .limit(MOVED)
            )
            uow.session.execute(
                update(ProcessInstance)
                .where(ProcessInstance.id.in_(moved.scalar_subquery()))
                .values(version=ProcessInstance.version + 1)
            )
            uow.commit()

    def ms(values: list[float]) -> float:
        return round(statistics.median(values) * 1000, 1)

    cold = []
    for _ in range(3):
        forget_all()
        cold.append(once())
    warm = [once() for _ in range(5)]
    moved = []
    for _ in range(5):
        move_some()
        moved.append(once())
    with services.uow(readonly=True) as uow:
        distinct = uow.session.scalar(select(func.count()).select_from(ConformanceOutcome))
    return {
        "conformance_ms_7000_cold": ms(cold),
        "conformance_ms_7000_warm": ms(warm),
        "conformance_ms_7000_moved": ms(moved),
        "distinct_outcomes": int(distinct or 0),
    }


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
    figures.update(_measure(services))
    figures["replay_us_per_procedure"] = _replay_us(services)
    services.database.dispose()
    url = env.postgres_url("conformance")
    if url is not None:
        pg = _services(url, env.workdir)
        _seed(pg)
        figures.update({f"pg_{k}": v for k, v in _measure(pg).items()})
        pg.database.dispose()
    return figures
