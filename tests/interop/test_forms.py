"""Forms of other modelers: Camunda 7 formData fields and Camunda 8 form-js forms become JSON Schema
forms that the API shows and enforces; embedded HTML forms are refused by name."""

from __future__ import annotations

import json

from engine.definitions.analysis import analyze
from engine.definitions.bundle import Bundle
from engine.roles import Role
from tests.interop import models
from tests.interop.drive import deploy, open_tasks, start


def _one_task(task: str, prefix: str) -> str:
    return models.document(
        f"""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fill"/>
    {task}
    <bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="end"/>
    <bpmn:endEvent id="end"/>
""",
        prefix=prefix,
    )


def _form_and_submit(api, files, good, bad):
    """Deploy, start, read the task's form, refuse `bad` with 422, accept `good`."""
    response = deploy(api, models.bundle(files, with_step_form=False))
    assert response.status_code == 201, response.get_json()
    procedure = start(api, "p")
    [task] = open_tasks(api, procedure["id"])
    detail = api.get(f"/api/v1/tasks/{task['id']}", as_=Role.ASSESSOR).get_json()
    url = f"/api/v1/tasks/{task['id']}/complete"
    refused = api.post(url, as_=Role.ASSESSOR, json={"data": bad})
    assert refused.status_code == 422, refused.get_json()
    done = api.post(url, as_=Role.ASSESSOR, json={"data": good})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["instance"]["ended"] is True
    return detail["form"], refused.get_json()


FORM_DATA = """
    <bpmn:userTask id="fill" camunda:candidateGroups="assessor">
      <bpmn:extensionElements>
        <camunda:formData>
          <camunda:formField id="amount" label="Bedrag" type="long">
            <camunda:validation>
              <camunda:constraint name="required"/>
              <camunda:constraint name="min" config="1"/>
              <camunda:constraint name="max" config="5000"/>
            </camunda:validation>
          </camunda:formField>
          <camunda:formField id="reason" label="Reden" type="string">
            <camunda:validation><camunda:constraint name="maxlength" config="20"/></camunda:validation>
          </camunda:formField>
          <camunda:formField id="kind" label="Soort" type="enum">
            <camunda:value id="gift" name="Gift"/>
            <camunda:value id="loan" name="Lening"/>
          </camunda:formField>
          <camunda:formField id="approved" label="Akkoord" type="boolean"/>
          <camunda:formField id="when" label="Datum" type="date"/>
        </camunda:formData>
      </bpmn:extensionElements>
    </bpmn:userTask>
"""


def test_camunda7_form_data_becomes_a_form_that_is_enforced(api):
    form, refused = _form_and_submit(
        api,
        {"c7.bpmn": _one_task(FORM_DATA, "camunda")},
        good={"amount": 250, "reason": "huur", "kind": "loan", "approved": True, "when": "2027-01-31"},
        bad={"amount": 9000, "kind": "other"},
    )
    schema = form["schema"]
    assert schema["required"] == ["amount"]
    assert schema["properties"]["amount"] == {
        "type": "integer",
        "title": "Bedrag",
        "minimum": 1,
        "maximum": 5000,
    }
    assert schema["properties"]["kind"]["enum"] == ["gift", "loan"]
    assert schema["properties"]["when"]["format"] == "date"
    assert {e["field"] for e in refused["errors"]} == {"amount", "kind"}


FORM_JS = {
    "id": "aanvraag-form",
    "type": "default",
    "schemaVersion": 16,
    "components": [
        {"type": "text", "text": "# Aanvraag"},
        {
            "type": "textfield",
            "key": "name",
            "label": "Naam",
            "validate": {"required": True, "maxLength": 50},
        },
        {"type": "number", "key": "persons", "label": "Personen", "validate": {"min": 1, "max": 12}},
        {"type": "checkbox", "key": "urgent", "label": "Spoed"},
        {
            "type": "select",
            "key": "channel",
            "label": "Kanaal",
            "values": [{"label": "Post", "value": "post"}, {"label": "Mail", "value": "mail"}],
        },
        {
            "type": "checklist",
            "key": "needs",
            "label": "Behoeften",
            "values": [{"label": "Wonen", "value": "wonen"}, {"label": "Zorg", "value": "zorg"}],
        },
        {"type": "datetime", "key": "date", "subtype": "date", "dateLabel": "Datum"},
    ],
}
ZEEBE_TASK = """
    <bpmn:userTask id="fill">
      <bpmn:extensionElements>
        <zeebe:formDefinition formId="aanvraag-form"/>
        <zeebe:assignmentDefinition candidateGroups="assessor"/>
      </bpmn:extensionElements>
    </bpmn:userTask>
"""


def test_camunda8_form_js_file_becomes_a_form_that_is_enforced(api):
    form, refused = _form_and_submit(
        api,
        {"c8.bpmn": _one_task(ZEEBE_TASK, "zeebe"), "aanvraag.form": json.dumps(FORM_JS)},
        good={
            "name": "Anna",
            "persons": 3,
            "urgent": False,
            "channel": "post",
            "needs": ["zorg"],
            "date": "2027-02-01",
        },
        bad={"persons": 20, "channel": "fax"},
    )
    properties = form["schema"]["properties"]
    assert set(properties) == {"name", "persons", "urgent", "channel", "needs", "date"}
    assert properties["needs"]["items"]["enum"] == ["wonen", "zorg"]
    assert {e["field"] for e in refused["errors"]} == {"name", "persons", "channel"}


def test_camunda8_embedded_user_task_form_is_read(api):
    embedded = json.dumps(
        {
            "components": [
                {"type": "checkbox", "key": "akkoord", "label": "Akkoord", "validate": {"required": True}}
            ]
        }
    )
    process = models.document(
        """
    <bpmn:extensionElements>
      <zeebe:userTaskForm id="userTaskForm_1">"""
        + embedded.replace("&", "&amp;").replace("<", "&lt;")
        + """</zeebe:userTaskForm>
    </bpmn:extensionElements>
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fill"/>
    <bpmn:userTask id="fill">
      <bpmn:extensionElements>
        <zeebe:formDefinition formKey="camunda-forms:bpmn:userTaskForm_1"/>
        <zeebe:assignmentDefinition candidateGroups="assessor"/>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="end"/>
    <bpmn:endEvent id="end"/>
""",
        prefix="zeebe",
    )
    form, refused = _form_and_submit(api, {"c8.bpmn": process}, good={"akkoord": True}, bad={})
    assert form["schema"]["required"] == ["akkoord"]
    assert [e["field"] for e in refused["errors"]] == ["akkoord"]


def test_embedded_html_forms_and_unknown_field_types_are_refused_by_name():
    html = '<bpmn:userTask id="fill" camunda:formKey="embedded:app:forms/aanvraag.html" camunda:candidateGroups="assessor"/>'
    custom = FORM_DATA.replace('type="boolean"', 'type="customer"')
    errors = analyze(Bundle({"a.bpmn": _one_task(html, "camunda").encode()})).errors
    assert [(i.element, i.message) for i in errors] == [
        (
            "fill",
            "camunda:formKey 'embedded:app:forms/aanvraag.html' is an HTML form, which this engine cannot show",
        )
    ]
    [issue] = analyze(Bundle({"b.bpmn": _one_task(custom, "camunda").encode()})).errors
    assert (issue.element, issue.message) == (
        "fill",
        "camunda:formField 'approved' has type 'customer', which has no form field here",
    )
