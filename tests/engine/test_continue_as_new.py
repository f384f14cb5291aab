"""History-flat: a procedure that loops through periodic evaluations continues as a fresh workflow
each period, so the live state and the cost of a step do not grow with the number of rounds."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.runtime.models import ProcessEvent, ProcessInstance, Task
from engine.runtime.service import Runtime
from engine.status import InstanceStatus, TaskStatus
from tests.factories import deploy_bundle, fixture_bundle, make_tenant


@pytest.fixture
def runtime(uow):
    make_tenant(uow)
    deploy_bundle(uow, fixture_bundle("loop"))
    return Runtime()


def _complete_open(uow, runtime, instance_id, data):
    with uow() as unit:
        task = unit.session.scalar(
            select(Task).where(Task.instance_id == instance_id, Task.status == TaskStatus.OPEN)
        )
        outcome = runtime.complete_task(unit, "utrecht", task.id, data, "coordinator")
        unit.commit()
    return outcome


def test_each_round_continues_as_new_and_the_state_stays_small(uow, runtime):
    with uow() as unit:
        instance_id = runtime.start(unit, "utrecht", "loop", {"ronde": 0}, "a").instance.id
        unit.commit()
    sizes = []
    for _ in range(60):
        outcome = _complete_open(uow, runtime, instance_id, {"doorgaan": True})
        assert outcome.continued_into == ["loop"]
        sizes.append(len(outcome.instance.state))
    with uow(readonly=True) as unit:
        instance = unit.session.get(ProcessInstance, instance_id)
        completed = unit.session.scalar(
            select(func.count())
            .select_from(Task)
            .where(Task.instance_id == instance_id, Task.status == TaskStatus.COMPLETED)
        )
    assert instance.segment == 61
    assert completed == 60  # the history is in task rows ...
    assert max(sizes) - min(sizes) < 64  # ... not in the live state
    assert max(sizes) < 8192


def test_process_data_is_carried_into_the_next_round(uow, runtime):
    with uow() as unit:
        instance_id = runtime.start(unit, "utrecht", "loop", {"ronde": 0}, "a").instance.id
        unit.commit()
    for _ in range(3):
        _complete_open(uow, runtime, instance_id, {"doorgaan": True})
    outcome = _complete_open(uow, runtime, instance_id, {"doorgaan": False})
    assert outcome.instance.status == InstanceStatus.COMPLETED
    with uow(readonly=True) as unit:
        continued = unit.session.scalars(
            select(ProcessEvent).where(
                ProcessEvent.instance_id == instance_id, ProcessEvent.type == "continued"
            )
        ).all()
    assert len(continued) == 3
    assert '"ronde":4' in outcome.instance.state.replace(" ", "")


def test_after_a_thousand_rounds_the_procedure_still_advances(uow, runtime):
    # SpiffWorkflow alone stalls silently after ~500 rounds of a gateway loop; continuing as new
    # each round keeps the task tree one round deep however long the procedure runs.
    with uow() as unit:
        instance_id = runtime.start(unit, "utrecht", "loop", {"ronde": 0}, "a").instance.id
        unit.commit()
    for _ in range(1000):
        _complete_open(uow, runtime, instance_id, {"doorgaan": True})
    outcome = _complete_open(uow, runtime, instance_id, {"doorgaan": False})
    assert outcome.instance.status == InstanceStatus.COMPLETED
    assert '"ronde":1001' in outcome.instance.state
    assert len(outcome.instance.state) < 8192
