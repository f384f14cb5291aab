"""Scheduler figures (issue 5: timers and escalations, exactly once, on time). PostgreSQL only.

timer_lateness_p99_s   p99 of (fired - due) for BPMN timers due spread over one minute, fired by the
                       embedded scheduler (APScheduler, 1 s ticks, wall clock) while 100,000 other
                       procedures are open (their timers due later). Target <= 2 s.
tick_ms_{10k,100k,1m}  one tick (timer sweep + escalation sweep) with 100 timers due, at 10k, 100k and
                       1M open procedures (median of 5 rounds), with WAMS_SCHEDULER_WORKERS = the
                       machine's cores (2 to 4; `tick_workers`). Target <= 100 ms, flat in the number open.
tick_ms_*_one_process  the same tick with the timers fired by the scheduler process alone (workers = 1),
                       in rounds taken in turn with the above.
tick_idle_ms_*         the same tick with nothing due: the cost of finding work, which is what must not
                       grow with the number of open procedures.
fire_ms_one_process    per due instance (tick_ms_1m_one_process / 100): claimed, restored from its stored
                       state (the in-process workflow cache is emptied first, as for a timer due hours
                       after its instance last moved), fired, written in batches of WAMS_SCHEDULER_FIRE_BATCH.

The open procedures are generated with SQL (generate_series): running instances, each with a timer due
later, a review deadline and an open task due later, so the partial indexes the tick reads (timers,
deadlines, task due times) hold every row. The due instances are started through the engine. Before
each size is measured the server is settled (CHECKPOINT, no autovacuum running: `settle_s_*` says
how long that took), so a tick is not charged for the bulk load's or an earlier benchmark's writes.
"""

from __future__ import annotations

import os
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from bench.common import BenchEnv, percentile, settle_postgres
from engine.clock import SYSTEM_CLOCK, Clock, FrozenClock
from engine.config import Settings
from engine.db.session import connect
from engine.definitions.bundle import Bundle
from engine.definitions.models import ProcessDefinition
from engine.definitions.service import deploy
from engine.runtime.models import ProcessEvent
from engine.scheduler.deadlines import overdue_tasks_query
from engine.scheduler.runner import Scheduler
from engine.scheduler.timers import due_timer_query
from engine.services import Services, build_services
from engine.tenancy import ensure_tenant

TENANT = "bench"
FORM = Path(__file__).parent.parent / "tests" / "fixtures" / "bundles" / "timers" / "forms" / "step.json"
PROCESS = "bench_timer"
LATENESS_OPEN = 100_000
LATENESS_DUE = 600  # 10 a second, spread over one minute
SPREAD_S = 60.0
TICK_SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
TICK_DUE = 100
TICK_ROUNDS = 5
TICK_WORKERS = max(2, min(4, os.cpu_count() or 1))

BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  id="defs_bench_timer" targetNamespace="http://wams.example/bench">
  <bpmn:process id="bench_timer" name="Een uur wachten" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait" name="Een uur">
      <bpmn:timerEventDefinition id="td">
        <bpmn:timeDuration>PT1H</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="next"/>
    <bpmn:userTask id="next" name="Verder" camunda:formKey="step" camunda:candidateGroups="coordinator">
      <bpmn:extensionElements><camunda:properties>
        <camunda:property name="phase" value="onderzoek"/>
      </camunda:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f3" sourceRef="next" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _services(url: str, clock: Clock, env: BenchEnv, workers: int = 1) -> Services:
    settings = Settings.from_env(
        {}, env="test", database_url=url, instance_path=env.workdir, scheduler_workers=workers
    )
    return build_services(settings, database=connect(url, pool_size=4), clock=clock)


def _prepare(url: str, env: BenchEnv) -> int:
    services = _services(url, FrozenClock(), env)
    with services.uow() as uow:
        ensure_tenant(uow, TENANT, "Bench")
        uow.commit()
    bundle = Bundle({"bench_timer.bpmn": BPMN, "forms/step.json": FORM.read_bytes()})
    deploy(services.uow(), TENANT, bundle, "bench", max_xml_bytes=2**21)
    with services.uow(readonly=True) as uow:
        definition_id = uow.session.scalar(
            select(ProcessDefinition.id).where(ProcessDefinition.tenant_id == TENANT)
        )
    services.database.dispose()
    assert definition_id is not None
    return int(definition_id)


def _add_open_procedures(url: str, definition_id: int, count: int, base: datetime) -> None:
    """`count` running instances with a timer due after `base` + 30 days, a review deadline and an open
    task due two weeks after that, in SQL."""
    database = connect(url)
    with database.engine.begin() as connection:
        connection.execute(
            text(
                """
                WITH new AS (
                    INSERT INTO process_instances (id, tenant_id, definition_id, current_process_id,
                        segment, status, current_steps, started_at, started_by, updated_at, next_timer_due,
                        version, state)
                    SELECT gen_random_uuid(), :tenant, :definition, :process, 1, 'running', '["wait"]'::jsonb,
                        :base, 'bench', :base, :base + interval '30 days' + g * interval '1 second', 1, ''
                    FROM generate_series(1, :count) AS g
                    RETURNING id, next_timer_due
                )
                , deadlines AS (
                    INSERT INTO escalation_deadlines (id, tenant_id, instance_id, subject_type, subject_id,
                        rule, occurrence, period, opened_at, due_at, level, next_check_at, active)
                    SELECT gen_random_uuid(), :tenant, id, 'procedure', id, 'review', 1, 'P6M', :base,
                        next_timer_due + interval '180 days', 0, next_timer_due + interval '180 days', true
                    FROM new
                )
                INSERT INTO tasks (id, tenant_id, instance_id, definition_id, process_id, element_id, name,
                    status, kind, created_at, due_at, properties, context)
                SELECT gen_random_uuid(), :tenant, id, :definition, :process, 'next', 'Verder', 'open',
                    'user', :base, next_timer_due + interval '14 days', '{}'::jsonb, '{}'::jsonb
                FROM new
                """
            ),
            {"tenant": TENANT, "definition": definition_id, "process": PROCESS, "base": base, "count": count},
        )
    # As after any bulk load: set the new rows' visibility (otherwise the first ticks that read them
    # do that writing) and give the planner their statistics.
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in ("process_instances", "escalation_deadlines", "tasks"):
            connection.execute(text(f"VACUUM ANALYZE {table}"))
    database.dispose()


def forget_workflows(services: Services) -> None:
    services.database.caches.pop("workflows", None)


def _start(services: Services, clock: FrozenClock, at: datetime) -> uuid.UUID:
    clock.set(at)
    with services.uow() as uow:
        instance_id = services.runtime.start(uow, TENANT, PROCESS, {}, "bench").instance.id
        uow.commit()
    return instance_id


# --- lateness ---------------------------------------------------------------------------------


def lateness(env: BenchEnv) -> dict[str, Any]:
    url = env.postgres_url("scheduler_lateness")
    if url is None:
        return {}
    definition_id = _prepare(url, env)
    _add_open_procedures(url, definition_id, LATENESS_OPEN, datetime.now(UTC))
    starter = FrozenClock()
    services = _services(url, starter, env)
    # Dues from `base` on, spread over a minute; `base` leaves time to start them all first.
    began = time.perf_counter()
    probe = _start(services, starter, datetime.now(UTC) + timedelta(days=30))
    per_start = time.perf_counter() - began
    base = datetime.now(UTC) + timedelta(seconds=5 + LATENESS_DUE * per_start * 1.5)
    due: dict[uuid.UUID, datetime] = {}
    for i in range(LATENESS_DUE):
        moment = base + timedelta(seconds=SPREAD_S * i / LATENESS_DUE)
        due[_start(services, starter, moment - timedelta(hours=1))] = moment
    services.database.dispose()
    assert datetime.now(UTC) < base, "starting the due instances took longer than planned"
    assert probe not in due

    live = _services(url, SYSTEM_CLOCK, env)
    scheduler = Scheduler(live, mailer=None, mode="bench")
    scheduler.start()
    try:
        deadline = base + timedelta(seconds=SPREAD_S + 30)
        fired: dict[uuid.UUID, datetime] = {}
        while len(fired) < len(due) and datetime.now(UTC) < deadline:
            time.sleep(1)
            with live.uow(readonly=True) as uow:
                query = select(ProcessEvent.instance_id, ProcessEvent.at)
                rows = uow.session.execute(query.where(ProcessEvent.type == "timers_fired"))
                fired = {instance_id: at for instance_id, at in rows if instance_id in due}
    finally:
        scheduler.shutdown()
    status = live.status["scheduler"]
    live.database.dispose()
    late = [(fired[i] - due[i]).total_seconds() for i in due if i in fired]
    missing = len(due) - len(late)
    return {
        "timer_lateness_p50_s": round(percentile(late, 50), 3),
        "timer_lateness_p99_s": round(percentile(late, 99), 3) if not missing else None,
        "timer_lateness_max_s": round(max(late), 3),
        "timer_lateness_due": len(due),
        "timer_lateness_open": LATENESS_OPEN,
        "timer_lateness_missing": missing,
        "timer_lateness_ticks": status.get("ticks"),
    }


# --- tick cost at 10k / 100k / 1M open --------------------------------------------------------


def ticks(env: BenchEnv) -> dict[str, Any]:
    url = env.postgres_url("scheduler_tick")
    if url is None:
        return {}
    definition_id = _prepare(url, env)
    clock = FrozenClock(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    variants = {"": _services(url, clock, env, TICK_WORKERS), "_one_process": _services(url, clock, env)}
    schedulers = {
        label: Scheduler(services, mailer=None, mode="bench", batch_size=1000)
        for label, services in variants.items()
    }
    figures: dict[str, Any] = {"tick_workers": TICK_WORKERS}
    open_now = 0
    try:
        for label, size in TICK_SIZES.items():
            began = time.perf_counter()
            _add_open_procedures(url, definition_id, size - open_now, clock.now())
            figures[f"setup_s_{label}"] = round(time.perf_counter() - began, 1)
            figures[f"settle_s_{label}"] = settle_postgres(url)
            open_now = size
            idle = [schedulers[""].tick().ms for _ in range(5)]
            if label == next(iter(TICK_SIZES)):
                # Not counted: a long-running scheduler's workers have their connections, prepared
                # statements and compiled SQL; new worker processes get them on their first sweep.
                for variant, services in variants.items():
                    _busy_tick(services, schedulers[variant], clock)
            busy: dict[str, list[float]] = {variant: [] for variant in variants}
            for _ in range(TICK_ROUNDS):
                for variant, services in variants.items():
                    busy[variant].append(_busy_tick(services, schedulers[variant], clock))
            for variant, samples in busy.items():
                figures[f"tick_ms_{label}{variant}"] = round(statistics.median(samples), 1)
            figures[f"tick_idle_ms_{label}"] = round(statistics.median(idle), 2)
        figures["fire_ms_one_process"] = round(figures["tick_ms_1m_one_process"] / TICK_DUE, 2)
        figures["claim_uses_index"] = _claim_uses_index(variants[""], clock.now())
        figures["task_watch_uses_index"] = _task_watch_uses_index(variants[""], clock.now())
    finally:
        for label, scheduler in schedulers.items():
            scheduler.shutdown()
            variants[label].database.dispose()
    return figures


def _busy_tick(services: Services, scheduler: Scheduler, clock: FrozenClock) -> float:
    """Start TICK_DUE instances whose timers fall due in an hour, move an hour on, tick: its ms."""
    start_at = clock.now()
    for _ in range(TICK_DUE):
        _start(services, clock, start_at)
    clock.set(start_at + timedelta(hours=1, seconds=1))
    # A timer falls due long after its instance last moved: the scheduler restores each live state
    # from its row, not from the workflows this process just started.
    forget_workflows(services)
    report = scheduler.tick()
    assert report.timers.fired == TICK_DUE, report
    clock.advance(minutes=1)
    return report.ms


def _claim_uses_index(services: Services, now: datetime) -> bool:
    """Whether the sweep's own claim query (as the scheduler sends it) is an index scan."""
    with services.uow(readonly=True) as uow:
        statement, params = due_timer_query(now, [], uow.dialect)
        compiled = statement.compile(dialect=uow.session.bind.dialect)
        plan = uow.session.connection().exec_driver_sql(
            f"EXPLAIN {compiled}", compiled.construct_params(params)
        )
        return any("ix_process_instances_timer_due" in line for line in plan.scalars())


def _task_watch_uses_index(services: Services, now: datetime) -> bool:
    """Whether the sweep's look for tasks that fell due (deadlines.open_overdue_task_deadlines) reads
    the partial index on open tasks' due times, not the tasks table."""
    with services.uow(readonly=True) as uow:
        statement = overdue_tasks_query(for_update=True)
        compiled = statement.compile(dialect=uow.session.bind.dialect)
        plan = uow.session.connection().exec_driver_sql(
            f"EXPLAIN {compiled}", compiled.construct_params({"now": now, "size": 100})
        )
        return any("ix_tasks_deadline_due" in line for line in plan.scalars())


def run(env: BenchEnv) -> dict[str, Any]:
    # Other work on the machine shows in every figure here: record how busy it was.
    figures: dict[str, Any] = {"load_average_1m": round(os.getloadavg()[0], 2)}
    figures.update(ticks(env))
    figures.update(lateness(env))
    if len(figures) == 1:
        figures["skipped"] = "no PostgreSQL server answered"
        return figures
    sizes = [figures[f"tick_ms_{label}"] for label in TICK_SIZES]
    # Flat: the largest size costs no more than 1.5x the smallest (noise on a shared machine aside).
    figures["tick_meets_target"] = figures["tick_ms_1m"] <= 100 and max(sizes) <= 1.5 * min(sizes)
    figures["lateness_meets_target"] = figures["timer_lateness_p99_s"] <= 2
    return figures
