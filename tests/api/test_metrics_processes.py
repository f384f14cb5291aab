"""One scrape counts every process: gunicorn (with the project's settings, `api/gunicorn_conf.py`)
runs two workers that each exit after four requests, so the requests below are served by at least
three worker processes, some gone by the time of the scrape; a scheduler in yet another process
fires timers. The scrape, answered by whichever worker, adds them all up."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from engine.access import Actor
from engine.accounts.service import add_token, add_user
from engine.config import Settings
from engine.procedures.service import start_procedure
from engine.roles import Role
from engine.services import build_services
from tests.conftest import REPO
from tests.factories import deploy_bundle, fixture_bundle, make_tenant
from tests.metrics import sample, scrape

TOKEN = "wams_metrics_" + "x" * 24
REQUESTS = 12
TIMERS = 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def gunicorn(env: dict[str, str], *options: str) -> Iterator[int]:
    port = _free_port()
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "-c", "python:api.gunicorn_conf",
        "--bind", f"127.0.0.1:{port}",
        *options,
        "api.app:create_app()",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                assert process.poll() is None, (process.stderr.read() or b"").decode()[-2000:]
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)


def get(port: int, path: str) -> tuple[int, str]:
    """One request on its own connection (so a worker that reached its request limit can go)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {TOKEN}", "Connection": "close"})
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


# Multiprocess metrics are files beside the processes, not in the database: SQLite is enough here.
@pytest.mark.parametrize("backend", ["sqlite"])
def test_one_scrape_counts_every_worker_and_the_scheduler(db, uow, clock, database_url, tmp_path):
    make_tenant(uow, "utrecht")
    with uow() as unit:
        user = add_user(unit, "utrecht", "beheer", roles=[Role.ADMIN, Role.MELDPUNT])
        add_token(unit, user, "metrics", created_by="tests", secret=TOKEN)
        unit.commit()
    deploy_bundle(uow, fixture_bundle("timers"), "utrecht")
    services = build_services(Settings(env="test"), database=db, clock=clock)
    melder = Actor("beheer", "utrecht", frozenset({Role.MELDPUNT}))
    for _ in range(TIMERS):
        start_procedure(services.uow(), services.runtime, melder, {"herinneringen": 0}, process_id="timers")

    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "WAMS_DATABASE_URL": database_url,
        "WAMS_ENV": "production",
        "WAMS_SECRET_KEY": "metrics-test-secret",
        "WAMS_PSEUDONYM_KEY": "metrics-test-pseudonyms",
        "WAMS_SCHEDULER": "off",
        "WAMS_INSTANCE_PATH": str(tmp_path),
        "WAMS_LOG_LEVEL": "WARNING",
    }
    # The scheduler: its own process, the same metrics directory, a moment at which the timers are due.
    moment = (clock.now() + timedelta(hours=2, minutes=30)).isoformat()
    fired = subprocess.run(
        [sys.executable, "-m", "tests.scheduler.scheduler_process", database_url, moment, "0"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert f"done {TIMERS} 0" in fired.stdout

    with gunicorn(
        env, "--workers", "2", "--threads", "2", "--max-requests", "4", "--max-requests-jitter", "0"
    ) as port:
        answered = [get(port, "/api/v1/me")[0] for _ in range(REQUESTS)]
        assert answered == [200] * REQUESTS
        status, text = get(port, "/metrics")
    assert status == 200
    samples = scrape(text)
    me = {"method": "GET", "endpoint": "/api/v1/me", "status": "200"}
    assert sample(samples, "wams_http_requests_total", **me) == REQUESTS
    assert sample(samples, "wams_timer_fires_total") == TIMERS
    assert sample(samples, "wams_timer_lateness_seconds_count") == TIMERS
    # Due two hours after the start, fired at two and a half: half an hour late.
    assert sample(samples, "wams_timer_lateness_seconds_bucket", le="900.0") == 0
    assert sample(samples, "wams_timer_lateness_seconds_bucket", le="3600.0") == TIMERS
    assert sample(samples, "wams_scheduler_ticks_total") == 1
    # The requests were served by three worker processes at least (each exits after four).
    writers = {name.rsplit("_", 1)[1] for name in os.listdir(metrics_dir) if name.startswith("counter_")}
    assert len(writers) >= 4, writers  # three or more web workers and the scheduler
