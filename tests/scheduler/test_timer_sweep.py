"""The scheduler fires BPMN timers at their due time — intermediate, interrupting boundary, cycles —
finds due instances by the indexed next-timer-due, and marks a model error once instead of retrying."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, select

from engine.scheduler.models import Notification
from engine.status import InstanceStatus, TaskStatus
from tests.scheduler.conftest import events, instance, open_tasks, start


def _path(services, instance_id):
    return [e for ev in events(services, instance_id, "path") for e in ev.detail["elements"]]


def test_an_intermediate_timer_fires_at_its_due_time_and_not_before(deployed, services, scheduler, clock):
    instance_id = start(services, "timers", {"herinneringen": 0})
    due = instance(services, instance_id).next_timer_due
    assert due == clock.now() + timedelta(hours=2)

    clock.set(due - timedelta(seconds=1))
    assert scheduler.tick().timers.fired == 0
    assert open_tasks(services, instance_id) == []

    clock.set(due + timedelta(milliseconds=1))
    assert scheduler.tick().timers.fired == 1
    assert [t.element_id for t in open_tasks(services, instance_id)] == ["answer"]
    [fired] = events(services, instance_id, "timers_fired")
    assert fired.at - due == timedelta(milliseconds=1)  # on time: lateness is only the tick interval
    assert scheduler.tick().timers.fired == 0  # nothing twice


def test_an_interrupting_boundary_timer_cancels_its_task(deployed, services, scheduler, clock):
    instance_id = start(services, "timers", {"herinneringen": 0})
    clock.advance(hours=2, seconds=1)
    scheduler.tick()
    [answer] = open_tasks(services, instance_id)
    clock.advance(hours=1, seconds=1)  # termijn.antwoord = PT1H (settings.yaml)
    scheduler.tick()
    assert [t.element_id for t in open_tasks(services, instance_id)] == ["escalate"]
    assert [e.task_id for e in events(services, instance_id, "task_cancelled")] == [answer.id]


def test_a_cycle_timer_repeats_its_count(deployed, services, scheduler, clock):
    instance_id = start(services, "timers", {"herinneringen": 0})
    clock.advance(hours=2, seconds=1)
    scheduler.tick()
    for _ in range(4):  # R2/PT10M: two reminders, then the cycle is spent
        clock.advance(minutes=10, seconds=1)
        scheduler.tick()
    assert _path(services, instance_id).count("count_reminder") == 2
    assert "answer" in [t.element_id for t in open_tasks(services, instance_id)]


def test_timers_missed_while_no_scheduler_ran_are_caught_up_once(deployed, services, scheduler, clock):
    ids = [start(services, "timers", {"herinneringen": 0}) for _ in range(3)]
    clock.advance(days=3)  # the scheduler was down; intermediate and boundary timers are long overdue
    scheduler.tick()
    scheduler.tick()
    for instance_id in ids:
        assert len(events(services, instance_id, "timers_fired")) >= 1
        assert _path(services, instance_id).count("wait_two_hours") == 1


def test_a_model_error_marks_the_instance_in_error_and_it_is_not_retried(
    deployed, services, scheduler, clock
):
    instance_id = start(services, "broken_timer", {"deler": 0})
    clock.advance(hours=1, seconds=1)
    report = scheduler.tick()
    assert report.timers.errors == 1
    failed = instance(services, instance_id)
    assert failed.status == InstanceStatus.ERROR
    assert failed.next_timer_due is None
    assert "divide" in failed.error["message"] or failed.error.get("element") == "divide"
    assert len(events(services, instance_id, "instance_error")) == 1
    with services.uow(readonly=True) as uow:  # the tenant's managers are told
        told = uow.session.scalars(select(Notification).where(Notification.instance_id == instance_id)).all()
        assert [(n.kind, n.role) for n in told] == [("instance_error", "manager")]
    clock.advance(hours=1)
    assert scheduler.tick().timers.errors == 0  # not picked up again


def test_a_tick_does_not_read_instances_that_are_not_due(deployed, services, scheduler, clock, db):
    """The work of a tick depends on what is due, not on how many procedures are open."""

    def statements_of_a_tick() -> list[str]:
        seen: list[str] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            scheduler.tick()
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return seen

    for _ in range(3):
        start(services, "timers", {"herinneringen": 0})
    few = statements_of_a_tick()
    for _ in range(30):
        start(services, "timers", {"herinneringen": 0})
    many = statements_of_a_tick()
    assert len(few) == len(many)
    # Instance state is read only by the claim, which takes a batch of due rows (LIMIT).
    assert all("LIMIT" in s.upper() for s in many if "process_instances.state" in s)
    assert any("next_timer_due <" in s for s in many)


def test_a_due_instance_is_fired_even_when_its_task_stays_open(deployed, services, scheduler, clock):
    """A non-interrupting boundary timer leaves the task open; its row is the same task."""
    instance_id = start(services, "timers", {"herinneringen": 0})
    clock.advance(hours=2, seconds=1)
    scheduler.tick()
    [answer] = open_tasks(services, instance_id)
    clock.advance(minutes=10, seconds=1)
    scheduler.tick()
    [still] = open_tasks(services, instance_id)
    assert still.id == answer.id and still.status == TaskStatus.OPEN


def test_one_failing_instance_costs_the_others_in_its_batch_nothing(deployed, services, scheduler, clock):
    """Due timers are fired a batch per transaction; one instance whose model fails rolls its batch
    back, and the others are fired after all, each once."""
    good = [start(services, "timers", {"herinneringen": 0}) for _ in range(2)]
    broken = start(services, "broken_timer", {"deler": 0})
    good.append(start(services, "timers", {"herinneringen": 0}))
    clock.advance(hours=2, seconds=1)
    report = scheduler.tick()
    assert (report.timers.fired, report.timers.errors) == (3, 1)
    assert instance(services, broken).status == InstanceStatus.ERROR
    for instance_id in good:
        assert len(events(services, instance_id, "timers_fired")) == 1
        assert [t.element_id for t in open_tasks(services, instance_id)] == ["answer"]


def test_firing_many_due_timers_takes_the_statements_of_firing_a_few(
    deployed, services, scheduler, clock, db
):
    """A batch of due instances is claimed, fired and written together: the statements (round trips)
    of a tick do not grow with the number of timers due, up to the batch size."""

    def statements_to_fire(count: int) -> list[str]:
        for _ in range(count):
            start(services, "timers", {"herinneringen": 0})
        clock.advance(hours=2, seconds=1)  # the intermediate timers of these are due now
        seen: list[str] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert scheduler.tick().timers.fired == count
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        clock.advance(days=1)
        scheduler.tick()  # the boundary timers of these, before the next round starts
        return seen

    few, many = statements_to_fire(2), statements_to_fire(20)
    assert len(few) == len(many)
    assert sum("INSERT INTO tasks" in s for s in many) == 1
