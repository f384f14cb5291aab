"""The bundle setting `continue_on_newest_version`: a procedure that continues as new each period
starts the next period on the newest version when it is on, and stays on its version when it is off."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from engine.definitions.bundle import Bundle
from engine.definitions.models import ProcessDefinition
from engine.roles import Role
from engine.runtime.models import ProcessInstance
from tests.api.conftest import TENANT
from tests.factories import deploy_bundle, fixture_bundle


def _loop(*, setting: bool, name: str = "Evalueren") -> Bundle:
    files = dict(fixture_bundle("loop").files)
    files["loop.bpmn"] = files["loop.bpmn"].replace(b'name="Evalueren"', f'name="{name}"'.encode())
    if setting:
        files["settings.yaml"] = b"continue_on_newest_version: true\n"
    return Bundle(files)


def _version(world, procedure: str) -> int:
    with world.uow(readonly=True) as unit:
        return int(
            unit.session.scalar(
                select(ProcessDefinition.version)
                .join(ProcessInstance, ProcessInstance.definition_id == ProcessDefinition.id)
                .where(ProcessInstance.id == uuid.UUID(procedure))
            )
        )


@pytest.mark.parametrize("setting", [True, False])
def test_the_next_period_starts_on_the_newest_version_only_when_the_bundle_says_so(api, world, setting):
    deploy_bundle(world.uow, _loop(setting=setting), TENANT)
    started = api.post(
        "/api/v1/procedures", as_=Role.MELDPUNT, json={"process_id": "loop", "data": {"ronde": 0}}
    )
    assert started.status_code == 201, started.get_json()
    procedure = started.get_json()["id"]
    deploy_bundle(world.uow, _loop(setting=setting, name="Evalueren (nieuw)"), TENANT)

    [task] = world.open_tasks(procedure)
    assert task.name == "Evalueren"  # the running period stays as it started
    done = api.post(
        f"/api/v1/tasks/{task.id}/complete", as_=Role.COORDINATOR, json={"data": {"doorgaan": True}}
    )
    assert done.status_code == 200, done.get_json()

    [task] = world.open_tasks(procedure)
    detail = api.get(f"/api/v1/procedures/{procedure}", as_=Role.COORDINATOR).get_json()
    [continued] = [e for e in detail["timeline"] if e["type"] == "continued"]
    if setting:
        assert task.name == "Evalueren (nieuw)"
        assert _version(world, procedure) == 2
        assert continued["detail"]["version"] == 2
    else:
        assert task.name == "Evalueren"
        assert _version(world, procedure) == 1
        assert "version" not in continued["detail"]
    # and the procedure runs on in its next period
    done = api.post(
        f"/api/v1/tasks/{task.id}/complete", as_=Role.COORDINATOR, json={"data": {"doorgaan": False}}
    )
    assert done.status_code == 200, done.get_json()
    assert world.open_tasks(procedure) == []
