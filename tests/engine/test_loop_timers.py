"""A boundary timer in a pruned loop keeps working through the engine: after hundreds of rounds (past
the library's quiet end) the timer of the current round is the one waiting, is due a day after that
round began, fires through the scheduler's command and sends the flow round again."""

from __future__ import annotations

from sqlalchemy import select

from engine.runtime.models import ProcessInstance, Task
from engine.runtime.service import Runtime
from engine.status import InstanceStatus, TaskStatus
from tests.factories import deploy_bundle, fixture_bundle, make_tenant


def _open(uow, instance_id) -> list[Task]:
    with uow(readonly=True) as unit:
        return list(
            unit.session.scalars(
                select(Task).where(Task.instance_id == instance_id, Task.status == TaskStatus.OPEN)
            )
        )


def test_a_boundary_timer_fires_after_hundreds_of_pruned_rounds(uow, clock):
    make_tenant(uow)
    deploy_bundle(uow, fixture_bundle("loops"))
    runtime = Runtime()
    with uow() as unit:
        instance_id = runtime.start(unit, "utrecht", "loop_reminder", {}, "a").instance.id
        unit.commit()
    sizes = []
    for _ in range(400):
        [task] = _open(uow, instance_id)
        assert task.element_id == "ask"
        clock.advance(minutes=1)
        with uow() as unit:
            outcome = runtime.complete_task(unit, "utrecht", task.id, {"nog_een": True}, "a")
            unit.commit()
        sizes.append(len(outcome.instance.state))
    assert max(sizes) - min(sizes) < 100 and max(sizes) < 8192
    began = clock.now()
    with uow(readonly=True) as unit:
        instance = unit.session.get(ProcessInstance, instance_id)
        assert (
            instance.next_timer_due is not None
            and abs((instance.next_timer_due - began).total_seconds() - 86400) < 5
        )
    clock.advance(days=1, seconds=1)
    with uow() as unit:
        fired = runtime.fire_timers(unit, instance_id)
        unit.commit()
    assert fired is not None and [t.element_id for t in fired.opened] == ["remind"]
    assert [t.element_id for t in fired.cancelled] == ["ask"]
    [remind] = _open(uow, instance_id)
    with uow() as unit:
        runtime.complete_task(unit, "utrecht", remind.id, {"akkoord": True}, "a")
        unit.commit()
    [task] = _open(uow, instance_id)
    assert task.element_id == "ask"  # round again
    with uow() as unit:
        done = runtime.complete_task(unit, "utrecht", task.id, {"nog_een": False}, "a")
        unit.commit()
    assert done.instance.status == InstanceStatus.COMPLETED
