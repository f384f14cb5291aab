"""BPMN timers fire by the engine's clock: intermediate, interrupting and non-interrupting boundary
timers, cycles. Time moves with a FrozenClock, so hours pass in microseconds."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.definitions.bundle import Bundle
from engine.runtime.locks import lock_instance
from engine.runtime.models import ProcessEvent, ProcessInstance, Task
from engine.runtime.service import Runtime
from engine.status import TaskStatus
from tests.factories import SIMPLE_FORM, bpmn_document, deploy_bundle, fixture_bundle, make_tenant


@pytest.fixture
def runtime(uow):
    make_tenant(uow)
    deploy_bundle(uow, fixture_bundle("timers"))
    return Runtime()


def _start(uow, runtime):
    with uow() as unit:
        instance_id = runtime.start(unit, "utrecht", "timers", {"herinneringen": 0}, "a").instance.id
        unit.commit()
    return instance_id


def _fire(uow, runtime, instance_id):
    with uow() as unit:
        outcome = runtime.fire_timers(unit, instance_id)
        unit.commit()
    return outcome


def _instance(uow, instance_id):
    with uow(readonly=True) as unit:
        return unit.session.get(ProcessInstance, instance_id)


def _open(uow, instance_id):
    with uow(readonly=True) as unit:
        return [
            t.element_id
            for t in unit.session.scalars(
                select(Task).where(Task.instance_id == instance_id, Task.status == TaskStatus.OPEN)
            )
        ]


def _path(uow, instance_id):
    with uow(readonly=True) as unit:
        events = unit.session.scalars(
            select(ProcessEvent).where(ProcessEvent.instance_id == instance_id, ProcessEvent.type == "path")
        )
        return [e for event in events for e in event.detail["elements"]]


def test_intermediate_timer_waits_until_due_and_stores_due_time(uow, runtime, clock):
    instance_id = _start(uow, runtime)
    started = clock.now()
    assert _instance(uow, instance_id).next_timer_due == started + timedelta(hours=2)
    assert _instance(uow, instance_id).current_steps == ["wait_two_hours"]
    clock.advance(minutes=119)
    _fire(uow, runtime, instance_id)
    assert _open(uow, instance_id) == []
    clock.advance(minutes=2)
    _fire(uow, runtime, instance_id)
    assert _open(uow, instance_id) == ["answer"]


def test_interrupting_boundary_timer_cancels_the_task_and_opens_escalation(uow, runtime, clock):
    instance_id = _start(uow, runtime)
    clock.advance(hours=2, seconds=1)
    _fire(uow, runtime, instance_id)
    opened_at = clock.now()
    # The boundary deadline comes from settings.yaml (config("termijn.antwoord") = PT1H).
    assert _instance(uow, instance_id).next_timer_due <= opened_at + timedelta(hours=1)
    clock.advance(hours=1, seconds=1)
    _fire(uow, runtime, instance_id)
    assert _open(uow, instance_id) == ["escalate"]
    with uow(readonly=True) as unit:
        answer = unit.session.scalar(
            select(Task).where(Task.instance_id == instance_id, Task.element_id == "answer")
        )
    assert answer.status == TaskStatus.CANCELLED


def test_cycle_timer_repeats_its_count_without_closing_the_task(uow, runtime, clock):
    instance_id = _start(uow, runtime)
    clock.advance(hours=2, seconds=1)
    _fire(uow, runtime, instance_id)
    for _ in range(4):
        clock.advance(minutes=10, seconds=1)
        _fire(uow, runtime, instance_id)
    assert _path(uow, instance_id).count("count_reminder") == 2  # R2: two repetitions, no more
    assert "answer" in _open(uow, instance_id)


def test_a_timer_due_in_the_future_is_not_fired_early(uow, runtime, clock):
    instance_id = _start(uow, runtime)
    outcome = _fire(uow, runtime, instance_id)
    assert outcome.path == []
    assert _instance(uow, instance_id).current_steps == ["wait_two_hours"]


def _lock(unit, instance_id):
    return lock_instance(unit, instance_id, "utrecht")


def test_shifting_moves_duration_and_cycle_timers_by_the_suspended_time(uow, runtime, clock):
    instance_id = _start(uow, runtime)
    clock.advance(hours=2, seconds=1)
    _fire(uow, runtime, instance_id)  # the task waits with a cycle reminder and a PT1H deadline
    before = _instance(uow, instance_id).next_timer_due
    suspended_at = clock.now()
    clock.advance(days=2)
    with uow() as unit:
        shifted = runtime.shift_timers(unit, _lock(unit, instance_id), suspended_at, "regisseur")
        unit.commit()
    assert {t.element_id for t in shifted} == {"reminder", "deadline"}
    assert all(t.due_after - t.due_before == timedelta(days=2) for t in shifted)
    assert _instance(uow, instance_id).next_timer_due == before + timedelta(days=2)
    clock.set(before + timedelta(days=2) - timedelta(seconds=1))
    assert not _fire(uow, runtime, instance_id).path  # the first reminder is not due yet
    clock.advance(seconds=2)
    assert _fire(uow, runtime, instance_id).path  # and now it is, once


def test_a_timer_that_began_during_the_suspension_moves_only_by_the_time_it_stood_still(uow, clock):
    make_tenant(uow)
    process = """
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="prepare"/>
    <bpmn:userTask id="prepare" camunda:formKey="f" camunda:candidateGroups="coordinator"/>
    <bpmn:sequenceFlow id="f2" sourceRef="prepare" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:timerEventDefinition><bpmn:timeDuration>"PT4H"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="end"/>
    <bpmn:endEvent id="end"/>
    """
    model = bpmn_document(process, process_id="later").encode()
    deploy_bundle(uow, Bundle({"later.bpmn": model, "forms/f.json": json.dumps(SIMPLE_FORM).encode()}))
    runtime = Runtime()
    with uow() as unit:
        instance_id = runtime.start(unit, "utrecht", "later", {}, "a").instance.id
        unit.commit()
    suspended_at = clock.advance(hours=1)
    began = clock.advance(hours=1)  # the work goes on: completing the task starts the timer
    with uow() as unit:
        [task_id] = unit.session.scalars(select(Task.id).where(Task.instance_id == instance_id))
        runtime.complete_task(unit, "utrecht", task_id, {"akkoord": True}, "a")
        unit.commit()
    assert _instance(uow, instance_id).next_timer_due == began + timedelta(hours=4)
    clock.advance(hours=3)  # resumed three hours after the timer began, four after the suspension
    with uow() as unit:
        [shifted] = runtime.shift_timers(unit, _lock(unit, instance_id), suspended_at, "regisseur")
        unit.commit()
    assert shifted.due_after == began + timedelta(hours=4 + 3)
    assert _instance(uow, instance_id).next_timer_due == began + timedelta(hours=7)


def test_a_timer_on_a_calendar_date_keeps_its_date(uow, clock):
    make_tenant(uow)
    process = """
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="split"/>
    <bpmn:parallelGateway id="split"/>
    <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="on_date"/>
    <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="after_a_while"/>
    <bpmn:intermediateCatchEvent id="on_date">
      <bpmn:timerEventDefinition><bpmn:timeDate>"2030-01-01T09:00:00+00:00"</bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="after_a_while">
      <bpmn:timerEventDefinition><bpmn:timeDuration>"PT2H"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f4" sourceRef="on_date" targetRef="end_date"/>
    <bpmn:sequenceFlow id="f5" sourceRef="after_a_while" targetRef="end_while"/>
    <bpmn:endEvent id="end_date"/>
    <bpmn:endEvent id="end_while"/>
    """
    deploy_bundle(uow, Bundle({"dates.bpmn": bpmn_document(process, process_id="dates").encode()}))
    runtime = Runtime()
    with uow() as unit:
        instance_id = runtime.start(unit, "utrecht", "dates", {}, "a").instance.id
        unit.commit()
    suspended_at = clock.now()
    clock.advance(days=3)
    with uow() as unit:
        shifted = runtime.shift_timers(unit, _lock(unit, instance_id), suspended_at, "regisseur")
        unit.commit()
    assert [t.element_id for t in shifted] == ["after_a_while"]
