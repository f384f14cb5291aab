"""Loops a designer draws (a back edge to a user task or to a gateway before it), driven over HTTP for
a thousand rounds on each database: the live state stays as small as in round one, the history stays
in the task rows and the event log, the loop ends when its condition turns — and a completion the
model did not make is refused (issue 20)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
from SpiffWorkflow.util.task import TaskIterator
from sqlalchemy import func, select

from engine.runtime import persist
from engine.runtime.models import ProcessEvent, ProcessInstance, Task
from engine.scheduler.models import Notification
from engine.status import TaskStatus
from tests.api.conftest import TENANT, Role
from tests.factories import deploy_bundle, fixture_bundle

ROUNDS = 1000
# The first round's live state is ~2.5 KB; a loop that keeps its rounds would pass this in round 3.
FLAT_STATE_BYTES = 8 * 1024


@pytest.fixture
def loops(api, world):
    deploy_bundle(world.uow, fixture_bundle("loops"), TENANT)
    return api


def _start(api: Any, process_id: str) -> tuple[str, list[dict[str, Any]]]:
    response = api.post("/api/v1/procedures", as_=Role.MELDPUNT, json={"process_id": process_id})
    assert response.status_code == 201, response.get_json()
    procedure_id = response.get_json()["id"]
    inbox = api.get(f"/api/v1/tasks?scope=all&procedure_id={procedure_id}", as_=Role.MELDPUNT).get_json()
    return procedure_id, inbox["items"]


def _complete(api: Any, task_id: str, data: dict[str, Any]) -> Any:
    return api.post(f"/api/v1/tasks/{task_id}/complete", as_=Role.MELDPUNT, json={"data": data})


def _instance(world: Any, procedure_id: str) -> ProcessInstance:
    with world.uow(readonly=True) as unit:
        instance = unit.session.get(ProcessInstance, uuid.UUID(procedure_id))
        assert instance is not None
        return instance


def _count(world: Any, model: Any, procedure_id: str, *where: Any) -> int:
    with world.uow(readonly=True) as unit:
        return int(
            unit.session.scalar(
                select(func.count())
                .select_from(model)
                .where(model.instance_id == uuid.UUID(procedure_id), *where)
            )
            or 0
        )


@pytest.mark.slow
@pytest.mark.parametrize(("process_id", "element"), [("loop_backedge", "ask"), ("loop_gateway", "rework")])
def test_a_thousand_rounds_stay_flat_and_end_when_the_condition_turns(loops, world, process_id, element):
    procedure_id, [task] = _start(loops, process_id)
    sizes = {}
    for round_ in range(1, ROUNDS + 1):
        assert task["element_id"] == element
        done = _complete(loops, task["id"], {"nog_een": round_ < ROUNDS})
        assert done.status_code == 200, (round_, done.get_json())
        body = done.get_json()
        if round_ < ROUNDS:
            assert body["instance"]["status"] == "running", round_
            [task] = body["next"]
        if round_ in (2, 334, ROUNDS - 1):
            sizes[round_] = len(_instance(world, procedure_id).state)
    assert body["instance"] == {"id": procedure_id, "status": "completed", "ended": True}
    assert body["next"] == []
    # Flat: round 999 keeps what round 2 kept (well past the library's quiet end near round 333).
    assert sizes[ROUNDS - 1] <= FLAT_STATE_BYTES and abs(sizes[ROUNDS - 1] - sizes[2]) < 200, sizes
    # The history is not in the live state but in the rows and the timeline: every round is there.
    done_rows = _count(world, Task, procedure_id, Task.status == TaskStatus.COMPLETED)
    completed_events = _count(world, ProcessEvent, procedure_id, ProcessEvent.type == "task_completed")
    assert (done_rows, completed_events) == (ROUNDS, ROUNDS)
    with world.uow(readonly=True) as unit:
        ended = unit.session.scalar(
            select(ProcessEvent.type).where(
                ProcessEvent.instance_id == uuid.UUID(procedure_id), ProcessEvent.type == "instance_completed"
            )
        )
    assert ended == "instance_completed"


@pytest.mark.slow
def test_a_loop_inside_a_parallel_branch(loops, world):
    procedure_id, tasks = _start(loops, "loop_parallel")
    by_element = {t["element_id"]: t for t in tasks}
    assert set(by_element) == {"ask", "other"}
    task = by_element["ask"]
    rounds = 400  # past the round (~333) at which the library used to end such a loop on its own
    for round_ in range(1, rounds):
        done = _complete(loops, task["id"], {"nog_een": True})
        assert done.status_code == 200, (round_, done.get_json())
        [task] = done.get_json()["next"]
        assert task["element_id"] == "ask"
    assert len(_instance(world, procedure_id).state) <= FLAT_STATE_BYTES
    # The other branch still waits, untouched by the loop beside it.
    other = _complete(loops, by_element["other"]["id"], {"akkoord": True})
    assert other.status_code == 200 and other.get_json()["next"] == [], other.get_json()
    last = _complete(loops, task["id"], {"nog_een": False})
    assert last.status_code == 200, last.get_json()
    [after] = last.get_json()["next"]
    assert after["element_id"] == "after"  # the join waited for both branches, then went on
    end = _complete(loops, after["id"], {"akkoord": True})
    assert end.get_json()["instance"]["status"] == "completed"


def _walk_depth(monkeypatch: pytest.MonkeyPatch, depth: int) -> None:
    """Set the depth at which the library's tree walks stop (1,000 in SpiffWorkflow 3.x)."""
    for iterator in (TaskIterator, BpmnTaskIterator):
        defaults = list(iterator.__init__.__defaults__ or ())
        defaults[defaults.index(1000)] = depth
        monkeypatch.setattr(iterator.__init__, "__defaults__", tuple(defaults))


def _refused_at(loops: Any, world: Any, services: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """Drive the three-task back-edge loop without the pruning (as instances were stored before it)
    until the engine refuses a completion; check what the refusal leaves; the round it came in."""
    monkeypatch.setattr(persist, "prune", lambda workflow: 0)
    services.runtime.max_state_bytes = 64 * 1024 * 1024
    procedure_id, [task] = _start(loops, "loop_gateway")  # merge, rework, again: three tasks a round
    refused = None
    for round_ in range(1, 400):
        before = _instance(world, procedure_id)
        done = _complete(loops, task["id"], {"nog_een": True})
        if done.status_code != 200:
            refused = done
            break
        assert done.get_json()["instance"]["status"] == "running", round_
        [task] = done.get_json()["next"]
    assert refused is not None, "the library did not end the loop on its own"
    problem = refused.get_json()
    assert refused.status_code == 422 and problem["code"] == "process_error", problem
    after = _instance(world, procedure_id)
    assert after.status == "error" and after.ended_at is None
    assert after.error is not None and after.error["cause"] == "unexpected_end"
    element = after.error["element"]
    assert element in {"merge", "rework", "again"}, after.error  # where the token was left
    assert "no end event ended it" in problem["detail"] and element in problem["detail"], problem
    assert after.state == before.state  # the last good state
    # The task the person completed is still open: nothing of the refused step was kept.
    with world.uow(readonly=True) as unit:
        row = unit.session.get(Task, uuid.UUID(task["id"]))
        assert row is not None and row.status == TaskStatus.OPEN
        [note] = unit.session.scalars(
            select(Notification).where(Notification.instance_id == uuid.UUID(procedure_id))
        ).all()
    assert (note.kind, note.role) == ("instance_error", Role.MANAGER.value) and element in note.title
    assert _count(world, ProcessEvent, procedure_id, ProcessEvent.type == "instance_error") == 1
    assert _count(world, ProcessEvent, procedure_id, ProcessEvent.type == "instance_completed") == 0
    shown = loops.get(f"/api/v1/procedures/{procedure_id}", as_=Role.MANAGER).get_json()
    assert shown.get("status") != "closed", shown
    return round_, element


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"])  # 333 rounds of a growing state; PostgreSQL below
def test_the_library_ending_a_loop_on_its_own_at_round_333_is_refused(loops, world, services, monkeypatch):
    """SpiffWorkflow's tree walks stop at depth 1,000: in round 333 it finds no task left and calls
    the workflow completed although the loop condition holds. The engine refuses that: the command
    fails, the last good state is kept, the instance is in error naming the element, and the
    managers are told."""
    assert _refused_at(loops, world, services, monkeypatch) == (333, "merge")


def test_the_quiet_end_is_refused_on_every_database(loops, world, services, monkeypatch):
    """The same quiet end, reached sooner by lowering the library's walk depth to 60: refused alike
    (the instance put in error after the rollback, on PostgreSQL's row locks too)."""
    _walk_depth(monkeypatch, 60)
    assert _refused_at(loops, world, services, monkeypatch)[0] == 20
