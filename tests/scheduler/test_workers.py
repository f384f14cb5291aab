"""Timers fired by worker processes (WAMS_SCHEDULER_WORKERS > 1, PostgreSQL only): each due timer
once, at the tick's moment, a failure kept to its instance, and a dead worker costing nothing."""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.config import ConfigError, Settings
from engine.scheduler.runner import Scheduler
from engine.services import build_services
from engine.status import InstanceStatus

from .conftest import escalations, events, instance, open_tasks, set_tenant_settings, start

ON_POSTGRESQL = pytest.mark.parametrize("backend", ["postgresql"])


@pytest.fixture
def pooled(db, clock, database_url) -> Iterator[Scheduler]:
    settings = Settings(env="test", database_url=database_url, scheduler_workers=2)
    scheduler = Scheduler(build_services(settings, database=db, clock=clock), mailer=None)
    yield scheduler
    scheduler.shutdown()


def _fired_once(services, instance_ids) -> None:
    for instance_id in instance_ids:
        assert len(events(services, instance_id, "timers_fired")) == 1
        assert [t.element_id for t in open_tasks(services, instance_id)] == ["answer"]


@ON_POSTGRESQL
def test_worker_processes_share_a_tick_and_fire_each_due_timer_once(deployed, services, pooled, clock):
    clock.set(datetime(2100, 1, 4, 9, 0, tzinfo=UTC))  # the wall clock stays long before these timers
    waiting = [start(services, "timers", {"herinneringen": 0}) for _ in range(10)]
    clock.advance(hours=1, minutes=59)
    assert pooled.tick().timers.fired == 0
    # Due at the test clock's moment, which must be the workers' "now" too.
    clock.advance(minutes=1, seconds=1)
    report = pooled.tick()
    assert (report.timers.fired, report.timers.errors) == (10, 0)
    assert pooled.workers is not None
    shares = pooled.workers.last_shares
    assert sorted(share.sweep.fired for share in shares) == [5, 5]
    assert os.getpid() not in {share.pid for share in shares}
    _fired_once(services, waiting)
    assert pooled.tick().timers.fired == 0


@ON_POSTGRESQL
def test_overdue_work_escalates_in_the_tick_whose_timers_the_workers_fire(deployed, services, pooled, clock):
    set_tenant_settings(
        services, {"escalatie.fase.beoordeling": "uit", "escalatie.review": "uit", "escalatie.taak": "PT1H"}
    )
    overdue = start(services, "deadlines", {"beoordelaar": "anna"})
    waiting = [start(services, "timers", {"herinneringen": 0}) for _ in range(4)]
    clock.advance(hours=2, seconds=1)
    report = pooled.tick()
    assert (report.timers.fired, report.escalations.escalated) == (4, 1)
    assert [e.rule for e in escalations(services, overdue)] == ["taak.termijn"]
    _fired_once(services, waiting)


@ON_POSTGRESQL
def test_a_failing_instance_in_a_worker_costs_the_others_nothing(deployed, services, pooled, clock):
    good = [start(services, "timers", {"herinneringen": 0}) for _ in range(3)]
    broken = start(services, "broken_timer", {"deler": 0})
    good += [start(services, "timers", {"herinneringen": 0}) for _ in range(2)]
    clock.advance(hours=2, seconds=1)
    report = pooled.tick()
    assert (report.timers.fired, report.timers.errors) == (5, 1)
    assert instance(services, broken).status == InstanceStatus.ERROR
    _fired_once(services, good)


@ON_POSTGRESQL
def test_a_worker_that_dies_fails_its_tick_and_the_next_fires_what_was_due(deployed, services, pooled, clock):
    [worker, *_] = multiprocessing.active_children()
    os.kill(worker.pid, signal.SIGKILL)
    waiting = [start(services, "timers", {"herinneringen": 0}) for _ in range(4)]
    clock.advance(hours=2, seconds=1)
    with pytest.raises(BrokenProcessPool):
        pooled.tick()
    assert pooled.tick().timers.fired == 4
    _fired_once(services, waiting)


def test_more_than_one_worker_needs_postgresql(tmp_path: Path):
    with pytest.raises(ConfigError, match="WAMS_SCHEDULER_WORKERS above 1 needs PostgreSQL"):
        Settings.from_env({"WAMS_SCHEDULER_WORKERS": "2"}, env="test", instance_path=tmp_path)
    postgres = "postgresql+psycopg://wams@db/wams"
    settings = Settings.from_env(
        {"WAMS_SCHEDULER_WORKERS": "2"}, env="test", database_url=postgres, instance_path=tmp_path
    )
    assert settings.scheduler_workers == 2
