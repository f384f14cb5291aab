"""Versions and migration over HTTP: a draft's changes before publishing, the proposed plan, the dry
run, a partial batch, the timeline, and a migrated procedure running on under the new version."""

from __future__ import annotations

import io
import uuid

from sqlalchemy import select

from engine.definitions.models import ProcessDefinition
from engine.roles import Role
from engine.runtime.models import ProcessInstance
from engine.status import InstanceStatus
from tests.api.conftest import TENANT
from tests.factories import deploy_bundle
from tests.migration.models import version_one, version_two

PLAN = {"process_id": "mig", "source_version": 1, "target_version": 2, "mapping": {"a": "a", "b": "b2"}}


def _start(api, world, steps: int) -> str:
    response = api.post("/api/v1/procedures", as_=Role.MELDPUNT, json={"process_id": "mig"})
    assert response.status_code == 201, response.get_json()
    procedure = response.get_json()["id"]
    for _ in range(steps):
        _complete(api, world, procedure)
    return str(procedure)


def _complete(api, world, procedure) -> dict:
    [task] = world.open_tasks(procedure)
    role = {"meldpunt": Role.MELDPUNT, "assessor": Role.ASSESSOR, "coordinator": Role.COORDINATOR}[task.role]
    response = api.post(f"/api/v1/tasks/{task.id}/complete", as_=role, json={"data": {"akkoord": True}})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _versions(world) -> dict[str, int]:
    """Each `mig` procedure's version number."""
    with world.uow(readonly=True) as unit:
        rows = unit.session.execute(
            select(ProcessInstance.id, ProcessDefinition.version)
            .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
            .where(ProcessDefinition.process_id == "mig")
        )
        return {str(instance_id): version for instance_id, version in rows}


def test_a_draft_shows_its_changes_before_it_is_published(api, world):
    deploy_bundle(world.uow, version_one(), TENANT)
    draft = version_two().files["mig.bpmn"]
    response = api.post(
        "/api/v1/process-definitions/mig/changes",
        as_=Role.PROCESS_DESIGNER,
        data={"file": (io.BytesIO(draft), "mig.bpmn")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["previous"], body["version"]) == (1, 2)
    assert {e["id"] for e in body["added"]} >= {"b2", "x"}
    assert {e["id"] for e in body["removed"]} >= {"b", "c"}
    [changed_a] = [c for c in body["changed"] if c["id"] == "a"]
    fields = {f["key"]: (f["old"], f["new"]) for f in changed_a["fields"]}
    assert fields["candidateGroups"] == ("meldpunt", "coordinator")
    assert fields["dueDate"] == ("P2D", "P5D")
    assert fields["property:legalGround"] == (None, "test.grond")
    with world.uow(readonly=True) as unit:  # nothing was deployed
        assert unit.session.scalar(select(ProcessInstance).limit(1)) is None
    refused = api.post(
        "/api/v1/process-definitions/mig/changes",
        as_=Role.ASSESSOR,
        data={"file": (io.BytesIO(draft), "mig.bpmn")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 403


def test_plan_dry_run_partial_batch_timeline_and_running_on(api, world):
    deploy_bundle(world.uow, version_one(), TENANT)
    at_a, at_b, at_c = _start(api, world, 0), _start(api, world, 1), _start(api, world, 2)
    deploy_bundle(world.uow, version_two(), TENANT)

    proposal = api.get(
        "/api/v1/process-definitions/mig/migration-plan?source_version=1", as_=Role.PROCESS_DESIGNER
    )
    assert proposal.status_code == 200, proposal.get_json()
    body = proposal.get_json()
    assert body["plan"]["target_version"] == 2 and body["plan"]["mapping"] == {"a": "a"}
    assert sorted(body["unmapped"]) == ["b", "c"]
    assert {e["id"] for e in body["target"]} == {"a", "b2", "x"}

    dry = api.post("/api/v1/migrations/dry-run", as_=Role.PROCESS_DESIGNER, json={"plan": PLAN})
    assert dry.status_code == 200, dry.get_json()
    results = {r["instance_id"]: r for r in dry.get_json()["results"]}
    assert results[at_a]["ok"] and results[at_b]["ok"]
    assert results[at_b]["elements"] == {"b": "b2"}
    assert not results[at_c]["ok"]
    assert [(b["code"], b["element"]) for b in results[at_c]["blockers"]] == [("element_removed", "c")]
    assert set(_versions(world).values()) == {1}  # a dry run writes nothing

    run = api.post("/api/v1/migrations", as_=Role.ADMIN, json={"plan": PLAN, "batch_size": 10})
    assert run.status_code == 200, run.get_json()
    report = run.get_json()
    assert (report["moved"], report["refused"], report["remaining"]) == (2, 1, 0)
    [refused] = [r for r in report["results"] if not r["ok"]]
    assert refused["instance_id"] == at_c and refused["blockers"][0]["code"] == "element_removed"
    assert _versions(world) == {at_a: 2, at_b: 2, at_c: 1}

    detail = api.get(f"/api/v1/procedures/{at_b}", as_=Role.COORDINATOR).get_json()
    [migrated] = [e for e in detail["timeline"] if e["type"] == "migrated"]
    assert migrated["detail"]["from_version"] == 1 and migrated["detail"]["to_version"] == 2
    assert migrated["actor"] == f"{Role.ADMIN.value}.{TENANT}"

    # the moved task is b2 now, completes, and the procedure runs on to v2's new step
    [task] = world.open_tasks(at_b)
    assert task.element_id == "b2"
    _complete(api, world, at_b)
    [task] = world.open_tasks(at_b)
    assert task.element_id == "x"
    _complete(api, world, at_b)
    with world.uow(readonly=True) as unit:
        assert unit.session.get(ProcessInstance, uuid.UUID(at_b)).status == InstanceStatus.COMPLETED
    # the one that could not move is whole on version 1 and runs on there
    [task] = world.open_tasks(at_c)
    assert task.element_id == "c"
    _complete(api, world, at_c)


def test_only_designers_and_administrators_migrate_and_bad_mappings_are_named(api, world):
    deploy_bundle(world.uow, version_one(), TENANT)
    deploy_bundle(world.uow, version_two(), TENANT)
    refused = api.post("/api/v1/migrations/dry-run", as_=Role.MANAGER, json={"plan": PLAN})
    assert refused.status_code == 403
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    bad = {**PLAN, "mapping": {"a": "nope"}}
    answer = api.post("/api/v1/migrations/dry-run", as_=Role.PROCESS_DESIGNER, json={"plan": bad})
    assert answer.status_code == 422 and "nope" in answer.get_json()["detail"]
    missing = {**PLAN, "target_version": 9}
    assert (
        api.post("/api/v1/migrations", as_=Role.PROCESS_DESIGNER, json={"plan": missing}).status_code == 404
    )
