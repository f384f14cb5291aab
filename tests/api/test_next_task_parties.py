"""What completing a task says comes next names each next task's party only to who may know it: the
municipality's staff learn every party, a party's contact only its own. Another party's part in the
procedure (its own task, or the coordinator's request to it) is not told through the answer."""

from __future__ import annotations

import json

from engine.definitions.bundle import Bundle
from engine.roles import Role
from tests.api.conftest import TENANT
from tests.factories import SIMPLE_FORM, bpmn_document, deploy_bundle

# The wijkteam answers first; then the UWV is asked (its own task, and the coordinator's request to it).
PROCESS = """
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="who"/>
    <bpmn:scriptTask id="who" scriptFormat="python"><bpmn:script>partij = "wijkteam"
volgende = "uwv"</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="who" targetRef="ours"/>
    <bpmn:userTask id="ours" name="Eigen vraag" camunda:formKey="step" camunda:candidateGroups="party_contact">
      <bpmn:extensionElements><camunda:properties>
        <camunda:property name="partyVariable" value="partij"/>
      </camunda:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f3" sourceRef="ours" targetRef="split"/>
    <bpmn:parallelGateway id="split"/>
    <bpmn:sequenceFlow id="f4" sourceRef="split" targetRef="theirs"/>
    <bpmn:sequenceFlow id="f5" sourceRef="split" targetRef="request"/>
    <bpmn:userTask id="theirs" name="Vraag van een andere partij" camunda:formKey="step" camunda:candidateGroups="party_contact">
      <bpmn:extensionElements><camunda:properties>
        <camunda:property name="partyVariable" value="volgende"/>
      </camunda:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:userTask id="request" name="Verzoek opstellen" camunda:formKey="step" camunda:candidateGroups="coordinator">
      <bpmn:extensionElements><camunda:properties>
        <camunda:property name="aboutPartyVariable" value="volgende"/>
      </camunda:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f6" sourceRef="theirs" targetRef="join"/>
    <bpmn:sequenceFlow id="f7" sourceRef="request" targetRef="join"/>
    <bpmn:parallelGateway id="join"/>
    <bpmn:sequenceFlow id="f8" sourceRef="join" targetRef="end"/>
    <bpmn:endEvent id="end"/>"""


def _deploy(world) -> None:
    bundle = Bundle(
        {
            "turns.bpmn": bpmn_document(PROCESS, process_id="turns").encode(),
            "forms/step.json": json.dumps(SIMPLE_FORM).encode(),
        }
    )
    deploy_bundle(world.uow, bundle, TENANT)


def test_the_next_tasks_name_another_party_only_to_the_municipality(api, world) -> None:
    _deploy(world)
    started = api.post("/api/v1/procedures", as_=Role.MELDPUNT, json={"process_id": "turns"})
    assert started.status_code == 201, started.get_json()
    [ours] = api.get("/api/v1/tasks?scope=available", as_=Role.PARTY_CONTACT).get_json()["items"]
    assert (ours["element_id"], ours["party"]) == ("ours", "wijkteam")

    done = api.post(f"/api/v1/tasks/{ours['id']}/complete", as_=Role.PARTY_CONTACT, json={"data": {}})
    assert done.status_code == 200, done.get_json()
    told = {t["element_id"]: t for t in done.get_json()["next"]}
    assert set(told) == {"theirs", "request"}
    # The wijkteam learns that work follows, not that the UWV takes part.
    assert all(t["party"] is None and not t["context"] and not t["for_you"] for t in told.values())
    assert "uwv" not in done.text

    # The coordinator, whose request it is, sees which party it is for.
    [request] = api.get("/api/v1/tasks?scope=available", as_=Role.COORDINATOR).get_json()["items"]
    assert (request["element_id"], request["party"]) == ("request", "uwv")
