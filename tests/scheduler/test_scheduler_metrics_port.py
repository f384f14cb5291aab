"""`wams scheduler --metrics-port N`: the scheduler, a service of its own (another container than the
web app), answers GET /metrics itself with its figures and its fire workers' (other processes): timers
fired, their lateness histogram, the due backlog, ticks. With a token it answers only that token."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.access import Actor
from engine.accounts.service import add_user
from engine.config import Settings
from engine.procedures.service import start_procedure
from engine.roles import Role
from engine.services import build_services
from tests.conftest import REPO
from tests.factories import deploy_bundle, fixture_bundle, make_tenant
from tests.metrics import sample, scrape

TIMERS = 3
TOKEN = "scheduler-metrics-" + "y" * 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(port: int, token: str | None = TOKEN) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        connection.request("GET", "/metrics", headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


@pytest.mark.parametrize("workers", [1, 2])
def test_the_scheduler_serves_its_own_and_its_workers_metrics(
    db, uow, clock, database_url, backend, tmp_path, workers
):
    if workers > 1 and backend != "postgresql":
        pytest.skip("fire workers need PostgreSQL")
    # Timers due two hours after the start: start three hours ago, so the scheduler finds them due
    # about an hour late by the system clock it runs on.
    clock.set(datetime.now(UTC) - timedelta(hours=3))
    make_tenant(uow, "utrecht")
    with uow() as unit:
        add_user(unit, "utrecht", "melder", roles=[Role.MELDPUNT])
        unit.commit()
    deploy_bundle(uow, fixture_bundle("timers"), "utrecht")
    services = build_services(Settings(env="test"), database=db, clock=clock)
    melder = Actor("melder", "utrecht", frozenset({Role.MELDPUNT}))
    for _ in range(TIMERS):
        start_procedure(services.uow(), services.runtime, melder, {"herinneringen": 0}, process_id="timers")

    port = _free_port()
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"},
        "TMPDIR": str(temporary),
        "WAMS_DATABASE_URL": database_url,
        "WAMS_ENV": "production",
        "WAMS_SECRET_KEY": "metrics-test-secret",
        "WAMS_PSEUDONYM_KEY": "metrics-test-pseudonyms",
        "WAMS_INSTANCE_PATH": str(tmp_path),
        "WAMS_LOG_LEVEL": "WARNING",
        "WAMS_SCHEDULER_WORKERS": str(workers),
        "WAMS_SCHEDULER_METRICS_TOKEN": TOKEN,
    }
    wams = str(Path(sys.executable).parent / "wams")
    process = subprocess.Popen(
        [wams, "scheduler", "--metrics-port", str(port)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        samples: dict = {}
        while time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()
            try:
                status, text = _get(port)
            except OSError:
                time.sleep(0.1)
                continue
            assert status == 200, text
            samples = scrape(text)
            # A tick counts itself when it ends, after its fires.
            if sample(samples, "wams_timer_fires_total") >= TIMERS and sample(
                samples, "wams_scheduler_ticks_total"
            ):
                break
            time.sleep(0.2)
        assert sample(samples, "wams_timer_fires_total") == TIMERS, samples
        assert sample(samples, "wams_timer_lateness_seconds_count") == TIMERS
        # About an hour late: none within 15 minutes.
        assert sample(samples, "wams_timer_lateness_seconds_bucket", le="900.0") == 0
        assert sample(samples, "wams_timer_lateness_seconds_bucket", le="+Inf") == TIMERS
        assert sample(samples, "wams_scheduler_ticks_total") >= 1
        assert ("wams_scheduler_due_timers", frozenset()) in samples  # the backlog gauge is there
        assert sample(samples, "wams_scheduler_last_tick_timestamp_seconds") > 0

        refused, body = _get(port, token=None)
        assert refused == 401 and "WAMS_SCHEDULER_METRICS_TOKEN" in body
        assert _get(port, token="wrong")[0] == 401
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert f"metrics on http://127.0.0.1:{port}/metrics" in out
    # The directory the command made for its multiprocess files is gone with it.
    assert list(temporary.iterdir()) == []
