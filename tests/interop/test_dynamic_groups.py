"""Candidate groups computed from the process data (`${group}`, Zeebe `=group`): evaluated when the task
opens and mapped through the municipality's role mapping; a group that maps to no role stops the step
with an error naming the element and the group, and never becomes a task nobody sees."""

from __future__ import annotations

from engine.roles import Role
from tests.interop import models
from tests.interop.drive import complete, deploy, open_tasks, start

YES = {"akkoord": True}


def _two_steps(prefix: str, second: str) -> str:
    return models.document(
        f"""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="first"/>
    <bpmn:userTask id="first" camunda:formKey="step" camunda:candidateGroups="coordinator"/>
    <bpmn:sequenceFlow id="f2" sourceRef="first" targetRef="second"/>
    {second}
    <bpmn:sequenceFlow id="f3" sourceRef="second" targetRef="end"/>
    <bpmn:endEvent id="end"/>
""",
        prefix="camunda",
    ).replace(
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"',
        f'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"\n    xmlns:{prefix}="{models.NAMESPACES[prefix]}"',
    )


CAMUNDA7 = _two_steps(
    "flowable", '<bpmn:userTask id="second" flowable:formKey="step" flowable:candidateGroups="${group}"/>'
)
ZEEBE = _two_steps(
    "zeebe",
    '<bpmn:userTask id="second"><bpmn:extensionElements><zeebe:formDefinition formId="step"/>'
    '<zeebe:assignmentDefinition candidateGroups="=[team, &quot;sales&quot;]"/>'
    "</bpmn:extensionElements></bpmn:userTask>",
)


def _map(api, mapping: dict[str, str]) -> None:
    response = api.call("PUT", "/api/v1/role-mapping", as_=Role.ADMIN, json={"mapping": mapping})
    assert response.status_code == 200, response.get_json()


def test_a_computed_group_opens_the_task_for_its_mapped_role(api):
    response = deploy(api, models.bundle({"m.bpmn": CAMUNDA7}))
    assert response.status_code == 201, response.get_json()  # the group is not known at deploy: no refusal
    _map(api, {"accounting": "assessor"})
    procedure = start(api, "p", {"group": "accounting"})
    [first] = open_tasks(api, procedure["id"])
    complete(api, first, YES)
    [second] = open_tasks(api, procedure["id"])
    assert (second["element_id"], second["role"]) == ("second", "assessor")
    # A role name is a group too, as in a static candidateGroups.
    other = start(api, "p", {"group": "Coördinator"})
    [first] = open_tasks(api, other["id"])
    complete(api, first, YES)
    [second] = open_tasks(api, other["id"])
    assert second["role"] == "coordinator"
    assert complete(api, second, YES)["instance"]["ended"] is True


def test_an_unmapped_computed_group_is_a_named_error_and_the_work_is_not_lost(api):
    assert deploy(api, models.bundle({"m.bpmn": CAMUNDA7})).status_code == 201
    procedure = start(api, "p", {"group": "sales"})
    [first] = open_tasks(api, procedure["id"])
    refused = api.post(f"/api/v1/tasks/{first['id']}/complete", as_=Role.COORDINATOR, json={"data": YES})
    assert refused.status_code == 422
    problem = refused.get_json()
    assert problem["code"] == "process_error", problem
    details = problem["details"]
    assert (details["element"], details["cause"], details["groups"]) == (
        "second",
        "unmapped_candidate_group",
        "sales",
    )
    assert "'sales' map to no role" in problem["detail"], problem
    # Nothing was half done: the first task is still open, and no role-less task appeared.
    assert [t["element_id"] for t in open_tasks(api, procedure["id"])] == ["first"]
    _map(api, {"sales": "assessor"})
    complete(api, first, YES)
    [second] = open_tasks(api, procedure["id"])
    assert second["role"] == "assessor"


def test_a_zeebe_computed_list_of_groups_must_map_to_one_role(api):
    assert deploy(api, models.bundle({"z.bpmn": ZEEBE})).status_code == 201
    _map(api, {"sales": "assessor", "finance": "assessor", "board": "manager"})
    procedure = start(api, "p", {"team": "finance"})
    [first] = open_tasks(api, procedure["id"])
    complete(api, first, YES)
    [second] = open_tasks(api, procedure["id"])
    assert second["role"] == "assessor"

    mixed = start(api, "p", {"team": "board"})
    [first] = open_tasks(api, mixed["id"])
    refused = api.post(f"/api/v1/tasks/{first['id']}/complete", as_=Role.COORDINATOR, json={"data": YES})
    assert refused.status_code == 422
    assert "different roles (assessor, manager)" in refused.get_json()["detail"]


def test_a_computed_group_outside_the_expression_subset_is_refused_at_deploy_by_name(api):
    bad = CAMUNDA7.replace("${group}", "${execution.getVariable('group')}")
    refused = deploy(api, models.bundle({"m.bpmn": bad}))
    assert refused.status_code == 422
    [issue] = [i for i in refused.get_json()["issues"] if i["element"] == "second"]
    assert issue["message"].startswith("flowable:candidateGroups \"${execution.getVariable('group')}\"")
    assert "JUEL" in issue["message"], issue
