"""Foreign models refused by name: each problem names the element, the attribute as written, its line
and what to do instead, and all of them come in one validation pass."""

from __future__ import annotations

import json

import pytest

from engine.definitions.analysis import analyze
from engine.definitions.bundle import Bundle
from engine.errors import ModelIssue
from tests.interop import models
from tests.interop.drive import deploy, validate

STEP = json.dumps(models.STEP_FORM).encode()
TASK = 'camunda:formKey="step" camunda:candidateGroups="assessor"'


def _issues(process: str, prefix: str = "camunda", **settings: str) -> list[ModelIssue]:
    files = {"m.bpmn": models.document(process, prefix=prefix).encode(), "forms/step.json": STEP}
    if settings:
        files["settings.yaml"] = "".join(f"{k}: {v}\n" for k, v in settings.items()).encode()
    analysis = analyze(Bundle(files))
    assert analysis.entries == {} or not analysis.errors
    return analysis.errors


def _around(element: str) -> str:
    """start → `element` → end."""
    return f"""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>
    {element}
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end"/>
    <bpmn:endEvent id="end"/>
"""


def _line_of(process: str, needle: str, prefix: str = "camunda") -> int:
    text = models.document(process, prefix=prefix)
    return text[: text.index(needle)].count("\n") + 1


def _one(issues: list[ModelIssue], *words: str) -> ModelIssue:
    found = [i for i in issues if all(w in i.message for w in words)]
    assert len(found) == 1, [str(i) for i in issues]
    return found[0]


CODE = [
    ("camunda", '<bpmn:serviceTask id="work" camunda:class="org.example.Mail"/>', "camunda:class"),
    (
        "camunda",
        '<bpmn:serviceTask id="work" camunda:delegateExpression="${mailer}"/>',
        "camunda:delegateExpression",
    ),
    ("camunda", '<bpmn:serviceTask id="work" camunda:expression="${bean.go()}"/>', "camunda:expression"),
    (
        "camunda",
        '<bpmn:serviceTask id="work" camunda:type="external" camunda:topic="mail"/>',
        "camunda:type='external'",
    ),
    ("flowable", '<bpmn:serviceTask id="work" flowable:type="http"/>', "flowable:type='http'"),
    ("activiti", '<bpmn:serviceTask id="work" activiti:class="org.example.Mail"/>', "activiti:class"),
    (
        "camunda",
        '<bpmn:serviceTask id="work"><bpmn:extensionElements><camunda:connector>'
        "<camunda:connectorId>http-connector</camunda:connectorId></camunda:connector>"
        "</bpmn:extensionElements></bpmn:serviceTask>",
        "camunda:connector",
    ),
    (
        "zeebe",
        '<bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="mail-worker"/>'
        "</bpmn:extensionElements></bpmn:serviceTask>",
        "zeebe:taskDefinition",
    ),
    (
        "zeebe",
        '<bpmn:sendTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="io.camunda:http-json:1"/>'
        "</bpmn:extensionElements></bpmn:sendTask>",
        "Camunda connector",
    ),
    (
        "camunda",
        f'<bpmn:userTask id="work" {TASK}><bpmn:extensionElements>'
        '<camunda:taskListener class="org.example.Notify" event="create"/></bpmn:extensionElements></bpmn:userTask>',
        "camunda:taskListener",
    ),
    (
        "flowable",
        '<bpmn:userTask id="work" flowable:formKey="step" flowable:candidateGroups="assessor">'
        '<bpmn:extensionElements><flowable:executionListener event="start" expression="${x.y()}"/>'
        "</bpmn:extensionElements></bpmn:userTask>",
        "flowable:executionListener",
    ),
    (
        "camunda",
        '<bpmn:scriptTask id="work" scriptFormat="groovy"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>',
        "scriptFormat='groovy'",
    ),
    (
        "camunda",
        '<bpmn:scriptTask id="work" scriptFormat="javascript"><bpmn:script>var x = 1;</bpmn:script></bpmn:scriptTask>',
        "scriptFormat='javascript'",
    ),
    ("camunda", '<bpmn:serviceTask id="work"/>', "service task names no implementation"),
    (
        "spiffworkflow",
        '<bpmn:serviceTask id="work"><bpmn:extensionElements><spiffworkflow:serviceTaskOperator id="http/GetRequest"><spiffworkflow:parameters/></spiffworkflow:serviceTaskOperator>'
        "</bpmn:extensionElements></bpmn:serviceTask>",
        "spiffworkflow:serviceTaskOperator",
    ),
]


@pytest.mark.parametrize(("prefix", "element", "named"), CODE, ids=[c[2] for c in CODE])
def test_foreign_code_is_refused_by_element_attribute_and_line(prefix, element, named):
    process = _around(element)
    issue = _one(_issues(process, prefix), named)
    assert issue.element == "work"
    assert issue.line == _line_of(process, 'id="work"', prefix) or issue.line == _line_of(
        process, named.split("=")[0].split(" ")[0], prefix
    )
    assert issue.hint


def test_a_groovy_script_that_parses_as_python_does_not_run_as_python():
    issues = _issues(
        _around(
            '<bpmn:scriptTask id="work" scriptFormat="groovy"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>'
        )
    )
    assert [i.message for i in issues] == ["scriptFormat='groovy': this engine runs Python scripts only"]


def test_a_script_calling_time_sleep_is_refused_at_deploy():
    issue = _one(
        _issues(
            _around(
                '<bpmn:scriptTask id="work" scriptFormat="python"><bpmn:script>time.sleep(5)</bpmn:script></bpmn:scriptTask>'
            )
        ),
        "time.sleep",
    )
    assert issue.element == "work"


def test_references_that_do_not_resolve_are_named():
    process = f"""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="nowhere"/>
    <bpmn:userTask id="work" {TASK}/>
    <bpmn:exclusiveGateway id="gw" default="f_missing"/>
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="gw"/>
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="end"/>
    <bpmn:boundaryEvent id="late" attachedToRef="ghost"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
    <bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition id="wait_def" messageRef="msg_missing"/></bpmn:intermediateCatchEvent>
    <bpmn:callActivity id="call" calledElement="absent_process"/>
    <bpmn:endEvent id="end"/>
"""
    issues = _issues(process)
    assert _one(issues, "targetRef='nowhere'").element == "f1"
    assert _one(issues, "default='f_missing'").element == "gw"
    assert _one(issues, "attachedToRef='ghost'").element == "late"
    assert _one(issues, "messageRef='msg_missing'").element == "wait_def"
    called = _one(issues, "'absent_process'")
    assert (called.element, called.line) == ("call", _line_of(process, 'id="call"'))


TRANSLATION_REFUSALS = [
    ("${execution.getVariable('x')}", "JUEL object 'execution'"),
    ("${a ? b : c}", "JUEL construct '?'"),
    ("${bean.check(x)}", "JUEL method call bean.check"),
    ('=date and time("2024-01-01") &lt; now()', "FEEL function call"),
    ("=list[1]", "FEEL filter or index"),
]


@pytest.mark.parametrize(("condition", "named"), TRANSLATION_REFUSALS)
def test_conditions_outside_the_subset_are_refused_naming_dialect_and_construct(condition, named):
    process = models.gateway("camunda", condition, "${!akkoord}", TASK)
    issue = _one(_issues(process), named)
    assert issue.element == "f_yes"
    assert "SyntaxError" not in issue.message


def test_groups_of_different_roles_several_candidate_users_and_unmapped_groups_are_named():
    process = f"""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="a"/>
    <bpmn:userTask id="a" camunda:formKey="step" camunda:candidateGroups="assessor,coordinator"/>
    <bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="b"/>
    <bpmn:userTask id="b" {TASK} camunda:candidateUsers="anna,bert"/>
    <bpmn:sequenceFlow id="f3" sourceRef="b" targetRef="c"/>
    <bpmn:userTask id="c" camunda:formKey="step" camunda:candidateGroups="accounting"/>
    <bpmn:sequenceFlow id="f4" sourceRef="c" targetRef="end"/>
    <bpmn:endEvent id="end"/>
"""
    issues = _issues(process)
    assert _one(issues, "camunda:candidateGroups", "assessor, coordinator").element == "a"
    assert _one(issues, "camunda:candidateUsers", "2 users").element == "b"
    assert _one(issues, "'accounting'", "no known role").element == "c"
    # The bundle's settings.yaml may map the group (and so may the municipality, see test_roles).
    assert not [i for i in _issues(process, **{"roles": "{accounting: assessor}"}) if i.element == "c"]


def test_every_problem_comes_in_one_pass_through_the_validate_api(api):
    process = f"""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="mail"/>
    <bpmn:serviceTask id="mail" camunda:class="org.example.Mail"/>
    <bpmn:sequenceFlow id="f2" sourceRef="mail" targetRef="decide"/>
    <bpmn:exclusiveGateway id="decide"/>
    <bpmn:sequenceFlow id="f_yes" sourceRef="decide" targetRef="review">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${{execution.getVariable("ok")}}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_no" sourceRef="decide" targetRef="missing_end">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${{!ok}}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:userTask id="review" {TASK}>
      <bpmn:extensionElements><camunda:executionListener event="end" class="org.example.Audit"/></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="script"/>
    <bpmn:scriptTask id="script" scriptFormat="groovy"><bpmn:script>println 'hi'</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f4" sourceRef="script" targetRef="end"/>
    <bpmn:endEvent id="end"/>
"""
    upload = models.bundle({"c7.bpmn": models.document(process, prefix="camunda")})
    body = validate(api, upload)
    assert body["ok"] is False
    named = {(i["element"], i["message"].split(" ")[0]) for i in body["issues"] if i["severity"] == "error"}
    assert named == {
        ("mail", "camunda:class='org.example.Mail'"),
        ("f_yes", "condition"),
        ("f_no", "sequence"),
        ("review", "camunda:executionListener"),
        ("script", "scriptFormat='groovy':"),
    }
    assert all(i["line"] for i in body["issues"])
    refused = deploy(api, models.bundle({"c7.bpmn": models.document(process, prefix="camunda")}))
    assert refused.status_code == 422
    assert len(refused.get_json()["issues"]) == len(body["issues"])


def test_a_sequential_loop_over_a_collection_is_refused_before_it_stops_at_its_second_item():
    loop = (
        '<bpmn:multiInstanceLoopCharacteristics isSequential="{}" camunda:collection="${{rounds}}" '
        'camunda:elementVariable="round"/>'
    )
    element = f'<bpmn:userTask id="work" {TASK}>{loop}</bpmn:userTask>'
    issue = _one(_issues(_around(element.format("true"))), "sequential multi-instance")
    assert issue.element == "work" and "'round'" in issue.message
    assert _issues(_around(element.format("false"))) == []
