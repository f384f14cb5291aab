"""Migration at the engine level: the live state moves, open tasks follow, refusals leave all as it was."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.access import Actor
from engine.migration.batch import dry_run, run_batch
from engine.migration.plan import MigrationPlan, propose
from engine.roles import Role
from engine.runtime.models import ProcessEvent, ProcessInstance, Task
from engine.runtime.service import Runtime
from engine.status import InstanceStatus, TaskStatus
from tests.factories import deploy_bundle, make_tenant
from tests.migration.models import version_one, version_two

DESIGNER = Actor("designer", "utrecht", frozenset({Role.PROCESS_DESIGNER}))


@pytest.fixture
def runtime(uow):
    make_tenant(uow)
    deploy_bundle(uow, version_one())
    return Runtime()


def _start(uow, runtime, steps: int):
    with uow() as unit:
        instance_id = runtime.start(unit, "utrecht", "mig", {}, "meldpunt").instance.id
        unit.commit()
    for _ in range(steps):
        _complete(uow, runtime, instance_id)
    return instance_id


def _open(uow, instance_id):
    with uow(readonly=True) as unit:
        return unit.session.scalars(
            select(Task).where(Task.instance_id == instance_id, Task.status == TaskStatus.OPEN)
        ).all()


def _complete(uow, runtime, instance_id):
    [task] = _open(uow, instance_id)
    with uow() as unit:
        outcome = runtime.complete_task(unit, "utrecht", task.id, {"akkoord": True}, "someone")
        unit.commit()
    return outcome


def test_plan_dry_run_and_partial_batch(uow, runtime):
    at_a, at_b, at_c = _start(uow, runtime, 0), _start(uow, runtime, 1), _start(uow, runtime, 2)
    deploy_bundle(uow, version_two())
    proposal = propose(uow(), DESIGNER, "mig", 1)
    assert proposal.plan.target_version == 2
    assert proposal.plan.mapping == {"a": "a"}
    assert sorted(proposal.unmapped) == ["b", "c"]
    plan = MigrationPlan("mig", 1, 2, {"a": "a", "b": "b2"})

    report = dry_run(uow, runtime, DESIGNER, plan)
    by_id = {r.instance_id: r for r in report.results}
    assert by_id[at_a].ok and by_id[at_b].ok
    assert not by_id[at_c].ok
    assert [b.code for b in by_id[at_c].blockers] == ["element_removed"]
    assert by_id[at_c].blockers[0].element == "c"
    with uow(readonly=True) as unit:
        assert {i.definition_id for i in unit.session.scalars(select(ProcessInstance))} == {1}

    report = run_batch(uow, runtime, DESIGNER, plan)
    assert {r.instance_id for r in report.moved} == {at_a, at_b}
    assert [r.instance_id for r in report.refused] == [at_c]
    assert report.remaining == 0
    with uow(readonly=True) as unit:
        versions = {i.id: i.definition_id for i in unit.session.scalars(select(ProcessInstance))}
        events = unit.session.scalars(select(ProcessEvent).where(ProcessEvent.type == "migrated")).all()
    assert versions == {at_a: 2, at_b: 2, at_c: 1}
    assert {e.instance_id for e in events} == {at_a, at_b}
    [task_b] = _open(uow, at_b)
    assert (task_b.element_id, task_b.definition_id) == ("b2", 2)
    [task_a] = _open(uow, at_a)
    assert task_a.due_at - task_a.created_at == timedelta(days=5)  # the element's due date changed
    assert (task_a.name, task_a.role, task_a.properties.get("legalGround")) == (
        "Eerste (nieuw)",
        "coordinator",
        "test.grond",
    )
    # runs on under the new version
    _complete(uow, runtime, at_b)
    [task_x] = _open(uow, at_b)
    assert task_x.element_id == "x"
    outcome = _complete(uow, runtime, at_b)
    assert outcome.instance.status == InstanceStatus.COMPLETED
    # the refused one runs on under the old version
    outcome = _complete(uow, runtime, at_c)
    assert outcome.instance.status == InstanceStatus.COMPLETED
