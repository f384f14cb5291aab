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


def test_user_tasks_inside_a_multi_instance_call_activity_get_rows_per_party(uow):
    make_tenant(uow)
    deploy_bundle(uow, fixture_bundle("call_activity"))
    runtime = Runtime()
    with uow() as unit:
        instance_id = runtime.start(
            unit, "utrecht", "requests", {"partijen": ["ggz", "uwv"]}, "a"
        ).instance.id
        unit.commit()
    tasks = _open_tasks(uow, instance_id)
    assert sorted((t.process_id, t.element_id, t.party, t.role) for t in tasks) == [
        ("one_request", "answer", "ggz", "party_contact"),
        ("one_request", "answer", "uwv", "party_contact"),
    ]
    for task in tasks:
        with uow() as unit:
            runtime.complete_task(unit, "utrecht", task.id, {"akkoord": True}, "p")
            unit.commit()
    with uow(readonly=True) as unit:
        assert unit.session.get(ProcessInstance, instance_id).status == InstanceStatus.COMPLETED


MESSAGE_PROCESS = """
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>
    <bpmn:userTask id="work" name="Werk" camunda:formKey="f" camunda:candidateGroups="coordinator"/>
    <bpmn:boundaryEvent id="withdrawn" attachedToRef="work" cancelActivity="true" camunda:formKey="reden">
      <bpmn:messageEventDefinition id="med" messageRef="msg_withdraw"/>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="done"/>
    <bpmn:sequenceFlow id="f3" sourceRef="withdrawn" targetRef="stopped"/>
    <bpmn:endEvent id="done"/>
    <bpmn:endEvent id="stopped"/>"""


def test_a_message_interrupts_the_waiting_task_and_an_unexpected_one_is_refused(uow):
    import json

    from engine.definitions.bundle import Bundle
    from engine.errors import InvalidInput
    from tests.factories import SIMPLE_FORM, bpmn_document

    make_tenant(uow)
    model = bpmn_document(
        MESSAGE_PROCESS,
        process_id="messages",
        extra='<bpmn:message id="msg_withdraw" name="client_withdraws"/>',
    )
    reden = {"type": "object", "properties": {"reden": {"type": "string", "enum": ["verhuisd", "anders"]}}}
    files = {"m.bpmn": model.encode(), "forms/f.json": json.dumps(SIMPLE_FORM).encode()}
    deploy_bundle(uow, Bundle({**files, "forms/reden.json": json.dumps(reden).encode()}))
    runtime = Runtime()
    with uow() as unit:
        instance_id = runtime.start(unit, "utrecht", "messages", {}, "a").instance.id
        unit.commit()
    with uow() as unit, pytest.raises(InvalidInput):
        runtime.send_message(unit, "utrecht", instance_id, "something_else", {}, "c")
    # The payload is checked against the catching event's form, like a user task's data.
    for payload, field in [({"reden": "geen idee"}, "reden"), ({"stopreden": "doelen_bereikt"}, "stopreden")]:
        with uow() as unit, pytest.raises(InvalidForm) as refused:
            runtime.send_message(unit, "utrecht", instance_id, "client_withdraws", payload, "c")
        assert [e.field for e in refused.value.errors] == [field]
    with uow() as unit:
        outcome = runtime.send_message(
            unit, "utrecht", instance_id, "client_withdraws", {"reden": "verhuisd"}, "c"
        )
        unit.commit()
    assert [t.element_id for t in outcome.cancelled] == ["work"]
    assert outcome.instance.status == InstanceStatus.COMPLETED
    assert _open_tasks(uow, instance_id) == []
