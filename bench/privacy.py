"""Privacy figures (issue 6: privacy core).

log_overhead_pct          extra cost of the processing log on task detail reads: `GET /api/v1/tasks/{id}`
                          (bearer token, in-process WSGI client, the case context discloses two subjects:
                          two log lines, one commit), median with the log vs. median with the log writer
                          switched off, calls interleaved; SQLite
task_detail_ms            median of that read with the log; task_detail_nolog_ms without
engine_log_overhead_pct   the same at the engine level (`engine.tasks.queries.task_detail` alone: no HTTP,
                          no authentication, no serialization), the strictest view of the log's cost
engine_task_detail_ms     median engine-level read with the log
pg_log_overhead_pct       log_overhead_pct on PostgreSQL, when a server answers (pg_engine_… likewise)
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bench.common import BenchEnv, median_ms
from engine.access import Actor
from engine.accounts.service import add_token, add_user
from engine.clock import FrozenClock
from engine.config import Settings
from engine.db.session import connect
from engine.definitions.bundle import Bundle
from engine.definitions.service import deploy
from engine.privacy import log as privacy_log
from engine.procedures.service import start_procedure
from engine.roles import Role
from engine.runtime.models import Task
from engine.services import Services, build_services
from engine.status import TaskStatus
from engine.tasks.queries import task_detail
from engine.tenancy import ensure_tenant

BUNDLE = Path(__file__).parent.parent / "tests" / "fixtures" / "bundles" / "privacy_wams"
SAMPLES = 400
WARMUP = 40
MELDPUNT = Actor("meldpunt", "bench", frozenset({Role.MELDPUNT}))
COORDINATOR = Actor("regisseur", "bench", frozenset({Role.COORDINATOR}))
MELDING = {
    "ingang": "professional",
    "client": {"naam": "Bench Client", "bsn": "111222333"},
    "gezinsleden": [{"naam": "Bench Kind", "relatie": "zoon"}],
    "zorgen": "zorgen",
    "huurschuld": 1000,
    "hulpverlening": "wijkteam",
    "partij": "wijkteam",
    "arts": "ggz_instelling",
    "doel": "bench",
}


TOKEN = "wams_bench_privacy_" + "x" * 24


def _services(url: str, workdir: Path) -> Services:
    settings = Settings.from_env(
        {},
        instance_path=workdir,
        env="test",
        database_url=url,
        scheduler="off",
        secret_key="bench",  # noqa: S106
    )
    services = build_services(settings, database=connect(url), clock=FrozenClock())
    with services.uow() as uow:
        ensure_tenant(uow, "bench", "Bench")
        user = add_user(uow, "bench", COORDINATOR.username, roles=[Role.COORDINATOR])
        add_token(uow, user, "bench", created_by="bench", secret=TOKEN)
        uow.commit()
    deploy(services.uow(), "bench", Bundle.from_directory(BUNDLE), "bench", max_xml_bytes=2**21)
    return services


def _task(services: Services) -> uuid.UUID:
    procedure = start_procedure(
        services.uow(), services.runtime, MELDPUNT, dict(MELDING), process_id="privacy_wams"
    )
    with services.uow(readonly=True) as uow:
        task_id = uow.session.scalar(
            select(Task.id).where(Task.instance_id == procedure.id, Task.status == TaskStatus.OPEN)
        )
    assert task_id is not None
    return task_id


@contextmanager
def _log_off() -> Iterator[None]:
    original = privacy_log.append_lines
    privacy_log.append_lines = lambda uow, lines: None  # type: ignore[assignment]
    try:
        yield
    finally:
        privacy_log.append_lines = original  # type: ignore[assignment]


def _interleaved(read: Callable[[], None]) -> tuple[float, float]:
    """Median seconds of `read` with and without the log, measured alternately."""

    def once(log: bool) -> float:
        began = time.perf_counter()
        if log:
            read()
        else:
            with _log_off():
                read()
        return time.perf_counter() - began

    for _ in range(WARMUP):
        once(True)
        once(False)
    logged, bare = [], []
    for _ in range(SAMPLES):
        logged.append(once(True))
        bare.append(once(False))
    return statistics.median(logged), statistics.median(bare)


def _engine_read(services: Services, task_id: uuid.UUID) -> Callable[[], None]:
    def read() -> None:
        detail = task_detail(services.uow(readonly=True), COORDINATOR, task_id)
        assert detail.context is not None and len([s for s in detail.context.subjects if s.facts]) == 2

    return read


def _http_read(services: Services, task_id: uuid.UUID) -> Callable[[], None]:
    from api.app import create_app

    client = create_app(services.settings, services=services).test_client()
    headers = {"Authorization": f"Bearer {TOKEN}"}

    def read() -> None:
        response = client.get(f"/api/v1/tasks/{task_id}", headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)

    return read


def _overhead(with_log: float, without: float) -> float:
    return round((with_log - without) / without * 100, 1)


def _figures(services: Services, prefix: str) -> dict[str, Any]:
    task_id = _task(services)
    http_with, http_without = _interleaved(_http_read(services, task_id))
    engine_with, engine_without = _interleaved(_engine_read(services, task_id))
    return {
        f"{prefix}log_overhead_pct": _overhead(http_with, http_without),
        f"{prefix}task_detail_ms": median_ms([http_with]),
        f"{prefix}task_detail_nolog_ms": median_ms([http_without]),
        f"{prefix}engine_log_overhead_pct": _overhead(engine_with, engine_without),
        f"{prefix}engine_task_detail_ms": median_ms([engine_with]),
        f"{prefix}engine_task_detail_nolog_ms": median_ms([engine_without]),
    }


def run(env: BenchEnv) -> dict[str, Any]:
    services = _services(env.sqlite_url("privacy"), env.workdir)
    figures = _figures(services, "")
    services.database.dispose()
    figures["samples"] = SAMPLES
    figures["log_meets_target"] = figures["log_overhead_pct"] <= 20
    url = env.postgres_url("privacy")
    if url is not None:
        pg = _services(url, env.workdir)
        figures.update(_figures(pg, "pg_"))
        figures["pg_log_meets_target"] = figures["pg_log_overhead_pct"] <= 20
        pg.database.dispose()
    return figures
