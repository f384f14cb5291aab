"""Two simultaneous completions of one task over real HTTP: one 200, one 409, nothing half-written."""

from __future__ import annotations

import http.client
import json
import threading
import uuid

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from engine.roles import Role
from engine.runtime.models import ProcessEvent, Task
from tests.api.conftest import start_three, token_of, username

ROUNDS = 4


@pytest.fixture
def server(app):
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_port
    httpd.shutdown()
    thread.join(timeout=10)


def _complete(port: int, task_id: str, barrier: threading.Barrier, results: list) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {
        "Authorization": f"Bearer {token_of(username(Role.MELDPUNT))}",
        "Content-Type": "application/json",
    }
    connection.connect()
    barrier.wait()
    connection.request(
        "POST", f"/api/v1/tasks/{task_id}/complete", json.dumps({"data": {"akkoord": True}}), headers
    )
    response = connection.getresponse()
    results.append((response.status, json.loads(response.read())))
    connection.close()


def test_two_simultaneous_completions_one_wins(api, world, server):
    for _ in range(ROUNDS):
        procedure = start_three(api)
        [task] = world.open_tasks(procedure["id"])
        barrier = threading.Barrier(2)
        results: list = []
        threads = [
            threading.Thread(target=_complete, args=(server, str(task.id), barrier, results))
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        statuses = sorted(status for status, _ in results)
        assert statuses == [200, 409], results
        loser = next(body for status, body in results if status == 409)
        assert loser["code"] in {"task_already_completed", "conflict"}
        with world.uow(readonly=True) as unit:
            instance_id = uuid.UUID(procedure["id"])
            completed = unit.session.scalar(
                select(func.count()).where(
                    ProcessEvent.instance_id == instance_id, ProcessEvent.type == "task_completed"
                )
            )
            rows = list(unit.session.scalars(select(Task).where(Task.instance_id == instance_id)))
        assert completed == 1
        assert sorted((t.element_id, t.status) for t in rows) == [
            ("task_one", "completed"),
            ("task_two", "open"),
        ]
