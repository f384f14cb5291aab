"""Models in each dialect deploy through the API and run to the end: form key, all candidate groups,
candidate users, assignee, due date, called element and multi-instance collection read from each."""

from __future__ import annotations

from tests.interop import models
from tests.interop.drive import complete, deploy, open_tasks, start, status

YES = {"akkoord": True}


def _deployed(api, files, **kw):
    response = deploy(api, models.bundle(files, **kw))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["deployments"]


def test_camunda7_user_task_and_juel_conditions_run(api):
    process = models.gateway(
        "camunda",
        "${akkoord}",
        "${!akkoord}",
        'camunda:formKey="step" camunda:candidateGroups="assessor" camunda:assignee="${reviewer}" '
        'camunda:dueDate="P3D"',
    )
    _deployed(api, {"c7.bpmn": models.document(process, prefix="camunda")})
    procedure = start(api, "p", {"reviewer": "assessor.utrecht"})
    [task] = open_tasks(api, procedure["id"])
    assert (task["role"], task["assignee"], task["form_key"]) == ("assessor", "assessor.utrecht", "step")
    assert task["due_at"] is not None
    complete(api, task, {"akkoord": False})  # ${!akkoord}: rework first
    [rework] = open_tasks(api, procedure["id"])
    assert (rework["element_id"], rework["assignee"]) == ("rework", "assessor.utrecht")
    assert complete(api, rework, YES)["instance"]["ended"] is True
    assert status(api, procedure["id"]) == "closed"


def test_flowable_form_groups_and_multi_instance_collection_run(api):
    process = """
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="per_party"/>
    <bpmn:userTask id="per_party" flowable:formKey="step.json" flowable:candidateGroups="coordinator">
      <bpmn:multiInstanceLoopCharacteristics isSequential="false"
          flowable:collection="${parties}" flowable:elementVariable="party"/>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="per_party" targetRef="check"/>
    <bpmn:exclusiveGateway id="check" default="f_small"/>
    <bpmn:sequenceFlow id="f_big" sourceRef="check" targetRef="extra">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${amount &gt; 1000 &amp;&amp; !empty parties}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_small" sourceRef="check" targetRef="end"/>
    <bpmn:userTask id="extra" flowable:formKey="step" flowable:candidateGroups="assessor"/>
    <bpmn:sequenceFlow id="f3" sourceRef="extra" targetRef="end"/>
    <bpmn:endEvent id="end"/>
"""
    _deployed(api, {"flowable.bpmn": models.document(process, prefix="flowable")})
    procedure = start(api, "p", {"parties": ["a", "b"], "amount": 1500})
    tasks = open_tasks(api, procedure["id"])
    assert [(t["element_id"], t["role"], t["form_key"]) for t in tasks] == [
        ("per_party", "coordinator", "step")
    ] * 2
    for task in tasks:
        complete(api, task, YES)
    [extra] = open_tasks(api, procedure["id"])
    assert (extra["element_id"], extra["role"]) == ("extra", "assessor")
    assert complete(api, extra, YES)["instance"]["ended"] is True


def test_activiti_candidate_user_and_deferred_juel_run(api):
    process = models.gateway(
        "activiti",
        "#{akkoord eq true}",
        "#{not akkoord}",
        'activiti:formKey="step" activiti:candidateGroups="coordinator" '
        'activiti:candidateUsers="coordinator.utrecht"',
    )
    _deployed(api, {"activiti.bpmn": models.document(process, prefix="activiti")})
    procedure = start(api, "p")
    [task] = open_tasks(api, procedure["id"])
    assert (task["role"], task["assignee"]) == ("coordinator", "coordinator.utrecht")
    assert complete(api, task, YES)["instance"]["ended"] is True  # #{akkoord eq true}: straight to the end


def test_zeebe_form_assignment_schedule_script_call_and_loop_run(api):
    sub = """
    <bpmn:startEvent id="sub_start"/>
    <bpmn:sequenceFlow id="s1" sourceRef="sub_start" targetRef="sub_task"/>
    <bpmn:userTask id="sub_task">
      <bpmn:extensionElements>
        <zeebe:formDefinition formId="step"/>
        <zeebe:assignmentDefinition candidateGroups="coordinator"/>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="s2" sourceRef="sub_task" targetRef="sub_end"/>
    <bpmn:endEvent id="sub_end"/>
"""
    main = """
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:userTask id="review">
      <bpmn:extensionElements>
        <zeebe:formDefinition formId="step"/>
        <zeebe:assignmentDefinition assignee="=reviewer" candidateGroups="assessor"/>
        <zeebe:taskSchedule dueDate="2027-03-01T09:00:00+01:00"/>
      </bpmn:extensionElements>
      <bpmn:multiInstanceLoopCharacteristics isSequential="false">
        <bpmn:extensionElements>
          <zeebe:loopCharacteristics inputCollection="=rounds" inputElement="round"/>
        </bpmn:extensionElements>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="count_up"/>
    <bpmn:scriptTask id="count_up">
      <bpmn:extensionElements><zeebe:script expression="=count + 1" resultVariable="count"/></bpmn:extensionElements>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2b" sourceRef="count_up" targetRef="decide"/>
    <bpmn:exclusiveGateway id="decide"/>
    <bpmn:sequenceFlow id="f_yes" sourceRef="decide" targetRef="call">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=akkoord = true and count &gt; 1</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_no" sourceRef="decide" targetRef="end">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=not(akkoord = true and count &gt; 1)</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:callActivity id="call">
      <bpmn:extensionElements><zeebe:calledElement processId="sub" propagateAllChildVariables="false"/></bpmn:extensionElements>
    </bpmn:callActivity>
    <bpmn:sequenceFlow id="f3" sourceRef="call" targetRef="end"/>
    <bpmn:endEvent id="end"/>
"""
    files = {
        "main.bpmn": models.document(main, prefix="zeebe"),
        "sub.bpmn": models.document(sub, prefix="zeebe", process_id="sub"),
    }
    [deployment] = _deployed(api, files)
    assert deployment["process_id"] == "p"
    procedure = start(api, "p", {"reviewer": "assessor.utrecht", "rounds": [1, 2], "count": 1})
    tasks = open_tasks(api, procedure["id"])
    assert len(tasks) == 2
    for task in tasks:
        assert (task["element_id"], task["role"], task["assignee"]) == (
            "review",
            "assessor",
            "assessor.utrecht",
        )
        assert task["due_at"].startswith("2027-03-01T08:00:00")
        complete(api, task, YES)
    [sub_task] = open_tasks(api, procedure["id"])
    assert (sub_task["element_id"], sub_task["role"], sub_task["form_key"]) == (
        "sub_task",
        "coordinator",
        "step",
    )
    assert complete(api, sub_task, YES)["instance"]["ended"] is True


def test_spiffarena_lane_and_form_file_next_to_the_model_run(api):
    process = """
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_a" name="Beoordelaar">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>review</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:userTask id="review">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="form2.json"/>
          <spiffworkflow:property name="formUiSchemaFilename" value="form2-uischema.json"/>
        </spiffworkflow:properties>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end"/>
    <bpmn:endEvent id="end"/>
"""
    files = {
        "review/review.bpmn": models.document(process, prefix="spiffworkflow"),
        "review/form2.json": models.STEP_FORM,
        "review/form2-uischema.json": {"ui:order": ["akkoord"]},
    }
    _deployed(api, files, with_step_form=False)
    procedure = start(api, "p")
    [task] = open_tasks(api, procedure["id"])
    assert (task["role"], task["form_key"]) == ("assessor", "form2")
    assert complete(api, task, YES)["instance"]["ended"] is True


def test_zeebe_sequential_loop_collects_its_output_collection(api):
    process = """
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="vote"/>
    <bpmn:userTask id="vote">
      <bpmn:extensionElements>
        <zeebe:formDefinition formId="step"/>
        <zeebe:assignmentDefinition candidateGroups="assessor"/>
      </bpmn:extensionElements>
      <bpmn:multiInstanceLoopCharacteristics isSequential="true">
        <bpmn:extensionElements>
          <zeebe:loopCharacteristics inputCollection="=voters" inputElement="voter"
              outputCollection="votes" outputElement="=akkoord"/>
        </bpmn:extensionElements>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="vote" targetRef="decide"/>
    <bpmn:exclusiveGateway id="decide"/>
    <bpmn:sequenceFlow id="f_all" sourceRef="decide" targetRef="end">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=votes = [true, false, true]</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_other" sourceRef="decide" targetRef="again">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=votes != [true, false, true]</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:userTask id="again">
      <bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="assessor"/><zeebe:formDefinition formId="step"/></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f3" sourceRef="again" targetRef="end"/>
    <bpmn:endEvent id="end"/>
"""
    _deployed(api, {"loop.bpmn": models.document(process, prefix="zeebe")})
    procedure = start(api, "p", {"voters": ["a", "b", "c"]})
    for vote in (True, False, True):
        [task] = open_tasks(api, procedure["id"])
        assert task["element_id"] == "vote"
        done = complete(api, task, {"akkoord": vote})
    assert done["instance"]["ended"] is True  # the votes were collected in order


DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs_level" name="Niveau"
    namespace="http://wams.example/interop">
  <decision id="level" name="Niveau">
    <decisionTable id="table" hitPolicy="FIRST">
      <input id="in_amount" label="Bedrag">
        <inputExpression id="in_amount_expr" typeRef="number"><text>amount</text></inputExpression>
      </input>
      <output id="out" name="niveau" typeRef="string"/>
      <rule id="high"><inputEntry id="c1"><text>&gt; 1000</text></inputEntry><outputEntry id="o1"><text>"hoog"</text></outputEntry></rule>
      <rule id="low"><inputEntry id="c2"><text>-</text></inputEntry><outputEntry id="o2"><text>"laag"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>
"""


def _decision_process(prefix: str, decision_task: str, high: str, low: str) -> str:
    return models.document(
        f"""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="decide_level"/>
    {decision_task}
    <bpmn:sequenceFlow id="f2" sourceRef="decide_level" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw"/>
    <bpmn:sequenceFlow id="f_high" sourceRef="gw" targetRef="review">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{high}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_low" sourceRef="gw" targetRef="end">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{low}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:userTask id="review" {prefix}:formKey="step" {prefix}:candidateGroups="assessor"/>
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="end"/>
    <bpmn:endEvent id="end"/>
""",
        prefix=prefix,
    )


def test_flowable_decision_task_and_zeebe_called_decision_run(api):
    flowable = _decision_process(
        "flowable",
        '<bpmn:serviceTask id="decide_level" flowable:type="dmn"><bpmn:extensionElements>'
        '<flowable:field name="decisionTableReferenceKey"><flowable:string>level</flowable:string></flowable:field>'
        "</bpmn:extensionElements></bpmn:serviceTask>",
        "${niveau == 'hoog'}",
        "${niveau != 'hoog'}",
    )
    _deployed(api, {"flowable.bpmn": flowable, "level.dmn": DMN})
    high = start(api, "p", {"amount": 5000})
    [task] = open_tasks(api, high["id"])
    assert task["element_id"] == "review"
    low = start(api, "p", {"amount": 10})
    assert open_tasks(api, low["id"]) == []

    zeebe = _decision_process(
        "camunda",  # the user task's attributes; the decision is Zeebe's
        '<bpmn:businessRuleTask id="decide_level"><bpmn:extensionElements>'
        '<zeebe:calledDecision decisionId="level" resultVariable="niveau"/>'
        "</bpmn:extensionElements></bpmn:businessRuleTask>",
        '=niveau = "hoog"',
        '=niveau != "hoog"',
    ).replace(
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"',
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"\n    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"',
    )
    _deployed(api, {"zeebe.bpmn": zeebe.replace('id="p"', 'id="pz"'), "level.dmn": DMN})
    high = start(api, "pz", {"amount": 5000})
    assert [t["element_id"] for t in open_tasks(api, high["id"])] == ["review"]


def test_the_opt_in_turns_service_tasks_into_user_tasks_for_a_named_role_with_a_warning(api):
    process = """
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="send_letter"/>
    <bpmn:serviceTask id="send_letter" name="Brief versturen" camunda:class="org.example.Letter"/>
    <bpmn:sequenceFlow id="f2" sourceRef="send_letter" targetRef="register"/>
    <bpmn:serviceTask id="register" camunda:type="external" camunda:topic="brp"/>
    <bpmn:sequenceFlow id="f3" sourceRef="register" targetRef="end"/>
    <bpmn:endEvent id="end"/>
"""
    files = {"m.bpmn": models.document(process, prefix="camunda")}
    assert deploy(api, models.bundle(files)).status_code == 422  # without the opt-in: refused by name
    files["settings.yaml"] = "interop:\n  service_tasks_as_user_tasks: Coördinator\n"
    response = deploy(api, models.bundle(files))
    assert response.status_code == 201, response.get_json()
    assert [d["process_id"] for d in response.get_json()["deployments"]] == ["p"], response.get_json()
    warnings = {(w["element"], w["message"]) for w in response.get_json()["warnings"]}
    assert warnings == {
        (
            "send_letter",
            "serviceTask (camunda:class='org.example.Letter') becomes a user task for role 'coordinator' "
            "(interop.service_tasks_as_user_tasks)",
        ),
        (
            "register",
            "serviceTask (camunda:type='external') becomes a user task for role 'coordinator' "
            "(interop.service_tasks_as_user_tasks)",
        ),
    }
    procedure = start(api, "p")
    for element in ("send_letter", "register"):
        [task] = open_tasks(api, procedure["id"])
        assert (task["element_id"], task["role"], task["form_key"]) == (
            element,
            "coordinator",
            "interop.manual",
        )
        done = complete(api, task, {"uitgevoerd": True})
    assert done["instance"]["ended"] is True


def test_a_variable_mapping_is_a_warning_and_the_model_still_deploys_and_runs(api):
    mapping = (
        "<bpmn:extensionElements><camunda:inputOutput>"
        '<camunda:inputParameter name="x">${akkoord}</camunda:inputParameter>'
        "</camunda:inputOutput></bpmn:extensionElements>"
    )
    process = models.gateway(
        "camunda",
        "${akkoord}",
        "${!akkoord}",
        'camunda:formKey="step" camunda:candidateGroups="assessor"',
        extension=mapping,
    )
    response = deploy(api, models.bundle({"m.bpmn": models.document(process, prefix="camunda")}))
    assert response.status_code == 201, response.get_json()
    assert [d["process_id"] for d in response.get_json()["deployments"]] == ["p"]
    [warning] = response.get_json()["warnings"]
    assert (warning["element"], warning["severity"]) == ("review", "warning")
    assert warning["message"].startswith("camunda:inputOutput (variable mapping) is not applied")
    procedure = start(api, "p")
    [task] = open_tasks(api, procedure["id"])
    assert complete(api, task, YES)["instance"]["ended"] is True
