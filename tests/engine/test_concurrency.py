"""One command per instance at a time: racing completions, and crashes that leave nothing half-written."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from engine.errors import Conflict
from engine.runtime.models import ProcessEvent, ProcessInstance, Task
from engine.runtime.service import Runtime
from engine.status import TaskStatus
from tests.factories import deploy_bundle, fixture_bundle, make_tenant


@pytest.fixture
def started(uow):
    make_tenant(uow)
    deploy_bundle(uow, fixture_bundle("three_tasks"))
    runtime = Runtime()
    with uow() as unit:
        instance_id = runtime.start(unit, "utrecht", "three_tasks", {}, "a").instance.id
        unit.commit()
    with uow(readonly=True) as unit:
        task_id = unit.session.scalar(select(Task.id).where(Task.instance_id == instance_id))
    return runtime, instance_id, task_id


def _counts(uow, instance_id):
    with uow(readonly=True) as unit:
        completed = unit.session.scalar(
            select(func.count())
            .select_from(ProcessEvent)
            .where(ProcessEvent.instance_id == instance_id, ProcessEvent.type == "task_completed")
        )
        open_tasks = unit.session.scalars(
            select(Task.element_id).where(Task.instance_id == instance_id, Task.status == TaskStatus.OPEN)
        ).all()
        version = unit.session.get(ProcessInstance, instance_id).version
    return completed, open_tasks, version


@pytest.mark.parametrize("racers", [2, 4])
def test_racing_completions_one_wins_the_others_get_a_conflict(uow, started, racers):
    runtime, instance_id, task_id = started
    version_before = _counts(uow, instance_id)[2]
    barrier = threading.Barrier(racers)
    results: list[str] = []
    lock = threading.Lock()

    def complete(name: str) -> None:
        unit = uow()
        barrier.wait()
        try:
            with unit:
                runtime.complete_task(unit, "utrecht", task_id, {"akkoord": True}, name)
                unit.commit()
            outcome = "ok"
        except Conflict as exc:  # TaskAlreadyCompleted is a Conflict
            outcome = exc.code
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=complete, args=(f"user{i}",)) for i in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results.count("ok") == 1
    assert set(results) - {"ok"} <= {"task_already_completed", "conflict"}
    completed, open_tasks, version = _counts(uow, instance_id)
    assert (completed, open_tasks) == (1, ["task_two"])
    assert version == version_before + 1  # exactly one write of the instance


def test_a_crash_mid_command_leaves_the_previous_state_intact(uow, started):
    runtime, instance_id, task_id = started
    before = _counts(uow, instance_id)

    class Crash(RuntimeError):
        pass

    class CrashingHook:
        def prepare_submission(self, uow, instance, task, form, data, actor, context):
            return data

        def after_step(self, uow, outcome, actor):
            raise Crash("power failure after the engine step")

    crashing = Runtime(hooks=[CrashingHook()])
    with pytest.raises(Crash), uow() as unit:
        crashing.complete_task(unit, "utrecht", task_id, {"akkoord": True}, "a")
        unit.commit()
    assert _counts(uow, instance_id) == before
    with uow() as unit:  # and the task can still be completed normally afterwards
        runtime.complete_task(unit, "utrecht", task_id, {"akkoord": True}, "a")
        unit.commit()
    assert _counts(uow, instance_id)[0] == 1
