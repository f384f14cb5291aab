"""The live task tree on the library itself (no database): SpiffWorkflow ends a plain back-edge loop on
its own after ~333 rounds, `tree.unexpected_end` sees through that, and `tree.prune` keeps a loop as
small as its first round whatever the number of rounds (engine/bpmn/tree.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.state import dump_state
from engine.bpmn.tree import prune, unexpected_end
from engine.errors import UnexpectedEnd
from tests.factories import bpmn_document

LOOPS = Path(__file__).parents[1] / "fixtures" / "bundles" / "loops"


def _workflow(path: Path | None = None, text: str | None = None, process_id: str = "p") -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    if path is not None:
        parser.add_bpmn_file(str(path))
    else:
        parser.add_bpmn_str(text.encode())  # type: ignore[union-attr]
    workflow = BpmnWorkflow(parser.get_spec(process_id), parser.get_subprocess_specs(process_id))
    workflow.do_engine_steps()
    return workflow


def _round(workflow: BpmnWorkflow, again: bool, *, pruned: bool) -> None:
    [task] = workflow.get_tasks(state=TaskState.READY, manual=True)
    task.data["nog_een"] = again
    task.run()
    workflow.do_engine_steps()
    if pruned:
        prune(workflow)


def test_the_library_ends_a_back_edge_loop_on_its_own_and_we_see_it():
    workflow = _workflow(LOOPS / "loop_gateway.bpmn", process_id="loop_gateway")
    rounds = 0
    while not workflow.is_completed() and rounds < 400:
        _round(workflow, True, pruned=False)
        rounds += 1
    assert rounds == 333  # three tasks a round; the library's tree walk stops at depth 1,000
    assert workflow.get_tasks(state=TaskState.READY) == []  # it sees nothing left to do ...
    refused = unexpected_end(workflow)  # ... but a token is still there
    assert isinstance(refused, UnexpectedEnd)
    assert refused.details["element"] == "merge" and "merge (READY)" in refused.message


@pytest.mark.parametrize(("process_id", "tasks_per_round"), [("loop_backedge", 2), ("loop_gateway", 3)])
def test_pruned_loops_stay_as_small_as_their_first_round(process_id, tasks_per_round):
    workflow = _workflow(LOOPS / f"{process_id}.bpmn", process_id=process_id)
    _round(workflow, True, pruned=True)
    first = (len(workflow.tasks), len(dump_state(workflow)))
    for _ in range(1, 999):
        _round(workflow, True, pruned=True)
    assert len(workflow.tasks) == first[0] and abs(len(dump_state(workflow)) - first[1]) < 100
    assert not workflow.is_completed()
    _round(workflow, False, pruned=True)
    assert workflow.is_completed() and unexpected_end(workflow) is None


def test_a_real_end_is_not_refused_plain_or_terminated():
    plain = _workflow(
        text=bpmn_document(
            '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f" sourceRef="s" '
            'targetRef="e"/><bpmn:endEvent id="e"/>'
        )
    )
    assert plain.is_completed() and unexpected_end(plain) is None
    terminated = _workflow(
        text=bpmn_document(
            """
            <bpmn:startEvent id="s"/>
            <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="split"/>
            <bpmn:parallelGateway id="split"/>
            <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="wait"/>
            <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="stop"/>
            <bpmn:userTask id="wait"/>
            <bpmn:sequenceFlow id="f4" sourceRef="wait" targetRef="e"/>
            <bpmn:endEvent id="e"/>
            <bpmn:endEvent id="stop"><bpmn:terminateEventDefinition/></bpmn:endEvent>
            """
        )
    )
    assert terminated.is_completed() and unexpected_end(terminated) is None


def test_a_finished_call_activity_leaves_with_its_round():
    document = bpmn_document(
        """
        <bpmn:startEvent id="s"/>
        <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="merge"/>
        <bpmn:exclusiveGateway id="merge"/>
        <bpmn:sequenceFlow id="f2" sourceRef="merge" targetRef="call"/>
        <bpmn:callActivity id="call" calledElement="sub"/>
        <bpmn:sequenceFlow id="f3" sourceRef="call" targetRef="ask"/>
        <bpmn:userTask id="ask"/>
        <bpmn:sequenceFlow id="f4" sourceRef="ask" targetRef="again"/>
        <bpmn:exclusiveGateway id="again" default="f_end"/>
        <bpmn:sequenceFlow id="f_back" sourceRef="again" targetRef="merge">
          <bpmn:conditionExpression>nog_een == True</bpmn:conditionExpression>
        </bpmn:sequenceFlow>
        <bpmn:sequenceFlow id="f_end" sourceRef="again" targetRef="e"/>
        <bpmn:endEvent id="e"/>
        """,
        extra="""
  <bpmn:process id="sub" isExecutable="true">
    <bpmn:startEvent id="sub_s"/>
    <bpmn:sequenceFlow id="sf" sourceRef="sub_s" targetRef="sub_script"/>
    <bpmn:scriptTask id="sub_script"><bpmn:script>geteld = True</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="sf2" sourceRef="sub_script" targetRef="sub_e"/>
    <bpmn:endEvent id="sub_e"/>
  </bpmn:process>""",
    )
    workflow = _workflow(text=document)
    for _ in range(400):
        _round(workflow, True, pruned=True)
    assert len(workflow.subprocesses) <= 1 and len(workflow.tasks) < 20
    [task] = workflow.get_tasks(state=TaskState.READY, manual=True)
    assert task.data["geteld"] is True  # what the subprocess returned still reaches the task
    _round(workflow, False, pruned=True)
    assert workflow.is_completed() and unexpected_end(workflow) is None


LOOP_AROUND = """
<bpmn:startEvent id="s"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="merge"/>
<bpmn:exclusiveGateway id="merge"/>
<bpmn:sequenceFlow id="f2" sourceRef="merge" targetRef="{first}"/>
{body}
<bpmn:sequenceFlow id="f4" sourceRef="{last}" targetRef="again"/>
<bpmn:exclusiveGateway id="again" default="f_end"/>
<bpmn:sequenceFlow id="f_back" sourceRef="again" targetRef="merge">
  <bpmn:conditionExpression>nog_een == True</bpmn:conditionExpression>
</bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f_end" sourceRef="again" targetRef="e"/>
<bpmn:endEvent id="e"/>
"""
BOUNDARY_TIMER = """
<bpmn:boundaryEvent id="timer" attachedToRef="ask" cancelActivity="true">
  <bpmn:timerEventDefinition><bpmn:timeDuration>"P30D"</bpmn:timeDuration></bpmn:timerEventDefinition>
</bpmn:boundaryEvent>
<bpmn:sequenceFlow id="ft" sourceRef="timer" targetRef="again"/>
"""
PARALLEL_BLOCK = """
<bpmn:parallelGateway id="split"/>
<bpmn:sequenceFlow id="pa" sourceRef="split" targetRef="ask"/>
<bpmn:sequenceFlow id="pb" sourceRef="split" targetRef="other"/>
<bpmn:userTask id="ask"/>
<bpmn:userTask id="other"/>
<bpmn:sequenceFlow id="pa2" sourceRef="ask" targetRef="join"/>
<bpmn:sequenceFlow id="pb2" sourceRef="other" targetRef="join"/>
<bpmn:parallelGateway id="join"/>
"""


def _ready(workflow: BpmnWorkflow) -> list[str]:
    return sorted(t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.READY, manual=True))


def _complete(workflow: BpmnWorkflow, element: str, again: bool = True) -> None:
    [task] = [
        t for t in workflow.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id == element
    ]
    task.data["nog_een"] = again
    task.run()
    workflow.do_engine_steps()
    prune(workflow)


def test_a_loop_through_a_task_with_a_boundary_timer_stays_flat():
    workflow = _workflow(
        text=bpmn_document(
            LOOP_AROUND.format(first="ask", last="ask", body='<bpmn:userTask id="ask"/>' + BOUNDARY_TIMER)
        )
    )
    sizes = []
    for _ in range(400):
        _complete(workflow, "ask")
        sizes.append(len(workflow.tasks))
    assert max(sizes[1:]) == min(sizes[1:])
    assert [w.event_type for w in workflow.waiting_events()] == ["DurationTimerEventDefinition"]  # one, armed
    _complete(workflow, "ask", again=False)
    assert workflow.is_completed() and unexpected_end(workflow) is None


def test_a_loop_around_a_parallel_block_stays_flat_and_its_join_still_waits_for_both():
    workflow = _workflow(
        text=bpmn_document(LOOP_AROUND.format(first="split", last="join", body=PARALLEL_BLOCK))
    )
    sizes = []
    for _ in range(400):
        assert _ready(workflow) == ["ask", "other"]
        _complete(workflow, "ask")
        assert _ready(workflow) == ["other"]  # the join does not fire on one branch
        _complete(workflow, "other")
        sizes.append(len(workflow.tasks))
    assert max(sizes[1:]) == min(sizes[1:])
    _complete(workflow, "ask")
    _complete(workflow, "other", again=False)
    assert workflow.is_completed() and unexpected_end(workflow) is None


def test_a_boundary_timer_loop_inside_a_parallel_branch_stays_flat():
    body = '<bpmn:userTask id="ask"/>' + BOUNDARY_TIMER
    document = bpmn_document(
        """
        <bpmn:startEvent id="s0"/>
        <bpmn:sequenceFlow id="g0" sourceRef="s0" targetRef="fork"/>
        <bpmn:parallelGateway id="fork"/>
        <bpmn:sequenceFlow id="g1" sourceRef="fork" targetRef="merge"/>
        <bpmn:sequenceFlow id="g2" sourceRef="fork" targetRef="other"/>
        <bpmn:userTask id="other"/>
        <bpmn:sequenceFlow id="g3" sourceRef="other" targetRef="meet"/>
        <bpmn:parallelGateway id="meet"/>
        <bpmn:sequenceFlow id="g4" sourceRef="meet" targetRef="e"/>
        """
        + LOOP_AROUND.format(first="ask", last="ask", body=body)
        .replace('<bpmn:startEvent id="s"/>', "")
        .replace('<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="merge"/>', "")
        .replace('targetRef="e"/>\n<bpmn:endEvent id="e"/>', 'targetRef="meet"/>\n<bpmn:endEvent id="e"/>')
    )
    workflow = _workflow(text=document)
    sizes = []
    for _ in range(400):
        _complete(workflow, "ask")
        sizes.append(len(workflow.tasks))
    assert max(sizes[1:]) == min(sizes[1:])
    _complete(workflow, "ask", again=False)
    assert _ready(workflow) == ["other"] and not workflow.is_completed()
    _complete(workflow, "other")
    assert workflow.is_completed() and unexpected_end(workflow) is None


def test_a_parallel_loop_in_a_call_activity_beside_another_branch_stays_flat():
    """What `wams validate` advises for a loop joining branches inside a parallel branch: moved into a
    call activity, its rounds are pruned in the subprocess's own tree."""
    main = """
    <bpmn:startEvent id="s0"/>
    <bpmn:sequenceFlow id="g0" sourceRef="s0" targetRef="fork"/>
    <bpmn:parallelGateway id="fork"/>
    <bpmn:sequenceFlow id="g1" sourceRef="fork" targetRef="call"/>
    <bpmn:sequenceFlow id="g2" sourceRef="fork" targetRef="wait"/>
    <bpmn:callActivity id="call" calledElement="sub"/>
    <bpmn:sequenceFlow id="g5" sourceRef="call" targetRef="meet"/>
    <bpmn:userTask id="wait"/>
    <bpmn:sequenceFlow id="g3" sourceRef="wait" targetRef="meet"/>
    <bpmn:parallelGateway id="meet"/>
    <bpmn:sequenceFlow id="g4" sourceRef="meet" targetRef="e0"/>
    <bpmn:endEvent id="e0"/>
    """
    sub = f'<bpmn:process id="sub" isExecutable="true">{LOOP_AROUND.format(first="split", last="join", body=PARALLEL_BLOCK)}</bpmn:process>'
    workflow = _workflow(text=bpmn_document(main, extra=sub))
    sizes = []
    for _ in range(300):
        _complete(workflow, "ask")
        _complete(workflow, "other")
        sizes.append(len(workflow.tasks) + sum(len(sp.tasks) for sp in workflow.subprocesses.values()))
    assert max(sizes[1:]) == min(sizes[1:])
    _complete(workflow, "ask")
    _complete(workflow, "other", again=False)
    assert _ready(workflow) == ["wait"]
    _complete(workflow, "wait")
    assert workflow.is_completed() and unexpected_end(workflow) is None
