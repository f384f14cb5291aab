"""The state limit stays as a guard behind the pruning, and says what grew and what to do."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.errors import ProcessError
from engine.runtime.models import ProcessInstance, Task
from engine.runtime.service import Runtime
from engine.status import InstanceStatus, TaskStatus
from tests.factories import deploy_bundle, fixture_bundle, make_tenant


def test_a_state_over_the_limit_is_refused_with_what_grew(uow):
    make_tenant(uow)
    deploy_bundle(uow, fixture_bundle("loops"))
    runtime = Runtime()
    with uow() as unit:
        instance_id = runtime.start(
            unit, "utrecht", "loop_backedge", {"dossier": "x" * 3000}, "a"
        ).instance.id
        unit.commit()
    runtime.max_state_bytes = 4096
    with uow() as unit:
        task = unit.session.scalar(select(Task).where(Task.instance_id == instance_id))
        state_before = unit.session.get(ProcessInstance, instance_id).state
    with pytest.raises(ProcessError) as refused, uow() as unit:
        runtime.complete_task(unit, "utrecht", task.id, {"nog_een": True}, "a")
        unit.commit()
    message = refused.value.message
    assert "limit 4,096" in message and "tasks are kept" in message
    assert "the largest process data are dossier" in message and "continueAs" in message
    assert refused.value.details["cause"] == "state_too_large"
    with uow() as unit:  # refused, not broken: nothing of the step was kept, the task is still open
        instance = unit.session.get(ProcessInstance, instance_id)
        assert instance.status == InstanceStatus.RUNNING and instance.state == state_before
        assert unit.session.get(Task, task.id).status == TaskStatus.OPEN
