"""Growing a municipality's installation: two app servers and two schedulers on one PostgreSQL database
(the one shared part), clients on both servers. Each procedure a client started is there, each task
was completed once (the second of two racing completions on different servers is refused), each due
timer fired once, and a token revoked on one server is refused by the other at once."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from engine.access import Actor
from engine.accounts.models import User
from engine.accounts.service import add_token, add_user
from engine.clock import FrozenClock
from engine.config import Settings
from engine.procedures.service import start_procedure
from engine.roles import Role
from engine.runtime.models import ProcessEvent, ProcessInstance
from engine.services import build_services
from engine.status import InstanceStatus
from tests.api.test_metrics_processes import gunicorn
from tests.conftest import REPO
from tests.factories import deploy_bundle, fixture_bundle, make_tenant

TOKEN = "wams_scale_" + "x" * 24
CLIENTS = 4
PROCEDURES_PER_CLIENT = 4
TIMERS = 30
WAIT_SECONDS = 90


class Client:
    """One connection per request: a kept-alive connection that the server closed while idle (its
    keep-alive is 2 s; a loaded machine can be slower between two calls) would fail the next request
    before the server saw it, which says nothing about losing or doubling work."""

    def __init__(self, port: int, token: str = TOKEN) -> None:
        self.port = port
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Connection": "close",
        }

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(
                method, path, body=json.dumps(body) if body is not None else None, headers=self.headers
            )
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        return response.status, json.loads(data) if data else None

    def close(self) -> None:
        pass


def _scheduler(env: dict[str, str]) -> subprocess.Popen[bytes]:
    wams = str(Path(sys.executable).parent / "wams")
    return subprocess.Popen(
        [wams, "scheduler"], cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


@pytest.mark.parametrize("backend", ["postgresql"])
def test_two_servers_and_two_schedulers_lose_and_double_nothing(db, uow, database_url, tmp_path):
    make_tenant(uow, "utrecht")
    with uow() as unit:
        user = add_user(unit, "utrecht", "schaal", roles=[Role.MELDPUNT, Role.ASSESSOR, Role.ADMIN])
        add_token(unit, user, "scale", created_by="tests", secret=TOKEN)
        unit.commit()
    for bundle in ("three_tasks", "timers"):
        deploy_bundle(uow, fixture_bundle(bundle), "utrecht")
    # Timers that fall due while the test runs: started "two hours ago", over the next few seconds.
    melder = Actor("schaal", "utrecht", frozenset({Role.MELDPUNT}))
    timer_ids = []
    for index in range(TIMERS):
        moment = datetime.now(UTC) - timedelta(hours=2) + timedelta(seconds=2 + index * 0.1)
        past = build_services(Settings(env="test"), database=db, clock=FrozenClock(moment))
        started = start_procedure(past.uow(), past.runtime, melder, {"herinneringen": 0}, process_id="timers")
        timer_ids.append(started.id)

    env = {
        **os.environ,
        "WAMS_DATABASE_URL": database_url,
        "WAMS_ENV": "production",
        "WAMS_SECRET_KEY": "scale-test-secret",
        "WAMS_PSEUDONYM_KEY": "scale-test-pseudonyms",
        "WAMS_SCHEDULER": "off",
        "WAMS_SCHEDULER_TICK_SECONDS": "0.2",
        "WAMS_INSTANCE_PATH": str(tmp_path),
        "WAMS_LOG_LEVEL": "WARNING",
    }
    schedulers = [_scheduler(env) for _ in range(2)]
    options = ("--workers", "1", "--threads", "4")
    try:
        with gunicorn(env, *options) as first, gunicorn(env, *options) as second:
            ports = (first, second)
            started_ids, completed, refused, errors = _clients(ports)
            revoked_at_once = _revoke_on_one_refused_on_other(ports, db, uow)
            _wait_for_timers(db, timer_ids)
            health = Client(first).call("GET", "/healthz")[1]["scheduler"]
    finally:
        for process in schedulers:
            process.send_signal(signal.SIGTERM)
        for process in schedulers:
            process.wait(timeout=30)

    assert errors == []
    assert len(started_ids) == CLIENTS * PROCEDURES_PER_CLIENT
    with uow(readonly=True) as unit:
        statuses = dict(
            unit.session.execute(
                select(ProcessInstance.id, ProcessInstance.status).where(ProcessInstance.id.in_(started_ids))
            ).all()
        )
        completions = Counter(
            unit.session.scalars(
                select(ProcessEvent.task_id).where(
                    ProcessEvent.type == "task_completed", ProcessEvent.instance_id.in_(started_ids)
                )
            )
        )
        fired = Counter(
            unit.session.scalars(
                select(ProcessEvent.instance_id).where(
                    ProcessEvent.type == "timers_fired", ProcessEvent.instance_id.in_(timer_ids)
                )
            )
        )
    # Nothing lost: every procedure a client was told of exists and ran to its end.
    assert statuses == dict.fromkeys(started_ids, InstanceStatus.COMPLETED)
    # Nothing doubled: three completions a procedure, each task once; each racing pair had one refusal.
    assert len(completions) == 3 * len(started_ids) and set(completions.values()) == {1}
    assert completed == 3 * len(started_ids) and refused == len(started_ids)
    assert fired == dict.fromkeys(timer_ids, 1)
    assert revoked_at_once
    assert health["state"] == "running" and health["schedulers"] == 2


def _clients(ports: tuple[int, int]) -> tuple[list[uuid.UUID], int, int, list[str]]:
    """Each client starts procedures on one server and completes their tasks on both: the first task
    on both servers at once (one must win, the other get 409), the next ones alternating."""
    started: list[uuid.UUID] = []
    counts = {"completed": 0, "refused": 0}
    errors: list[str] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        clients = [Client(ports[index % 2]), Client(ports[(index + 1) % 2])]
        try:
            for _ in range(PROCEDURES_PER_CLIENT):
                status, body = clients[0].call("POST", "/api/v1/procedures", {"process_id": "three_tasks"})
                if status != 201:
                    raise AssertionError(f"start answered {status}: {body}")
                procedure_id = uuid.UUID(body["id"])
                with lock:
                    started.append(procedure_id)
                _, inbox = clients[1].call(
                    "GET", f"/api/v1/tasks?scope=available&procedure_id={procedure_id}"
                )
                task_id = inbox["items"][0]["id"]
                answers: list[tuple[int, Any]] = []
                racer_clients = [Client(ports[0]), Client(ports[1])]
                path = f"/api/v1/tasks/{task_id}/complete"
                racers = [
                    threading.Thread(target=_complete_into, args=(c, path, answers)) for c in racer_clients
                ]
                for racer in racers:
                    racer.start()
                for racer in racers:
                    racer.join()
                for racer_client in racer_clients:
                    racer_client.close()
                statuses = sorted(status for status, _ in answers)
                if statuses != [200, 409]:
                    raise AssertionError(f"racing completions answered {statuses}")
                following = next(body for status, body in answers if status == 200)["next"]
                with lock:
                    counts["completed"] += 1
                    counts["refused"] += 1
                turn = 0
                while following:
                    status, body = clients[turn % 2].call(
                        "POST", f"/api/v1/tasks/{following[0]['id']}/complete", {"data": {"akkoord": True}}
                    )
                    if status != 200:
                        raise AssertionError(f"completion answered {status}: {body}")
                    with lock:
                        counts["completed"] += 1
                    following, turn = body["next"], turn + 1
        except Exception as exc:  # reported by the test
            errors.append(repr(exc))
        finally:
            for client in clients:
                client.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT_SECONDS)
    return started, counts["completed"], counts["refused"], errors


def _complete_into(client: Client, path: str, answers: list[tuple[int, Any]]) -> None:
    answers.append(client.call("POST", path, {"data": {"akkoord": True}}))


def _revoke_on_one_refused_on_other(ports: tuple[int, int], db, uow) -> bool:
    with uow() as unit:
        user = unit.session.scalar(select(User).where(User.username == "schaal"))
        issued = add_token(unit, user, "short", created_by="tests")
        unit.commit()
    on_first, on_second = Client(ports[0], issued.secret), Client(ports[1], issued.secret)
    try:
        assert on_second.call("GET", "/api/v1/me")[0] == 200
        status, _ = on_first.call("DELETE", f"/api/v1/tokens/{issued.token.id}")
        return status == 204 and on_second.call("GET", "/api/v1/me")[0] == 401
    finally:
        on_first.close()
        on_second.close()


def _wait_for_timers(db, timer_ids: list[uuid.UUID]) -> None:
    """Until every timer instance has fired (they fall due a few seconds after the start)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        with db.session(readonly=True) as session:
            fired = set(
                session.scalars(
                    select(ProcessEvent.instance_id).where(
                        ProcessEvent.type == "timers_fired", ProcessEvent.instance_id.in_(timer_ids)
                    )
                )
            )
        if fired == set(timer_ids):
            time.sleep(1.0)  # a second firing, if there were one, would have happened by now
            return
        time.sleep(0.2)
