"""Migration where the live state is more than one waiting task: a task with a cycle boundary timer
(the timer keeps its due moment and still fires), multi-instance call activities (every instance
moves with its data), boundary events that changed (refused), a procedure in error (refused)."""

from __future__ import annotations

from sqlalchemy import select

from engine.definitions.bundle import Bundle
from engine.errors import ProcessError
from engine.migration.batch import dry_run, run_batch
from engine.migration.plan import MigrationPlan
from engine.runtime.models import ProcessInstance, Task
from engine.runtime.service import Runtime
from engine.status import InstanceStatus, TaskStatus
from tests.factories import deploy_bundle, fixture_bundle, make_tenant
from tests.migration.test_engine_migration import DESIGNER


def _edited(name: str, path: str, *pairs: tuple[str, str]) -> Bundle:
    files = dict(fixture_bundle(name).files)
    text = files[path].decode()
    for old, new in pairs:
        assert old in text
        text = text.replace(old, new)
    files[path] = text.encode()
    return Bundle(files)


def _instance(uow, instance_id) -> ProcessInstance:
    with uow(readonly=True) as unit:
        return unit.session.get(ProcessInstance, instance_id)


def _open(uow, instance_id) -> list[Task]:
    with uow(readonly=True) as unit:
        return list(
            unit.session.scalars(
                select(Task).where(Task.instance_id == instance_id, Task.status == TaskStatus.OPEN)
            )
        )


def test_a_waiting_boundary_timer_keeps_its_due_moment_and_fires_under_the_new_version(uow, clock):
    make_tenant(uow)
    deploy_bundle(uow, fixture_bundle("evaluation_cycle"))
    runtime = Runtime()
    with uow() as unit:
        instance_id = runtime.start(unit, "utrecht", "evaluation_cycle", {}, "a").instance.id
        unit.commit()
    due = _instance(uow, instance_id).next_timer_due
    assert due is not None
    deploy_bundle(
        uow,
        _edited("evaluation_cycle", "evaluation_cycle.bpmn", ('name="Evaluatie"', 'name="Evaluatie (v2)"')),
    )
    clock.advance(days=10)
    plan = MigrationPlan("evaluation_cycle", 1, 2, {"traject": "traject", "every_quarter": "every_quarter"})
    report = run_batch(uow, runtime, DESIGNER, plan)
    assert [r.ok for r in report.results] == [True], report.results[0].blockers
    moved = _instance(uow, instance_id)
    assert moved.next_timer_due == due  # not restarted by the move
    clock.advance(days=90)
    with uow() as unit:
        runtime.fire_timers(unit, instance_id)
        unit.commit()
    names = sorted(t.name for t in _open(uow, instance_id))
    assert names == ["Evaluatie (v2)", "Traject"]  # the next step comes from version 2


def test_changed_boundary_events_are_refused_and_nothing_moves(uow):
    make_tenant(uow)
    deploy_bundle(uow, fixture_bundle("evaluation_cycle"))
    runtime = Runtime()
    with uow() as unit:
        instance_id = runtime.start(unit, "utrecht", "evaluation_cycle", {}, "a").instance.id
        unit.commit()
    before = _instance(uow, instance_id)
    late = (
        '<bpmn:boundaryEvent id="late" attachedToRef="traject" cancelActivity="false">'
        '<bpmn:timerEventDefinition id="td_late"><bpmn:timeDuration>P1Y</bpmn:timeDuration>'
        "</bpmn:timerEventDefinition></bpmn:boundaryEvent>"
        '<bpmn:sequenceFlow id="f_late" sourceRef="late" targetRef="late_end"/><bpmn:endEvent id="late_end"/>'
    )
    another_timer = _edited(
        "evaluation_cycle",
        "evaluation_cycle.bpmn",
        ('<bpmn:endEvent id="end"/>', '<bpmn:endEvent id="end"/>' + late),
    )
    deploy_bundle(uow, another_timer)
    plan = MigrationPlan("evaluation_cycle", 1, 2, {"traject": "traject", "every_quarter": "every_quarter"})
    report = run_batch(uow, runtime, DESIGNER, plan)
    [result] = report.results
    assert not result.ok
    assert "boundary_changed" in {b.code for b in result.blockers}
    after = _instance(uow, instance_id)
    assert (after.definition_id, after.state, after.version) == (
        before.definition_id,
        before.state,
        before.version,
    )


def test_multi_instance_call_activities_move_with_their_data(uow):
    make_tenant(uow)
    deploy_bundle(uow, fixture_bundle("call_activity"))
    runtime = Runtime()
    with uow() as unit:
        instance_id = runtime.start(
            unit, "utrecht", "requests", {"partijen": ["ggz", "uwv"]}, "a"
        ).instance.id
        unit.commit()
    deploy_bundle(
        uow, _edited("call_activity", "request.bpmn", ('name="Beantwoorden"', 'name="Beantwoorden (v2)"'))
    )
    report = run_batch(
        uow,
        runtime,
        DESIGNER,
        MigrationPlan("requests", 1, 2, {"per_party": "per_party", "answer": "answer"}),
    )
    assert [r.ok for r in report.results] == [True], report.results[0].blockers
    tasks = _open(uow, instance_id)
    assert sorted(t.name for t in tasks) == ["Beantwoorden (v2)", "Beantwoorden (v2)"]
    with uow(readonly=True) as unit:
        data = runtime.task_data(unit, unit.session.get(ProcessInstance, instance_id), [t.id for t in tasks])
    assert sorted(d["partij"] for d in data) == ["ggz", "uwv"]
    for task in tasks:
        with uow() as unit:
            outcome = runtime.complete_task(unit, "utrecht", task.id, {"akkoord": True}, "p")
            unit.commit()
    assert outcome.instance.status == InstanceStatus.COMPLETED


def test_a_procedure_in_error_is_reported_and_left_alone(uow):
    make_tenant(uow)
    deploy_bundle(uow, fixture_bundle("three_tasks"))
    runtime = Runtime()
    with uow() as unit:
        instance_id = runtime.start(unit, "utrecht", "three_tasks", {}, "a").instance.id
        unit.commit()
    with uow() as unit:
        runtime.mark_error(unit, instance_id, ProcessError("broken", element="task_one"))
        unit.commit()
    deploy_bundle(uow, _edited("three_tasks", "three_tasks.bpmn", ('name="Eerste stap"', 'name="Stap één"')))
    report = dry_run(uow, runtime, DESIGNER, MigrationPlan("three_tasks", 1, 2, {"task_one": "task_one"}))
    [result] = report.results
    assert not result.ok and [b.code for b in result.blockers] == ["in_error"]
