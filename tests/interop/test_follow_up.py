"""followUpDate (Camunda 7, Flowable, Zeebe): the task's follow-up moment is stored, shown in the inbox
and on the task page ("Opvolgen op …"), and the API sorts and filters by it."""

from __future__ import annotations

import re
from datetime import timedelta

from engine.roles import Role
from tests.api.conftest import add_account
from tests.interop import models
from tests.interop.drive import deploy, open_tasks, start
from tests.web.conftest import Browser

CAMUNDA7 = """
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="split"/>
    <bpmn:parallelGateway id="split"/>
    <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="soon"/>
    <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="later"/>
    <bpmn:sequenceFlow id="f4" sourceRef="split" targetRef="never"/>
    <bpmn:userTask id="soon" camunda:formKey="step" camunda:candidateGroups="assessor" camunda:followUpDate="P1D"/>
    <bpmn:userTask id="later" camunda:formKey="step" camunda:candidateGroups="assessor"
        camunda:followUpDate="config:opvolgen"/>
    <bpmn:userTask id="never" camunda:formKey="step" camunda:candidateGroups="assessor"/>
    <bpmn:sequenceFlow id="f5" sourceRef="soon" targetRef="join"/>
    <bpmn:sequenceFlow id="f6" sourceRef="later" targetRef="join"/>
    <bpmn:sequenceFlow id="f7" sourceRef="never" targetRef="join"/>
    <bpmn:parallelGateway id="join"/>
    <bpmn:sequenceFlow id="f8" sourceRef="join" targetRef="end"/>
    <bpmn:endEvent id="end"/>
"""

ZEEBE = """
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check"/>
    <bpmn:userTask id="check">
      <bpmn:extensionElements>
        <zeebe:formDefinition formId="step"/>
        <zeebe:assignmentDefinition candidateGroups="assessor"/>
        <zeebe:taskSchedule followUpDate="2030-01-02T09:00:00+01:00"/>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="end"/>
    <bpmn:endEvent id="end"/>
"""


def _tasks(api, query: str) -> list[str]:
    response = api.get(f"/api/v1/tasks?scope=all&{query}", as_=Role.ASSESSOR)
    assert response.status_code == 200, response.get_json()
    return [t["element_id"] for t in response.get_json()["items"]]


def test_follow_up_moments_are_stored_sorted_and_filtered(api, clock):
    files = {"m.bpmn": models.document(CAMUNDA7, prefix="camunda"), "settings.yaml": "opvolgen: P5D\n"}
    response = deploy(api, models.bundle(files))
    assert response.status_code == 201, response.get_json()
    opened = clock.now()
    procedure = start(api, "p")
    tasks = {t["element_id"]: t for t in open_tasks(api, procedure["id"])}
    assert tasks["soon"]["follow_up_at"].startswith((opened + timedelta(days=1)).date().isoformat())
    assert tasks["later"]["follow_up_at"].startswith((opened + timedelta(days=5)).date().isoformat())
    assert tasks["never"]["follow_up_at"] is None

    assert _tasks(api, "sort=follow_up") == ["soon", "later", "never"]  # none last
    assert _tasks(api, "sort=-follow_up") == ["later", "soon", "never"]
    assert _tasks(api, "follow_up=true") == []
    clock.advance(days=2)
    assert _tasks(api, "follow_up=true") == ["soon"]
    assert sorted(_tasks(api, "follow_up=false")) == ["later", "never"]
    before = (opened + timedelta(days=3)).isoformat()
    assert _tasks(api, f"follow_up_before={before.replace('+', '%2B')}") == ["soon"]
    assert api.get("/api/v1/tasks?sort=follow", as_=Role.ASSESSOR).status_code == 422


def test_a_zeebe_follow_up_date_is_read_and_a_bad_one_refused_by_name(api):
    response = deploy(api, models.bundle({"z.bpmn": models.document(ZEEBE, prefix="zeebe")}))
    assert response.status_code == 201, response.get_json()
    procedure = start(api, "p")
    [task] = open_tasks(api, procedure["id"])
    assert task["follow_up_at"].startswith("2030-01-02T08:00:00")

    bad = ZEEBE.replace("2030-01-02T09:00:00+01:00", "morgen")
    refused = deploy(api, models.bundle({"z.bpmn": models.document(bad, prefix="zeebe")}))
    assert refused.status_code == 422
    messages = {(i["element"], i["message"]) for i in refused.get_json()["issues"]}
    assert ("check", "followUpDate 'morgen' is not a duration, a date-time or config:<key>") in messages


def test_the_inbox_and_the_task_page_show_opvolgen_op(api, app, uow):
    response = deploy(api, models.bundle({"z.bpmn": models.document(ZEEBE, prefix="zeebe")}))
    assert response.status_code == 201, response.get_json()
    procedure = start(api, "p")
    [task] = open_tasks(api, procedure["id"])
    add_account(uow, "volger.utrecht", "utrecht", [Role.ASSESSOR], password="correct horse battery")
    browser = Browser(app.test_client())
    page = browser.client.get("/login")
    login_token = re.search(r'name="login_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    browser.client.post(
        "/login",
        data={"username": "volger.utrecht", "password": "correct horse battery", "login_token": login_token},
    )
    inbox = browser.get("/inbox?section=available")
    assert inbox.status_code == 200
    page = browser.get(f"/tasks/{task['id']}")
    for text in (inbox.text, page.text):
        shown = re.search(r'data-testid="follow-up">([^<]+)<', text)
        assert shown, text
        assert shown.group(1).startswith("Opvolgen op 02-01-2030, "), shown.group(1)
