"""Start, complete and cancel through the runtime on a real database."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.errors import InvalidForm, NotFound, TaskAlreadyCompleted
from engine.runtime.models import ProcessEvent, ProcessInstance, Task
from engine.runtime.service import Runtime
from engine.status import InstanceStatus, TaskStatus
from tests.factories import deploy_bundle, fixture_bundle, make_tenant


@pytest.fixture
def deployed(uow):
    make_tenant(uow)
    deploy_bundle(uow, fixture_bundle("three_tasks"))
    return Runtime()


def _open_tasks(uow, instance_id):
    with uow(readonly=True) as unit:
        return list(
            unit.session.scalars(
                select(Task).where(Task.instance_id == instance_id, Task.status == TaskStatus.OPEN)
            )
        )


def test_start_opens_the_first_task_with_role_form_and_due_date(uow, deployed, clock):
    with uow() as unit:
        outcome = deployed.start(unit, "utrecht", "three_tasks", {}, "meldpunt-1")
        unit.commit()
    [task] = _open_tasks(uow, outcome.instance.id)
    assert (task.element_id, task.role, task.form_key, task.phase) == (
        "task_one",
        "meldpunt",
        "step",
        "melding",
    )
    assert task.due_at == clock.now().replace(day=clock.now().day + 2)
    assert task.properties["legalGround"] == "test.grond"


def test_completing_each_task_walks_to_the_end(uow, deployed):
    with uow() as unit:
        instance_id = deployed.start(unit, "utrecht", "three_tasks", {}, "a").instance.id
        unit.commit()
    for expected in ["task_one", "task_two", "task_three"]:
        [task] = _open_tasks(uow, instance_id)
        assert task.element_id == expected
        with uow() as unit:
            deployed.complete_task(unit, "utrecht", task.id, {"akkoord": True}, "a")
            unit.commit()
    with uow(readonly=True) as unit:
        instance = unit.session.get(ProcessInstance, instance_id)
        assert instance.status == InstanceStatus.COMPLETED
        types = [
            e.type
            for e in unit.session.scalars(
                select(ProcessEvent).where(ProcessEvent.instance_id == instance_id).order_by(ProcessEvent.id)
            )
        ]
    assert types[0] == "instance_started"
    assert types.count("task_completed") == 3
    assert types[-1] == "instance_completed"


def test_invalid_data_is_refused_with_field_errors_and_nothing_changes(uow, deployed):
    with uow() as unit:
        instance_id = deployed.start(unit, "utrecht", "three_tasks", {}, "a").instance.id
        unit.commit()
    [task] = _open_tasks(uow, instance_id)
    with uow() as unit, pytest.raises(InvalidForm) as caught:
        deployed.complete_task(unit, "utrecht", task.id, {"akkoord": "ja", "extra": 1}, "a")
    fields = {(e.field, e.code) for e in caught.value.errors}
    assert fields == {("akkoord", "type"), ("extra", "unknown_field")}
    [still_open] = _open_tasks(uow, instance_id)
    assert still_open.id == task.id


def test_completing_twice_raises_task_already_completed(uow, deployed):
    with uow() as unit:
        instance_id = deployed.start(unit, "utrecht", "three_tasks", {}, "a").instance.id
        unit.commit()
    [task] = _open_tasks(uow, instance_id)
    with uow() as unit:
        deployed.complete_task(unit, "utrecht", task.id, {"akkoord": True}, "a")
        unit.commit()
    with uow() as unit, pytest.raises(TaskAlreadyCompleted):
        deployed.complete_task(unit, "utrecht", task.id, {"akkoord": True}, "b")


def test_another_tenant_cannot_see_or_complete_the_task(uow, deployed):
    make_tenant(uow, "amersfoort")
    with uow() as unit:
        instance_id = deployed.start(unit, "utrecht", "three_tasks", {}, "a").instance.id
        unit.commit()
    [task] = _open_tasks(uow, instance_id)
    with uow() as unit, pytest.raises(NotFound):
        deployed.complete_task(unit, "amersfoort", task.id, {"akkoord": True}, "x")


def test_cancel_closes_open_tasks(uow, deployed):
    with uow() as unit:
        instance_id = deployed.start(unit, "utrecht", "three_tasks", {}, "a").instance.id
        unit.commit()
    with uow() as unit:
        outcome = deployed.cancel(unit, "utrecht", instance_id, "dubbele melding", "manager")
        unit.commit()
    assert [t.element_id for t in outcome.cancelled] == ["task_one"]
    assert _open_tasks(uow, instance_id) == []
    with uow(readonly=True) as unit:
        assert unit.session.get(ProcessInstance, instance_id).status == InstanceStatus.CANCELLED
