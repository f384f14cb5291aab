"""`wams validate` on loops: silent about the loops the engine keeps flat, a warning (not an error) for
the one shape it cannot — a loop joining parallel branches inside a branch of a parallel block."""

from __future__ import annotations

import json

from engine.definitions.analysis import analyze
from engine.definitions.bundle import Bundle
from tests.engine.test_task_tree import LOOP_AROUND, PARALLEL_BLOCK
from tests.factories import SIMPLE_FORM, bpmn_document, fixture_bundle

ROLE = 'camunda:formKey="f" camunda:candidateGroups="coordinator"'
FORK = """
<bpmn:startEvent id="s0"/>
<bpmn:sequenceFlow id="g0" sourceRef="s0" targetRef="fork"/>
<bpmn:parallelGateway id="fork"/>
<bpmn:sequenceFlow id="g1" sourceRef="fork" targetRef="merge"/>
<bpmn:sequenceFlow id="g2" sourceRef="fork" targetRef="wait"/>
<bpmn:userTask id="wait" {role}/>
<bpmn:sequenceFlow id="g3" sourceRef="wait" targetRef="meet"/>
<bpmn:parallelGateway id="meet"/>
<bpmn:sequenceFlow id="g4" sourceRef="meet" targetRef="e"/>
"""


def _analysis(process_xml: str):
    files = {
        "model.bpmn": bpmn_document(
            process_xml.replace('<bpmn:userTask id="ask"/>', f'<bpmn:userTask id="ask" {ROLE}/>').replace(
                '<bpmn:userTask id="other"/>', f'<bpmn:userTask id="other" {ROLE}/>'
            )
        ).encode(),
        "forms/f.json": json.dumps(SIMPLE_FORM).encode(),
    }
    return analyze(Bundle(files))


def _loop_warnings(analysis) -> list[str]:
    return [str(i) for i in analysis.issues if i.severity == "warning" and "loop" in i.message]


def test_loops_the_engine_keeps_flat_pass_without_a_word():
    assert _loop_warnings(analyze(fixture_bundle("loops"))) == []
    around = _analysis(LOOP_AROUND.format(first="split", last="join", body=PARALLEL_BLOCK))
    assert around.ok and _loop_warnings(around) == []


def test_a_loop_joining_branches_inside_a_parallel_branch_is_warned_about():
    inner = (
        LOOP_AROUND.format(first="split", last="join", body=PARALLEL_BLOCK)
        .replace('<bpmn:startEvent id="s"/>', "")
        .replace('<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="merge"/>', "")
        .replace('targetRef="e"/>\n<bpmn:endEvent id="e"/>', 'targetRef="meet"/>\n<bpmn:endEvent id="e"/>')
    )
    analysis = _analysis(FORK.format(role=ROLE) + inner)
    assert analysis.ok, [str(i) for i in analysis.errors]  # still deployable: a warning, not an error
    [warning] = _loop_warnings(analysis)
    assert "joins parallel branches at join" in warning and "fork" in warning
    assert "move the loop out of the parallel block" in warning
