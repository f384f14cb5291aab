"""resultVariable: a Camunda 8 script task's and business rule task's result lands in the variable the
model names (and only there); Camunda 7's resultVariable with mapDecisionResult likewise."""

from __future__ import annotations

from tests.interop import models
from tests.interop.drive import deploy, open_tasks, start

DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs_advice" name="Advies"
    namespace="http://wams.example/interop">
  <decision id="advice" name="Advies">
    <decisionTable id="advice_table" hitPolicy="FIRST">
      <input id="in_amount" label="Bedrag">
        <inputExpression id="in_amount_expr" typeRef="number"><text>amount</text></inputExpression>
      </input>
      <output id="out_level" name="niveau" typeRef="string"/>
      <output id="out_team" name="team" typeRef="string"/>
      <rule id="high"><inputEntry id="a1"><text>&gt; 1000</text></inputEntry>
        <outputEntry id="a2"><text>"hoog"</text></outputEntry><outputEntry id="a3"><text>"schuld"</text></outputEntry></rule>
      <rule id="low"><inputEntry id="a4"><text>-</text></inputEntry>
        <outputEntry id="a5"><text>"laag"</text></outputEntry><outputEntry id="a6"><text>"wijk"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>
"""

TEAMS = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs_teams" name="Teams"
    namespace="http://wams.example/interop">
  <decision id="teams" name="Teams">
    <decisionTable id="teams_table" hitPolicy="COLLECT">
      <input id="in_amount2" label="Bedrag">
        <inputExpression id="in_amount2_expr" typeRef="number"><text>amount</text></inputExpression>
      </input>
      <output id="out_name" name="naam" typeRef="string"/>
      <rule id="t1"><inputEntry id="b1"><text>&gt; 100</text></inputEntry><outputEntry id="b2"><text>"schuld"</text></outputEntry></rule>
      <rule id="t2"><inputEntry id="b3"><text>-</text></inputEntry><outputEntry id="b4"><text>"wijk"</text></outputEntry></rule>
      <rule id="t3"><inputEntry id="b5"><text>&lt; 0</text></inputEntry><outputEntry id="b6"><text>"nooit"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>
"""

ZEEBE = """
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="double"/>
    <bpmn:scriptTask id="double">
      <bpmn:extensionElements><zeebe:script expression="=amount * 2" resultVariable="doubled"/></bpmn:extensionElements>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="double" targetRef="decide_advice"/>
    <bpmn:businessRuleTask id="decide_advice">
      <bpmn:extensionElements><zeebe:calledDecision decisionId="advice" resultVariable="advies"/></bpmn:extensionElements>
    </bpmn:businessRuleTask>
    <bpmn:sequenceFlow id="f3" sourceRef="decide_advice" targetRef="decide_teams"/>
    <bpmn:businessRuleTask id="decide_teams">
      <bpmn:extensionElements><zeebe:calledDecision decisionId="teams" resultVariable="teams"/></bpmn:extensionElements>
    </bpmn:businessRuleTask>
    <bpmn:sequenceFlow id="f4" sourceRef="decide_teams" targetRef="check"/>
    <bpmn:exclusiveGateway id="check"/>
    <bpmn:sequenceFlow id="f_ok" sourceRef="check" targetRef="as_expected">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{expected}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_not" sourceRef="check" targetRef="otherwise">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=not({inner})</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:userTask id="as_expected">
      <bpmn:extensionElements><zeebe:formDefinition formId="step"/><zeebe:assignmentDefinition candidateGroups="assessor"/></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:userTask id="otherwise">
      <bpmn:extensionElements><zeebe:formDefinition formId="step"/><zeebe:assignmentDefinition candidateGroups="assessor"/></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f5" sourceRef="as_expected" targetRef="end"/>
    <bpmn:sequenceFlow id="f6" sourceRef="otherwise" targetRef="end"/>
    <bpmn:endEvent id="end"/>
"""


def _zeebe(inner: str) -> str:
    return models.document(ZEEBE.format(expected="=" + inner, inner=inner), prefix="zeebe")


def _path(api, inner: str, data: dict) -> str:
    response = deploy(api, models.bundle({"z.bpmn": _zeebe(inner), "advice.dmn": DMN, "teams.dmn": TEAMS}))
    assert response.status_code == 201, response.get_json()
    procedure = start(api, "p", data)
    [task] = open_tasks(api, procedure["id"])
    return str(task["element_id"])


def test_zeebe_results_land_in_their_variables_and_nowhere_else(api):
    # The decision's outputs are in `advies` (an object: two outputs); the variables named like its
    # outputs keep their values; the collect table's outputs are a list of values.
    inner = (
        'doubled = 3000 and advies.niveau = "hoog" and advies.team = "schuld" and niveau = "oud" '
        'and team = null and teams = ["schuld", "wijk"]'
    )
    assert _path(api, inner, {"amount": 1500, "niveau": "oud", "team": None}) == "as_expected"


def test_the_shape_follows_the_data(api):
    inner = 'doubled = 20 and advies.niveau = "laag" and teams = ["wijk"]'
    assert _path(api, inner, {"amount": 10}) == "as_expected"
    # And the check itself can fail: another amount takes the other branch.
    assert _path(api, inner, {"amount": 50}) == "otherwise"


CAMUNDA7 = """
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="decide"/>
    <bpmn:businessRuleTask id="decide" camunda:decisionRef="advice" camunda:resultVariable="uitkomst"
        {mapping}/>
    <bpmn:sequenceFlow id="f2" sourceRef="decide" targetRef="check"/>
    <bpmn:exclusiveGateway id="check"/>
    <bpmn:sequenceFlow id="f_ok" sourceRef="check" targetRef="as_expected">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_not" sourceRef="check" targetRef="otherwise">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${{!({inner})}}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:userTask id="as_expected" camunda:formKey="step" camunda:candidateGroups="assessor"/>
    <bpmn:userTask id="otherwise" camunda:formKey="step" camunda:candidateGroups="assessor"/>
    <bpmn:sequenceFlow id="f3" sourceRef="as_expected" targetRef="end"/>
    <bpmn:sequenceFlow id="f4" sourceRef="otherwise" targetRef="end"/>
    <bpmn:endEvent id="end"/>
"""


def _camunda7(mapping: str, inner: str) -> str:
    body = CAMUNDA7.format(mapping=mapping, condition="${" + inner + "}", inner=inner)
    return models.document(body, prefix="camunda")


def test_camunda7_map_decision_result(api):
    cases = [
        ('camunda:mapDecisionResult="singleEntry"', "uitkomst == 'hoog' and empty niveau"),
        ('camunda:mapDecisionResult="singleResult"', "uitkomst.team == 'schuld'"),
        ("", "uitkomst[0].niveau == 'hoog'"),  # resultList, the default
    ]
    for mapping, inner in cases:
        response = deploy(api, models.bundle({"c.bpmn": _camunda7(mapping, inner), "advice.dmn": DMN}))
        assert response.status_code == 201, response.get_json()
        procedure = start(api, "p", {"amount": 5000, "niveau": ""})  # an output's name: left alone
        assert [t["element_id"] for t in open_tasks(api, procedure["id"])] == ["as_expected"], mapping


def test_a_result_variable_that_is_no_variable_name_is_refused_by_name(api):
    bad = _camunda7('camunda:mapDecisionResult="firstOne"', "true").replace('"uitkomst"', '"1 x"')
    refused = deploy(api, models.bundle({"c.bpmn": bad, "advice.dmn": DMN}))
    assert refused.status_code == 422
    messages = {(i["element"], i["message"]) for i in refused.get_json()["issues"]}
    assert ("decide", "resultVariable '1 x' is not a variable name") in messages
    assert (
        "decide",
        "mapDecisionResult 'firstOne' is not one of singleEntry, singleResult, collectEntries, resultList",
    ) in messages
