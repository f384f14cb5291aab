"""Suspending (opschorten) and extending (verlengen) a procedure shift its deadlines, with a reason,
and both are recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.access import Actor
from engine.errors import Conflict, InvalidInput, NotAuthorized, NotFound
from engine.procedures.models import Procedure
from engine.roles import Role
from engine.scheduler.commands import (
    extend_procedure,
    is_suspended,
    list_adjustments,
    list_deadlines,
    resume_procedure,
    suspend_procedure,
)
from engine.scheduler.status import EscalationStatus
from tests.scheduler.conftest import (
    COORDINATOR,
    MANAGER,
    TENANT,
    escalations,
    events,
    instance,
    open_tasks,
    set_tenant_settings,
    start,
    start_plain,
    task_by_element,
)

PHASE_AND_TASK = {"escalatie.review": "uit", "escalatie.taak": "P5D", "escalatie.fase.beoordeling": "P14D"}


def _due(services, instance_id):
    return {d.rule: d.due_at for d in list_deadlines(services.uow(), COORDINATOR, instance_id)}


def test_suspension_stops_the_clock_and_resuming_shifts_every_deadline(deployed, services, scheduler, clock):
    set_tenant_settings(services, PHASE_AND_TASK)
    instance_id = start(services, "deadlines", {"beoordelaar": "anna"})
    before = _due(services, instance_id)
    clock.advance(days=2)
    suspend_procedure(services.uow(), COORDINATOR, instance_id, "Cliënt opgenomen in het ziekenhuis")
    with services.uow(readonly=True) as uow:
        assert is_suspended(uow, instance_id)
    clock.advance(days=20)  # far past both deadlines: nothing escalates while suspended
    assert scheduler.tick().escalations.escalated == 0
    view = resume_procedure(services.uow(), services.runtime, COORDINATOR, instance_id, "Cliënt weer thuis")
    assert view.status == "ended" and view.ended_by == "regisseur"
    after = _due(services, instance_id)
    assert after == {rule: due + timedelta(days=20) for rule, due in before.items()}
    task = task_by_element(services, instance_id, "beoordelen")
    assert task.due_at == after["taak.termijn"]  # the inbox shows the new due date

    clock.set(after["taak.termijn"])
    scheduler.tick()
    assert escalations(services, instance_id) == []
    clock.advance(seconds=1)
    scheduler.tick()
    assert [e.rule for e in escalations(services, instance_id)] == ["taak.termijn"]
    [record] = list_adjustments(services.uow(), COORDINATOR, instance_id)
    assert (record.kind, record.reason, record.end_reason) == (
        "suspension",
        "Cliënt opgenomen in het ziekenhuis",
        "Cliënt weer thuis",
    )
    assert {m["rule"] for m in record.shifted} == {"taak.termijn", "fase.beoordeling"}
    assert [e.actor for e in events(services, instance_id, "procedure_suspended")] == ["regisseur"]
    assert events(services, instance_id, "procedure_resumed")[0].detail["suspended_days"] == 20


def test_a_deadline_opened_during_the_suspension_moves_only_by_the_time_it_stood_still(
    deployed, services, scheduler, clock
):
    set_tenant_settings(services, {"escalatie.review": "uit", "escalatie.taak": "P5D"})
    instance_id = start(services, "deadlines", {"beoordelaar": "anna"})
    suspend_procedure(services.uow(), MANAGER, instance_id, "ziekenhuis")
    clock.advance(days=3)
    with services.uow() as uow:  # work goes on: the next task opens while suspended
        services.runtime.complete_task(
            uow, TENANT, task_by_element(services, instance_id, "beoordelen").id, {"akkoord": True}, "anna"
        )
        uow.commit()
    opened = clock.now()
    clock.advance(days=4)
    resume_procedure(services.uow(), services.runtime, MANAGER, instance_id)
    # onderzoeken: camunda:dueDate P3D from its opening, plus the 4 days it stood still
    assert task_by_element(services, instance_id, "onderzoeken").due_at == opened + timedelta(days=7)


def test_extension_moves_procedure_deadlines_and_answers_an_open_escalation(
    deployed, services, scheduler, clock
):
    set_tenant_settings(services, {**PHASE_AND_TASK, "escalatie.taak": "uit"})
    instance_id = start(services, "deadlines", {"beoordelaar": "anna"})
    phase_due = _due(services, instance_id)["fase.beoordeling"]
    view = extend_procedure(services.uow(), COORDINATOR, instance_id, "P7D", "Wachten op rapport GGZ")
    assert (view.kind, view.period, view.shifted[0]["rule"]) == ("extension", "P7D", "fase.beoordeling")
    assert _due(services, instance_id)["fase.beoordeling"] == phase_due + timedelta(days=7)

    clock.set(phase_due + timedelta(days=7, seconds=1))
    scheduler.tick()
    [first] = escalations(services, instance_id)
    # Extending after the escalation: the escalation counts as answered, the next overdue moment is new.
    extend_procedure(
        services.uow(), MANAGER, instance_id, "P2W", "Extra onderzoek nodig", rule="fase.beoordeling"
    )
    [first] = escalations(services, instance_id)
    assert first.status == EscalationStatus.RESOLVED and first.resolved_by == "teamleider"
    assert first.resolution.startswith("verlengd met P2W")
    clock.set(phase_due + timedelta(days=21))  # the old due moment plus two weeks
    scheduler.tick()
    assert len(escalations(services, instance_id)) == 1
    clock.advance(seconds=1)
    scheduler.tick()
    second = escalations(services, instance_id)[-1]
    assert (second.rule, second.occurrence, second.level) == ("fase.beoordeling", 2, 1)
    kinds = [a.kind for a in list_adjustments(services.uow(), MANAGER, instance_id)]
    assert kinds == ["extension", "extension"]
    assert len(events(services, instance_id, "procedure_extended")) == 2


def test_the_procedure_row_shows_the_suspension(deployed, services, clock):
    instance_id = start(services, "deadlines", {"beoordelaar": "anna"})
    suspend_procedure(services.uow(), COORDINATOR, instance_id, "ziekenhuis")
    with services.uow(readonly=True) as uow:
        assert uow.session.get(Procedure, instance_id).status == "suspended"
    resume_procedure(services.uow(), services.runtime, COORDINATOR, instance_id)
    with services.uow(readonly=True) as uow:
        assert uow.session.get(Procedure, instance_id).status == "open"


def test_guards_on_suspension_and_extension(deployed, services, clock):
    instance_id = start(services, "deadlines", {"beoordelaar": "anna"})
    with pytest.raises(InvalidInput):
        suspend_procedure(services.uow(), COORDINATOR, instance_id, "")
    with pytest.raises(Conflict):
        resume_procedure(services.uow(), services.runtime, COORDINATOR, instance_id)
    suspend_procedure(services.uow(), COORDINATOR, instance_id, "ziekenhuis")
    with pytest.raises(Conflict):
        suspend_procedure(services.uow(), COORDINATOR, instance_id, "nog eens")
    with pytest.raises(InvalidInput):
        extend_procedure(services.uow(), COORDINATOR, instance_id, "twee weken", "reden")
    with pytest.raises(InvalidInput):
        extend_procedure(services.uow(), COORDINATOR, instance_id, "P1W", "reden", rule="fase.bestaat_niet")
    with pytest.raises(NotAuthorized):
        suspend_procedure(services.uow(), Actor("anna", TENANT, frozenset({Role.ASSESSOR})), instance_id, "x")
    with pytest.raises(NotFound):
        resume_procedure(
            services.uow(), services.runtime, Actor("r", "elders", frozenset({Role.COORDINATOR})), instance_id
        )


def test_a_suspension_ends_with_the_procedure(deployed, services, scheduler, clock):
    instance_id = start(services, "deadlines", {"beoordelaar": "anna"})
    suspend_procedure(services.uow(), COORDINATOR, instance_id, "ziekenhuis")
    with services.uow() as uow:
        services.runtime.cancel(uow, TENANT, instance_id, "verhuisd", "regisseur")
        uow.commit()
    [record] = list_adjustments(services.uow(), COORDINATOR, instance_id)
    assert (record.status, record.end_reason) == ("ended", "de procedure is beëindigd")
    assert list_deadlines(services.uow(), COORDINATOR, instance_id) == []


def test_only_a_procedure_can_be_suspended(deployed, services):
    instance_id = start_plain(services, "deadlines", {"beoordelaar": "anna"})
    with pytest.raises(NotFound):
        suspend_procedure(services.uow(), COORDINATOR, instance_id, "ziekenhuis")


def test_bpmn_timers_stand_still_while_suspended_and_move_on_when_resumed(
    deployed, services, scheduler, clock
):
    instance_id = start(services, "timers", {"herinneringen": 0})
    due = instance(services, instance_id).next_timer_due  # PT2H from the start
    clock.advance(hours=1)
    suspend_procedure(services.uow(), COORDINATOR, instance_id, "Cliënt opgenomen in het ziekenhuis")
    clock.advance(hours=5)  # far past the timer: it does not fire while suspended
    assert scheduler.tick().timers.fired == 0
    assert open_tasks(services, instance_id) == []

    view = resume_procedure(services.uow(), services.runtime, COORDINATOR, instance_id, "Weer thuis")
    moved = due + timedelta(hours=5)
    assert instance(services, instance_id).next_timer_due == moved
    [timer] = [s for s in view.shifted if s["rule"] == "bpmn-timer:wait_two_hours"]
    assert (timer["from"], timer["to"]) == (due.isoformat(), moved.isoformat())
    [shift] = events(services, instance_id, "timers_shifted")
    assert shift.detail == {"seconds": 5 * 3600, "elements": ["wait_two_hours"], "moved_seconds": [5 * 3600]}

    clock.set(moved - timedelta(seconds=1))
    assert scheduler.tick().timers.fired == 0
    clock.set(moved + timedelta(milliseconds=1))
    assert scheduler.tick().timers.fired == 1
    assert [t.element_id for t in open_tasks(services, instance_id)] == ["answer"]
