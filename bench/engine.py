"""Engine figures (issue: engine core).

step_ms       median cost of completing one user task of the 3-user-task model through the service
              layer (load, lock, validate, complete, persist, commit) on SQLite
raw_cycle_ms  the plain SpiffWorkflow deserialize + complete + serialize cycle for the same model
commit_ms     a bare one-row insert + commit on the same kind of SQLite database
loop_ratio    step cost at evaluation round 1,000 / round 1 (continue-as-new loop model)
state_bytes   stored live state at round 1,000
"""

from __future__ import annotations

import statistics
import time
import uuid
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select

from bench.common import BenchEnv, median_ms
from engine.clock import FrozenClock
from engine.config import Settings
from engine.db.session import connect
from engine.definitions.bundle import Bundle
from engine.definitions.service import deploy
from engine.runtime.models import ProcessInstance, Task
from engine.services import Services, build_services
from engine.status import TaskStatus
from engine.tenancy import ensure_tenant

FIXTURES = Path(__file__).parent.parent / "tests" / "fixtures" / "bundles"
STEP_SAMPLES = 600
LOOP_ROUNDS = 1000
LOOP_WINDOW = 50


def _services(env: BenchEnv, name: str, bundle: str) -> Services:
    url = env.sqlite_url(name)
    settings = Settings.from_env({}, instance_path=env.workdir, env="test", database_url=url)
    services = build_services(settings, database=connect(url), clock=FrozenClock())
    with services.uow() as uow:
        ensure_tenant(uow, "bench", "Bench")
        uow.commit()
    deploy(services.uow(), "bench", Bundle.from_directory(FIXTURES / bundle), "bench", max_xml_bytes=2**21)
    return services


def _open_task(services: Services, instance_id: uuid.UUID) -> uuid.UUID | None:
    with services.uow(readonly=True) as uow:
        return uow.session.scalar(
            select(Task.id).where(Task.instance_id == instance_id, Task.status == TaskStatus.OPEN)
        )


def _complete(services: Services, task_id: uuid.UUID, data: dict[str, Any]) -> float:
    began = time.perf_counter()
    with services.uow() as uow:
        services.runtime.complete_task(uow, "bench", task_id, data, "bench")
        uow.commit()
    return time.perf_counter() - began


def step_ms(env: BenchEnv) -> float:
    services = _services(env, "step", "three_tasks")
    samples: list[float] = []
    while len(samples) < STEP_SAMPLES:
        with services.uow() as uow:
            instance_id = services.runtime.start(uow, "bench", "three_tasks", {}, "bench").instance.id
            uow.commit()
        for _ in range(3):
            task_id = _open_task(services, instance_id)
            assert task_id is not None
            samples.append(_complete(services, task_id, {"akkoord": True}))
    services.database.dispose()
    return median_ms(samples[30:])


def raw_cycle_ms() -> float:
    """SpiffWorkflow as its documentation uses it: serialize the whole workflow (spec included)."""
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(FIXTURES / "three_tasks" / "three_tasks.bpmn"))
    spec = parser.get_spec("three_tasks")
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    samples: list[float] = []
    while len(samples) < STEP_SAMPLES:
        workflow = BpmnWorkflow(spec)
        workflow.do_engine_steps()
        state = serializer.serialize_json(workflow)
        for _ in range(3):
            began = time.perf_counter()
            workflow = serializer.deserialize_json(state)
            task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
            task.data.update({"akkoord": True})
            task.run()
            workflow.do_engine_steps()
            state = serializer.serialize_json(workflow)
            samples.append(time.perf_counter() - began)
    return median_ms(samples[30:])


def commit_ms(env: BenchEnv) -> float:
    database = connect(env.sqlite_url("commit"))
    table = Table("bench_rows", MetaData(), Column("id", Integer, primary_key=True), Column("v", String(20)))
    table.create(database.engine)
    samples = []
    for i in range(STEP_SAMPLES):
        began = time.perf_counter()
        with database.session() as session:
            session.execute(insert(table).values(v=str(i)))
            session.commit()
        samples.append(time.perf_counter() - began)
    database.dispose()
    return median_ms(samples[30:])


def loop_figures(env: BenchEnv) -> dict[str, float]:
    services = _services(env, "loop", "loop")
    with services.uow() as uow:
        instance_id = services.runtime.start(uow, "bench", "loop", {"ronde": 0}, "bench").instance.id
        uow.commit()
    costs: list[float] = []
    for _ in range(LOOP_ROUNDS + LOOP_WINDOW):
        task_id = _open_task(services, instance_id)
        assert task_id is not None, "the loop stopped advancing"
        costs.append(_complete(services, task_id, {"doorgaan": True}))
    with services.uow(readonly=True) as uow:
        instance = uow.session.get(ProcessInstance, instance_id)
        assert instance is not None
        state_bytes = len(instance.state.encode())
        segment = instance.segment
    services.database.dispose()
    first = statistics.median(costs[5:LOOP_WINDOW])
    last = statistics.median(costs[LOOP_ROUNDS - 5 : LOOP_ROUNDS + LOOP_WINDOW])
    return {
        "loop_round_1_ms": round(first * 1000, 3),
        "loop_round_1000_ms": round(last * 1000, 3),
        "loop_ratio": round(last / first, 3),
        "state_bytes": state_bytes,
        "loop_rounds_done": segment - 1,
    }


def run(env: BenchEnv) -> dict[str, Any]:
    figures: dict[str, Any] = {
        "step_ms": step_ms(env),
        "raw_cycle_ms": raw_cycle_ms(),
        "commit_ms": commit_ms(env),
    }
    figures["step_target_ms"] = round(2 * figures["raw_cycle_ms"] + figures["commit_ms"], 3)
    figures["step_meets_target"] = figures["step_ms"] <= figures["step_target_ms"]
    figures.update(loop_figures(env))
    figures["loop_meets_target"] = figures["loop_ratio"] <= 1.2 and figures["state_bytes"] <= 8192
    return figures
