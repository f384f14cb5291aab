"""Migration figures (issue 15: moving running procedures to a new version). PostgreSQL only.

migrate_per_s   procedures moved per second by `engine.migration.batch.run_batch` (batches of 200,
                each procedure in its own transaction under its instance lock: restored from its
                stored state, moved, re-checked against the target's specs, written with its open
                task row and a `migrated` timeline event). Target >= 200.
dry_run_per_s   procedures checked per second by the dry run (the same work, rolled back).
cpu_ms_per_procedure  this process's CPU time per procedure moved (Python side only; the database's
                work is not in it), and `load_1m`, the machine's load average when the run ended:
                on a shared, busy machine the rate above mostly measures waiting for the database.

The process is tests/fixtures/bundles/three_tasks; version 2 renames `task_two` (the plan maps it),
changes the role and due date of `task_one` and the name of `task_three`. 2,000 procedures are
started through the engine, half waiting at task_one and half at task_two.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bench.common import BenchEnv, settle_postgres
from engine.access import Actor
from engine.clock import FrozenClock
from engine.config import Settings
from engine.db.session import connect
from engine.definitions.bundle import Bundle
from engine.definitions.service import deploy
from engine.migration.batch import dry_run, run_batch
from engine.migration.plan import MigrationPlan
from engine.roles import Role
from engine.runtime.models import Task
from engine.services import Services, build_services
from engine.status import TaskStatus
from engine.tenancy import ensure_tenant

TENANT = "bench"
BUNDLE = Path(__file__).parent.parent / "tests" / "fixtures" / "bundles" / "three_tasks"
PROCEDURES = 2_000
BATCH = 200


def _bundles() -> tuple[Bundle, Bundle]:
    one = Bundle.from_directory(BUNDLE)
    files = dict(one.files)
    xml = files["three_tasks.bpmn"].decode()
    xml = (
        xml.replace('"task_two"', '"task_two_new"')
        .replace(
            "<bpmn:flowNodeRef>task_two</bpmn:flowNodeRef>",
            "<bpmn:flowNodeRef>task_two_new</bpmn:flowNodeRef>",
        )
        .replace('targetRef="task_two"', 'targetRef="task_two_new"')
        .replace('sourceRef="task_two"', 'sourceRef="task_two_new"')
        .replace('camunda:dueDate="P2D"', 'camunda:dueDate="P3D" camunda:candidateGroups="coordinator"')
        .replace('name="Derde stap"', 'name="Derde stap (nieuw)"')
    )
    files["three_tasks.bpmn"] = xml.encode()
    return one, Bundle(files)


def _services(url: str, env: BenchEnv) -> Services:
    settings = Settings.from_env({}, env="test", database_url=url, instance_path=env.workdir)
    return build_services(settings, database=connect(url, pool_size=4), clock=FrozenClock())


def _start(services: Services) -> None:
    runtime = services.runtime
    for _ in range(0, PROCEDURES, 100):
        with services.uow() as uow:
            for _one in range(100):
                runtime.start(uow, TENANT, "three_tasks", {}, "bench")
            uow.commit()
    # half of them one step on
    with services.uow(readonly=True) as uow:
        open_tasks = list(uow.session.scalars(select(Task.id).where(Task.status == TaskStatus.OPEN)))
    for task_id in open_tasks[: PROCEDURES // 2]:
        with services.uow() as uow:
            runtime.complete_task(uow, TENANT, task_id, {"akkoord": True}, "bench")
            uow.commit()


def run(env: BenchEnv) -> dict[str, Any]:
    url = env.postgres_url("migration")
    if url is None:
        return {"skipped": "no PostgreSQL server"}
    services = _services(url, env)
    with services.uow() as uow:
        ensure_tenant(uow, TENANT, "Bench")
        uow.commit()
    one, two = _bundles()
    deploy(services.uow(), TENANT, one, "bench", max_xml_bytes=2**21)
    _start(services)
    deploy(services.uow(), TENANT, two, "bench", max_xml_bytes=2**21)
    actor = Actor("bench", TENANT, frozenset({Role.ADMIN}))
    plan = MigrationPlan(
        "three_tasks", 1, 2, {"task_one": "task_one", "task_two": "task_two_new", "task_three": "task_three"}
    )
    units = lambda: services.uow(tenant_id=TENANT)  # noqa: E731
    settle_postgres(url)

    began = time.perf_counter()
    checked = dry_run(units, services.runtime, actor, plan, limit=PROCEDURES)
    dry_s = time.perf_counter() - began
    assert len(checked.moved) == PROCEDURES, [r.blockers for r in checked.refused][:3]

    moved = 0
    cpu = time.process_time()
    began = time.perf_counter()
    while True:
        report = run_batch(units, services.runtime, actor, plan, batch_size=BATCH)
        moved += len(report.moved)
        if report.remaining == 0 or not report.results:
            break
    run_s = time.perf_counter() - began
    cpu_s = time.process_time() - cpu
    assert moved == PROCEDURES, moved
    services.database.dispose()
    return {
        "procedures": PROCEDURES,
        "batch": BATCH,
        "migrate_per_s": round(moved / run_s, 1),
        "dry_run_per_s": round(PROCEDURES / dry_s, 1),
        "cpu_ms_per_procedure": round(cpu_s * 1000 / moved, 2),
        "load_1m": round(os.getloadavg()[0], 1),
    }
