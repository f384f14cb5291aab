"""Overdue tasks, phases and reviews escalate: once per (subject, rule, level), with a manager task
"procedure loopt te lang", notifications and an event; level 2 when unresolved; managers resolve them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.access import Actor
from engine.errors import Conflict, InvalidInput, NotAuthorized, NotFound
from engine.roles import Role
from engine.scheduler.commands import EscalationFilters, list_escalations, resolve_escalation
from engine.scheduler.models import Deadline, Escalation, Notification
from engine.scheduler.notify import list_notifications, mark_read
from engine.scheduler.runner import Scheduler
from engine.scheduler.status import EscalationStatus
from engine.status import TaskStatus
from tests.scheduler.conftest import (
    MANAGER,
    TENANT,
    complete,
    count,
    escalations,
    events,
    notifications,
    open_tasks,
    set_tenant_settings,
    start,
    start_plain,
    task_by_element,
)

ONLY_TASKS = {"escalatie.fase.beoordeling": "uit", "escalatie.review": "uit"}


def _task_escalations(services, instance_id):
    return [e for e in escalations(services, instance_id) if e.rule == "taak.termijn"]


def test_an_overdue_task_escalates_once_with_manager_task_notifications_and_event(
    deployed, services, scheduler, clock
):
    set_tenant_settings(services, {**ONLY_TASKS, "escalatie.taak": "P5D"})
    instance_id = start(services, "deadlines", {"beoordelaar": "anna"})
    task = task_by_element(services, instance_id, "beoordelen")
    assert task.due_at == clock.now() + timedelta(days=5)  # from the tenant's policy

    clock.advance(days=5)
    scheduler.tick()
    assert escalations(services, instance_id) == []  # due, not yet past
    clock.advance(seconds=1)
    report = scheduler.tick()
    assert report.escalations.escalated == 1
    scheduler.tick()  # nothing twice
    [escalation] = escalations(services, instance_id)
    assert (escalation.subject_type, escalation.subject_id, escalation.rule, escalation.level) == (
        "task",
        task.id,
        "taak.termijn",
        1,
    )
    assert escalation.status == EscalationStatus.OPEN
    assert "Beoordelen" in escalation.reason and escalation.assignee == "anna"
    [manager_task] = open_tasks(services, instance_id, kind="escalation")
    assert (manager_task.name, manager_task.role, manager_task.id) == (
        "Procedure loopt te lang",
        "manager",
        escalation.task_id,
    )
    assert manager_task.context["reason"] == escalation.reason
    targets = {(n.recipient, n.role) for n in notifications(services, escalation.id)}
    assert targets == {("anna", None), (None, "manager")}
    [raised] = events(services, instance_id, "escalation_raised")
    assert raised.detail["escalation"] == str(escalation.id) and raised.task_id == task.id


def test_unresolved_after_the_second_period_goes_to_level_two(deployed, services, scheduler, clock):
    set_tenant_settings(services, {**ONLY_TASKS, "escalatie.taak": "P5D", "escalatie.niveau2_na": "P7D"})
    instance_id = start(services, "deadlines", {"beoordelaar": "anna"})
    clock.advance(days=5, seconds=1)
    scheduler.tick()
    clock.advance(days=6)
    scheduler.tick()
    assert [e.level for e in escalations(services, instance_id)] == [1]
    clock.advance(days=1, seconds=1)
    scheduler.tick()
    scheduler.tick()
    first, second = escalations(services, instance_id)
    assert (first.level, first.status, second.level, second.status) == (
        1,
        EscalationStatus.ESCALATED,
        2,
        EscalationStatus.OPEN,
    )
    assert second.reason.startswith("Niveau 2")
    [manager_task] = open_tasks(services, instance_id, kind="escalation")
    assert manager_task.id == second.task_id and manager_task.name.endswith("(niveau 2)")
    clock.advance(days=30)
    scheduler.tick()
    assert len(escalations(services, instance_id)) == 2  # no level 3


def test_a_manager_resolves_it_with_a_reason_and_no_level_two_follows(deployed, services, scheduler, clock):
    set_tenant_settings(services, {**ONLY_TASKS, "escalatie.taak": "P5D"})
    instance_id = start(services, "deadlines", {"beoordelaar": "anna"})
    clock.advance(days=5, seconds=1)
    scheduler.tick()
    [escalation] = escalations(services, instance_id)
    with pytest.raises(InvalidInput):
        resolve_escalation(services.uow(), MANAGER, escalation.id, "  ")
    with pytest.raises(NotAuthorized):
        resolve_escalation(
            services.uow(), Actor("anna", TENANT, frozenset({Role.ASSESSOR})), escalation.id, "x"
        )
    with pytest.raises(NotFound):
        resolve_escalation(
            services.uow(),
            Actor("baas", "elders", frozenset({Role.MANAGER})),
            escalation.id,
            "andere gemeente",
        )
    clock.advance(hours=1)
    view = resolve_escalation(services.uow(), MANAGER, escalation.id, "Beoordelaar was ziek; overgedragen")
    assert (view.status, view.resolved_by, view.resolution) == (
        "resolved",
        "teamleider",
        "Beoordelaar was ziek; overgedragen",
    )
    assert view.resolved_at == clock.now()
    assert open_tasks(services, instance_id, kind="escalation") == []
    [resolved] = events(services, instance_id, "escalation_resolved")
    assert resolved.actor == "teamleider"
    with pytest.raises(Conflict):
        resolve_escalation(services.uow(), MANAGER, escalation.id, "nog eens")
    clock.advance(days=30)
    scheduler.tick()
    assert len(escalations(services, instance_id)) == 1


def test_completing_the_overdue_task_lapses_its_escalation(deployed, services, scheduler, clock):
    set_tenant_settings(services, {**ONLY_TASKS, "escalatie.taak": "P5D"})
    instance_id = start(services, "deadlines", {"beoordelaar": "anna"})
    clock.advance(days=5, seconds=1)
    scheduler.tick()
    complete(services, task_by_element(services, instance_id, "beoordelen").id)
    [escalation] = escalations(services, instance_id)
    assert escalation.status == EscalationStatus.LAPSED
    assert open_tasks(services, instance_id, kind="escalation") == []
    assert [t.element_id for t in open_tasks(services, instance_id)] == ["onderzoeken"]


def test_the_runtime_leaves_the_manager_task_alone(deployed, services, scheduler, clock):
    set_tenant_settings(services, {**ONLY_TASKS, "escalatie.taak": "uit", "escalatie.review": "P1D"})
    instance_id = start(services, "deadlines", {"beoordelaar": "anna"})
    clock.advance(days=1, seconds=1)
    scheduler.tick()
    [escalation] = escalations(services, instance_id)
    assert escalation.rule == "review"
    with pytest.raises(NotFound):  # not a process task: it is done by resolving the escalation
        complete(services, escalation.task_id)
    # Steps of the process open and close user tasks; the manager task is not one of them.
    complete(services, task_by_element(services, instance_id, "beoordelen").id)
    complete(services, task_by_element(services, instance_id, "onderzoeken").id)
    [manager_task] = open_tasks(services, instance_id, kind="escalation")
    assert manager_task.id == escalation.task_id
    assert escalation.task_id not in {e.task_id for e in events(services, instance_id, "task_cancelled")}


def test_phase_deadlines_follow_the_tenant_policy(deployed, services, scheduler, clock):
    set_tenant_settings(
        services,
        {"escalatie.review": "uit", "escalatie.taak": "uit", "escalatie": {"fase": {"onderzoek": "P10D"}}},
    )
    instance_id = start(services, "deadlines", {"beoordelaar": "anna"})
    clock.advance(days=13)
    scheduler.tick()
    assert escalations(services, instance_id) == []
    clock.advance(days=1, seconds=1)  # beoordeling: default P14D
    scheduler.tick()
    [first] = escalations(services, instance_id)
    assert first.rule == "fase.beoordeling" and "14 dagen" in first.reason
    complete(services, task_by_element(services, instance_id, "beoordelen").id)
    assert escalations(services, instance_id)[0].status == EscalationStatus.LAPSED
    clock.advance(days=10, seconds=1)  # onderzoek: P10D from the tenant (nested keys work too)
    scheduler.tick()
    rules = sorted(e.rule for e in escalations(services, instance_id) if e.status == EscalationStatus.OPEN)
    # onderzoeken has camunda:dueDate P3D in the model: the model's due date stays, whatever the policy.
    assert rules == ["fase.onderzoek", "taak.termijn"]


def test_a_procedure_without_review_escalates_and_a_review_starts_a_new_period(
    deployed, services, scheduler, clock
):
    set_tenant_settings(services, {"escalatie.fase.beoordeling": "uit", "escalatie.taak": "uit"})
    instance_id = start(services, "deadlines", {"beoordelaar": "anna"})
    complete(services, task_by_element(services, instance_id, "beoordelen").id)
    complete(services, task_by_element(services, instance_id, "onderzoeken").id)
    clock.advance(days=183)
    scheduler.tick()
    reviews = [e for e in escalations(services, instance_id) if e.rule == "review"]
    assert len(reviews) == 1 and "6 maanden" in reviews[0].reason
    complete(services, task_by_element(services, instance_id, "evalueren").id)  # phase evaluatie = review
    assert [e.status for e in escalations(services, instance_id) if e.rule == "review"] == ["lapsed"]


def test_when_the_procedure_ends_open_escalations_lapse(deployed, services, scheduler, clock):
    set_tenant_settings(services, {**ONLY_TASKS, "escalatie.taak": "P5D"})
    instance_id = start(services, "deadlines", {"beoordelaar": "anna"})
    clock.advance(days=5, seconds=1)
    scheduler.tick()
    with services.uow() as uow:
        services.runtime.cancel(uow, TENANT, instance_id, "verhuisd", "regisseur")
        uow.commit()
    assert [e.status for e in escalations(services, instance_id)] == ["lapsed"]
    assert open_tasks(services, instance_id, kind=None) == []
    clock.advance(days=30)
    assert scheduler.tick().escalations.escalated == 0


def test_managers_list_escalations_with_their_state_and_read_notifications(
    deployed, services, scheduler, clock
):
    set_tenant_settings(services, {**ONLY_TASKS, "escalatie.taak": "P5D"})
    ids = [start(services, "deadlines", {"beoordelaar": "anna"}) for _ in range(3)]
    clock.advance(days=5, seconds=1)
    scheduler.tick()
    first = escalations(services, ids[0])[0]
    resolve_escalation(services.uow(), MANAGER, first.id, "opgepakt")
    everything = list_escalations(services.uow(), MANAGER)
    assert sorted(e.status for e in everything) == ["open", "open", "resolved"]
    unresolved = list_escalations(services.uow(), MANAGER, EscalationFilters(unresolved_only=True))
    assert {e.instance_id for e in unresolved} == set(ids[1:])
    assert unresolved[0].as_dict()["instance_id"] in {str(i) for i in ids}
    assert list_escalations(services.uow(), Actor("x", "elders", frozenset({Role.MANAGER}))) == []
    with pytest.raises(NotAuthorized):
        list_escalations(services.uow(), Actor("anna", TENANT, frozenset({Role.ASSESSOR})))

    mine = list_notifications(services.uow(), Actor("anna", TENANT, frozenset({Role.ASSESSOR})))
    assert len(mine) == 3 and all(n.for_role is None for n in mine)
    managers = list_notifications(services.uow(), MANAGER, unread_only=True)
    assert len(managers) == 3 and all(n.for_role == "manager" for n in managers)
    mark_read(services.uow(), MANAGER, managers[0].id)
    assert len(list_notifications(services.uow(), MANAGER, unread_only=True)) == 2
    with pytest.raises(NotFound):
        mark_read(services.uow(), Actor("bob", TENANT, frozenset({Role.ASSESSOR})), managers[1].id)
    assert count(services, Notification) == 6
    assert count(services, Escalation, Escalation.status == "open") == 2
    assert all(t.status == TaskStatus.OPEN for t in open_tasks(services, ids[1], kind="escalation"))


def test_the_review_period_starts_with_the_procedure_even_when_it_first_waits(deployed, services, clock):
    instance_id = start(services, "timers", {"herinneringen": 0})  # waits for a timer, no task yet
    with services.uow(readonly=True) as uow:
        rules = [d.rule for d in uow.session.query(Deadline).filter(Deadline.instance_id == instance_id)]
    assert rules == ["review"]


def _task_deadline_rows(services, instance_id):
    with services.uow(readonly=True) as uow:
        return (
            uow.session.query(Deadline)
            .filter(Deadline.instance_id == instance_id, Deadline.rule == "taak.termijn")
            .all()
        )


def test_a_task_done_in_time_never_gets_a_deadline_row(deployed, services, scheduler, clock):
    """A task's due time is on its row from the start; the deadline row that escalates it is opened
    only once the task is overdue, so the many tasks done in time cost no deadline writes."""
    set_tenant_settings(services, {**ONLY_TASKS, "escalatie.taak": "P5D"})
    instance_id = start(services, "deadlines", {"beoordelaar": "anna"})
    task = task_by_element(services, instance_id, "beoordelen")
    assert task.due_at == clock.now() + timedelta(days=5)
    clock.advance(days=4)
    scheduler.tick()
    assert _task_deadline_rows(services, instance_id) == []
    complete(services, task.id)
    clock.advance(days=2)
    scheduler.tick()
    assert _task_deadline_rows(services, instance_id) == []
    assert _task_escalations(services, instance_id) == []


def test_an_overdue_task_gets_its_deadline_row_once_and_completing_it_closes_the_row(
    deployed, services, scheduler, clock
):
    set_tenant_settings(services, {**ONLY_TASKS, "escalatie.taak": "P5D"})
    instance_id = start(services, "deadlines", {"beoordelaar": "anna"})
    task = task_by_element(services, instance_id, "beoordelen")
    clock.advance(days=5, seconds=1)
    assert scheduler.tick().escalations.opened == 1
    assert scheduler.tick().escalations.opened == 0
    [row] = _task_deadline_rows(services, instance_id)
    assert row.subject_id == task.id and row.due_at == task.due_at and row.active
    assert task_by_element(services, instance_id, "beoordelen").deadline_id == row.id
    complete(services, task.id)
    [row] = _task_deadline_rows(services, instance_id)
    assert not row.active


def test_a_tick_opens_at_most_its_batch_of_task_deadlines_and_the_next_goes_on(deployed, services, clock):
    set_tenant_settings(services, {**ONLY_TASKS, "escalatie.taak": "P5D"})
    ids = [start(services, "deadlines", {"beoordelaar": "anna"}) for _ in range(3)]
    clock.advance(days=5, seconds=1)
    small = Scheduler(services, mailer=None, batch_size=2)
    first = small.tick()
    assert (first.escalations.opened, first.more) == (2, True)
    assert small.tick().escalations.opened == 1
    assert sorted(len(_task_escalations(services, i)) for i in ids) == [1, 1, 1]


def test_a_plain_process_ending_with_an_overdue_task_closes_its_deadline(deployed, services, clock):
    """Not a procedure: no review or phase deadlines, so its end closes what its last tasks had."""
    set_tenant_settings(services, {**ONLY_TASKS, "escalatie.taak": "P5D"})
    instance_id = start_plain(services, "deadlines", {"beoordelaar": "anna"})
    for element in ("beoordelen", "onderzoeken"):
        complete(services, task_by_element(services, instance_id, element).id)
    clock.advance(days=32)  # evalueren: duePeriod P1M
    Scheduler(services, mailer=None).tick()
    [escalation] = _task_escalations(services, instance_id)
    complete(services, task_by_element(services, instance_id, "evalueren").id)  # the process ends
    [escalation] = _task_escalations(services, instance_id)
    assert escalation.status == EscalationStatus.LAPSED
    assert [d.active for d in _task_deadline_rows(services, instance_id)] == [False]
