"""The opt-in `interop.tasks_without_form`: a user task with an HTML form, or with no form, that declares
no data completes without a form (the worker gets a button, no fields); without it, refused by name."""

from __future__ import annotations

import re

from engine.roles import Role
from tests.api.conftest import add_account
from tests.interop import models
from tests.interop.drive import complete, deploy, open_tasks, start, status
from tests.web.conftest import Browser

OPT_IN = "interop:\n  tasks_without_form: true\n"

CAMUNDA7 = """
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call_client"/>
    <bpmn:userTask id="call_client" name="Cliënt bellen" camunda:candidateGroups="coordinator"
        camunda:formKey="embedded:app:forms/bellen.html"/>
    <bpmn:sequenceFlow id="f2" sourceRef="call_client" targetRef="file"/>
    <bpmn:userTask id="file" name="Dossier opbergen" camunda:candidateGroups="assessor"/>
    <bpmn:sequenceFlow id="f3" sourceRef="file" targetRef="end"/>
    <bpmn:endEvent id="end"/>
"""

ZEEBE = """
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check"/>
    <bpmn:userTask id="check" name="Controleren">
      <bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="assessor"/></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="end"/>
    <bpmn:endEvent id="end"/>
"""


def _files(settings: str | None = None, body: str = CAMUNDA7, prefix: str = "camunda") -> dict[str, str]:
    files = {"m.bpmn": models.document(body, prefix=prefix)}
    if settings is not None:
        files["settings.yaml"] = settings
    return files


def _refusals(response) -> set[tuple[str, str]]:
    assert response.status_code == 422, response.get_json()
    return {(e["element"], e["message"]) for e in response.get_json()["issues"]}


def test_without_the_opt_in_html_forms_and_formless_tasks_are_refused_by_name(api):
    refused = _refusals(deploy(api, models.bundle(_files())))
    assert (
        "call_client",
        "camunda:formKey 'embedded:app:forms/bellen.html' is an HTML form, which this engine cannot show",
    ) in refused
    assert ("file", "the user task has no form") in refused
    refused = _refusals(deploy(api, models.bundle(_files(body=ZEEBE, prefix="zeebe"))))
    assert refused == {("check", "the user task has no form")}


def test_with_the_opt_in_they_run_to_the_end_without_data(api):
    response = deploy(api, models.bundle(_files(OPT_IN)))
    assert response.status_code == 201, response.get_json()
    warnings = {(w["element"], w["severity"], w["message"]) for w in response.get_json()["warnings"]}
    assert warnings == {
        (
            "call_client",
            "warning",
            "user task with HTML form 'embedded:app:forms/bellen.html' and no declared data completes "
            "without a form (interop.tasks_without_form)",
        ),
        (
            "file",
            "warning",
            "user task with no form and no declared data completes without a form (interop.tasks_without_form)",
        ),
    }
    procedure = start(api, "p")
    [call] = open_tasks(api, procedure["id"])
    assert (call["element_id"], call["role"], call["form_key"]) == ("call_client", "coordinator", None)
    detail = api.get(f"/api/v1/tasks/{call['id']}", as_=Role.COORDINATOR).get_json()
    assert detail["form"] is None
    refused = api.post(f"/api/v1/tasks/{call['id']}/complete", as_=Role.COORDINATOR, json={"data": {"x": 1}})
    assert refused.status_code == 422  # no form: it takes no data
    complete(api, call, {})
    [file] = open_tasks(api, procedure["id"])
    assert (file["element_id"], file["role"], file["form_key"]) == ("file", "assessor", None)
    assert complete(api, file, {})["instance"]["ended"] is True
    assert status(api, procedure["id"]) == "closed"


def test_a_zeebe_user_task_without_a_form_runs_with_the_opt_in(api):
    response = deploy(api, models.bundle(_files(OPT_IN, body=ZEEBE, prefix="zeebe")))
    assert response.status_code == 201, response.get_json()
    procedure = start(api, "p")
    [task] = open_tasks(api, procedure["id"])
    assert complete(api, task, {})["instance"]["ended"] is True


def test_a_task_that_declares_data_stays_refused_even_with_the_opt_in(api):
    body = CAMUNDA7.replace(
        'camunda:formKey="embedded:app:forms/bellen.html"/>',
        'camunda:formKey="embedded:app:forms/bellen.html"><bpmn:extensionElements><camunda:inputOutput>'
        '<camunda:outputParameter name="uitkomst">${uitkomst}</camunda:outputParameter>'
        "</camunda:inputOutput></bpmn:extensionElements></bpmn:userTask>",
    )
    refused = _refusals(deploy(api, models.bundle(_files(OPT_IN, body=body))))
    assert [m for e, m in refused if e == "call_client" and "HTML form" in m]
    assert "file" not in {e for e, _ in refused}  # the formless task without data is let through


def test_the_opt_in_must_be_true_or_false(api):
    refused = _refusals(deploy(api, models.bundle(_files("interop:\n  tasks_without_form: ja\n"))))
    assert ("interop.tasks_without_form", "interop.tasks_without_form: 'ja' is not true or false") in refused


def test_the_worker_sees_a_complete_button_and_no_fields(api, app, uow):
    assert deploy(api, models.bundle(_files(OPT_IN))).status_code == 201
    procedure = start(api, "p")
    [task] = open_tasks(api, procedure["id"])
    add_account(uow, "bellen.utrecht", "utrecht", [Role.COORDINATOR], password="correct horse battery")
    browser = Browser(app.test_client())
    page = browser.client.get("/login")
    login_token = re.search(r'name="login_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    browser.client.post(
        "/login",
        data={"username": "bellen.utrecht", "password": "correct horse battery", "login_token": login_token},
    )
    page = browser.get(f"/tasks/{task['id']}")
    assert page.status_code == 200
    form = page.text.split('class="wams"', 1)[1].split("</form>", 1)[0]
    assert "<input" in form and 'type="hidden"' in form  # only the CSRF token
    assert len(re.findall(r"<input|<select|<textarea", form)) == 1
    assert re.search(r"<button type=\"submit\">\s*Afronden\s*</button>", form), form
    done = browser.post(f"/tasks/{task['id']}")
    assert done.status_code == 302
    assert [t["element_id"] for t in open_tasks(api, procedure["id"])] == ["file"]
