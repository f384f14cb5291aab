"""Exactly once: two schedulers racing over the same due rows, and a scheduler killed (SIGKILL) in the
middle of a sweep and started again, neither lose nor double a timer or an escalation."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from collections import Counter

import pytest
from sqlalchemy import select as sql_select

from engine.runtime.models import ProcessEvent, ProcessInstance, Task
from engine.scheduler.deadlines import open_deadline
from engine.scheduler.models import Deadline, Escalation, Notification
from engine.scheduler.runner import Scheduler
from engine.status import TaskStatus
from tests.factories import REPO
from tests.racing import race_schedulers
from tests.scheduler.conftest import set_tenant_settings, start

POLICY = {"escalatie.review": "uit", "escalatie.fase.beoordeling": "uit", "escalatie.taak": "P5D"}


def _setup(services, clock, timers: int, overdue: int):
    set_tenant_settings(services, POLICY)
    timer_ids = [start(services, "timers", {"herinneringen": 0}) for _ in range(timers)]
    task_ids = [start(services, "deadlines", {"beoordelaar": "anna"}) for _ in range(overdue)]
    clock.advance(days=5, seconds=1)  # every intermediate timer (PT2H) and every task (P5D) is overdue
    return timer_ids, task_ids


def _assert_each_exactly_once(services, timer_ids, task_ids):
    with services.uow(readonly=True) as uow:
        fired = Counter(
            uow.session.scalars(
                sql_select(ProcessEvent.instance_id).where(ProcessEvent.type == "timers_fired")
            )
        )
        answers = Counter(
            uow.session.scalars(
                sql_select(Task.instance_id).where(
                    Task.element_id == "answer", Task.status == TaskStatus.OPEN
                )
            )
        )
        raised = Counter(
            uow.session.scalars(
                sql_select(ProcessEvent.instance_id).where(ProcessEvent.type == "escalation_raised")
            )
        )
        escalated = Counter(
            (e.subject_id, e.rule, e.level) for e in uow.session.scalars(sql_select(Escalation))
        )
        per_instance = Counter(uow.session.scalars(sql_select(Escalation.instance_id)))
        manager_tasks = Counter(
            uow.session.scalars(sql_select(Task.instance_id).where(Task.kind == "escalation"))
        )
        notes = Counter(uow.session.scalars(sql_select(Notification.escalation_id)))
    assert {i: fired[i] for i in timer_ids} == dict.fromkeys(timer_ids, 1)
    assert {i: answers[i] for i in timer_ids} == dict.fromkeys(timer_ids, 1)
    assert {i: per_instance[i] for i in task_ids} == dict.fromkeys(task_ids, 1)
    assert set(per_instance) == set(task_ids)
    assert {i: raised[i] for i in task_ids} == dict.fromkeys(task_ids, 1)
    assert {i: manager_tasks[i] for i in task_ids} == dict.fromkeys(task_ids, 1)
    assert set(escalated.values()) == {1}
    assert set(notes.values()) == {2}  # the assignee and the managers, once each


def test_two_schedulers_racing_fire_each_timer_and_raise_each_escalation_once(
    deployed, services, clock, database_url
):
    timer_ids, task_ids = _setup(services, clock, timers=15, overdue=15)
    reports = race_schedulers(database_url, clock)
    assert sum(r.timers.fired for r in reports) == 15
    assert sum(r.escalations.escalated for r in reports) == 15
    _assert_each_exactly_once(services, timer_ids, task_ids)


def _scheduler_process(database_url: str, moment: str, delay: float) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.scheduler.scheduler_process", database_url, moment, str(delay)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _kill_at(process: subprocess.Popen[str], kind: str, nth: int, timeout: float = 60) -> None:
    """SIGKILL the process while it holds the `nth` item of sweep `kind` inside its transaction."""
    seen = 0
    assert process.stdout is not None
    while True:
        ready, _, _ = select.select([process.stdout], [], [], timeout)
        assert ready, "the scheduler process did not report progress"
        line = process.stdout.readline()
        assert line, "the scheduler process ended before it could be killed"
        if line.startswith(kind + " "):
            seen += 1
            if seen == nth:
                process.send_signal(signal.SIGKILL)
                process.wait(10)
                return


@pytest.mark.slow
def test_a_scheduler_killed_mid_sweep_and_restarted_neither_loses_nor_doubles(
    deployed, services, clock, database_url
):
    timer_ids, task_ids = _setup(services, clock, timers=8, overdue=8)
    moment = clock.now().isoformat()

    first = _scheduler_process(database_url, moment, 0.2)
    _kill_at(first, "timer", 4)  # three timers committed, the fourth in flight
    with services.uow(readonly=True) as uow:
        fired = uow.session.scalars(sql_select(ProcessEvent).where(ProcessEvent.type == "timers_fired")).all()
    assert 0 < len(fired) < len(timer_ids)

    second = _scheduler_process(database_url, moment, 0.2)
    _kill_at(second, "escalation", 4)  # the remaining timers done, three escalations committed
    with services.uow(readonly=True) as uow:
        raised = uow.session.scalars(sql_select(Escalation)).all()
    assert 0 < len(raised) < len(task_ids)

    restarted = Scheduler(services, mailer=None)
    for _ in range(3):  # a restarted scheduler ticks on; the killed ones' locks are gone by now
        restarted.tick()
    _assert_each_exactly_once(services, timer_ids, task_ids)


def test_a_task_deadline_another_scheduler_opened_first_is_neither_doubled_nor_a_failed_tick(
    deployed, services, clock
):
    """Two schedulers may both find an overdue task without a deadline row (one read it just before
    the other committed): the row there is linked, never doubled, and the sweep goes on."""
    [instance_id] = _setup(services, clock, timers=0, overdue=1)[1]
    with services.uow() as uow:  # the other scheduler's row, its task not marked yet
        instance = uow.session.get(ProcessInstance, instance_id)
        task = uow.session.scalar(sql_select(Task).where(Task.instance_id == instance_id))
        open_deadline(
            uow,
            instance,
            "task",
            task.id,
            "taak.termijn",
            due_at=task.due_at,
            period=None,
            paused=False,
            occurrence=1,
        )
        uow.commit()
    report = Scheduler(services, mailer=None).tick()
    assert report.escalations.opened == 0
    with services.uow(readonly=True) as uow:
        [row] = uow.session.scalars(sql_select(Deadline).where(Deadline.subject_id == task.id)).all()
        assert uow.session.get(Task, task.id).deadline_id == row.id
    assert report.escalations.escalated == 1  # the overdue task escalates all the same
