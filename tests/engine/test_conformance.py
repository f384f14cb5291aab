"""Practice against the model: token replay over small fixture models with hand-built histories (a
skipped, a repeated and an out-of-order step), variants with counts and durations, gateway split
ratios — and the same figures from histories the runtime really wrote."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.access import Actor
from engine.errors import NotAuthorized
from engine.monitoring.conformance import by_process, conformance, history_of
from engine.monitoring.process_graph import parse_graph
from engine.monitoring.replay import DONE, OPENED, Occurrence, replay
from engine.roles import Role
from engine.runtime.models import Task
from engine.runtime.service import Runtime
from engine.status import TaskStatus
from tests.factories import FIXTURES, bpmn_document, deploy_bundle, fixture_bundle, make_tenant

MODEL = (FIXTURES / "bundles" / "conformance" / "conformance.bpmn").read_text(encoding="utf-8")
MANAGER = Actor("manager", "utrecht", frozenset({Role.MANAGER}))


def _graph():
    graph = parse_graph(MODEL, "conformance")
    assert graph is not None
    return graph


def _run(*elements: str, finished: bool = True):
    return replay(_graph(), [Occurrence(e) for e in elements], finished=finished)


def test_a_history_that_follows_the_model_fits_and_counts_the_gateway_choice():
    result = _run("start", "intake", "route", "task_a", "close", "end")
    assert result.fits and not result.repeated
    assert result.decisions == {"route": {"f_a": 1}}
    assert (result.missing, result.remaining) == (0, 0)


def test_a_skipped_step_is_skipped_and_what_follows_it_is_out_of_order():
    # The closing step was done without route B's step: B skipped, closing done before it was enabled.
    result = _run("start", "intake", "route", "close", "end")
    assert result.skipped == set()  # the gateway's choice is unknown: nothing waits in front of B
    result = _run("start", "intake", "task_a", "close", "end")
    assert result.skipped == {"route"}
    assert result.out_of_order == {"task_a"}
    assert not result.fits


def test_a_repeated_step_is_counted_once_as_repeated_not_out_of_order():
    result = _run("start", "intake", "intake", "route", "task_b", "close", "end")
    assert result.repeated == {"intake"}
    assert result.out_of_order == set() and result.skipped == set()


def test_a_step_done_before_its_predecessor_is_out_of_order_not_skipped():
    result = _run("start", "route", "intake", "task_b", "close", "end")
    assert result.out_of_order == {"route"}
    assert result.skipped == set()  # the intake was done, later


def test_a_running_procedure_has_skipped_nothing_yet():
    result = _run("start", "intake", finished=False)
    assert result.fits and result.skipped == set()


def test_the_gateway_choice_is_read_from_a_task_that_is_only_opened():
    history = [Occurrence("start"), Occurrence("intake"), Occurrence("route"), Occurrence("task_b", OPENED)]
    result = replay(_graph(), history, finished=False)
    assert result.decisions == {"route": {"f_b": 1}}


def test_a_loop_in_the_model_is_rework_it_allows():
    xml = bpmn_document(
        """<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="m"/>
        <bpmn:exclusiveGateway id="m"/><bpmn:sequenceFlow id="f2" sourceRef="m" targetRef="t"/>
        <bpmn:userTask id="t"/><bpmn:sequenceFlow id="f3" sourceRef="t" targetRef="g"/>
        <bpmn:exclusiveGateway id="g"/><bpmn:sequenceFlow id="back" sourceRef="g" targetRef="m"/>
        <bpmn:sequenceFlow id="out" sourceRef="g" targetRef="e"/><bpmn:endEvent id="e"/>"""
    )
    graph = parse_graph(xml, "p")
    assert graph is not None and graph.nodes["t"].on_cycle and not graph.nodes["s"].on_cycle
    result = replay(graph, [Occurrence(e) for e in ("s", "m", "t", "g", "m", "t", "g", "e")], finished=True)
    assert result.fits and result.repeated == {"t", "m", "g"}
    assert result.decisions["g"] == {"back": 1, "out": 1}


def test_parallel_branches_need_both_tokens_at_the_join():
    xml = bpmn_document(
        """<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="split"/>
        <bpmn:parallelGateway id="split"/>
        <bpmn:sequenceFlow id="fa" sourceRef="split" targetRef="a"/><bpmn:userTask id="a"/>
        <bpmn:sequenceFlow id="fb" sourceRef="split" targetRef="b"/><bpmn:userTask id="b"/>
        <bpmn:sequenceFlow id="ja" sourceRef="a" targetRef="join"/>
        <bpmn:sequenceFlow id="jb" sourceRef="b" targetRef="join"/>
        <bpmn:parallelGateway id="join"/><bpmn:sequenceFlow id="fe" sourceRef="join" targetRef="e"/>
        <bpmn:endEvent id="e"/>"""
    )
    graph = parse_graph(xml, "p")
    assert graph is not None
    both = replay(graph, [Occurrence(e) for e in ("s", "split", "b", "a", "join", "e")], finished=True)
    assert both.fits and both.decisions["split"] == {"fa": 1, "fb": 1}
    one = replay(graph, [Occurrence(e) for e in ("s", "split", "a", "join", "e")], finished=True)
    assert one.out_of_order == {"join"} and one.skipped == {"b"}


def test_history_of_reads_completed_tasks_paths_and_opened_tasks():
    events = [
        ("instance_started", None, {"version": 1}),
        ("path", None, {"elements": ["start"]}),
        ("task_opened", "intake", None),
        ("task_completed", "intake", None),
        ("path", None, {"elements": ["route"]}),
        ("task_claimed", "task_a", None),
    ]
    assert history_of(events) == [
        Occurrence("start", DONE),
        Occurrence("intake", OPENED),
        Occurrence("intake", DONE),
        Occurrence("route", DONE),
    ]


def test_an_element_id_two_processes_share_goes_to_the_process_running_then():
    procedure = parse_graph(
        bpmn_document(
            """<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="out"/>
            <bpmn:endEvent id="out"/>""",
            process_id="first",
        ),
        "first",
    )
    period = parse_graph(
        bpmn_document(
            """<bpmn:startEvent id="s2"/><bpmn:sequenceFlow id="f2" sourceRef="s2" targetRef="out"/>
            <bpmn:endEvent id="out"/>""",
            process_id="period",
        ),
        "period",
    )
    assert procedure is not None and period is not None
    history = history_of(
        [
            ("path", None, {"elements": ["s", "out", "s2"]}),
            ("continued", None, {"from": "first", "to": "period"}),
            ("path", None, {"elements": ["out"]}),
        ]
    )
    runs = by_process(history, {"first": procedure, "period": period}, "first")
    assert [o.element_id for o in runs["first"]] == ["s", "out"]
    assert [o.element_id for o in runs["period"]] == ["s2", "out"]
    assert replay(period, runs["period"], finished=True).fits


# --- through the runtime: histories as the engine writes them ----------------------------------------


@pytest.fixture
def runtime(uow):
    make_tenant(uow)
    make_tenant(uow, "amersfoort")
    deploy_bundle(uow, fixture_bundle("conformance"))
    return Runtime()


def _complete_open(uow, runtime, instance_id, data):
    with uow(readonly=True) as unit:
        [task] = unit.session.scalars(
            select(Task).where(Task.instance_id == instance_id, Task.status == TaskStatus.OPEN)
        ).all()
    with uow() as unit:
        runtime.complete_task(unit, "utrecht", task.id, data, "a")
        unit.commit()


def _procedure(uow, runtime, clock, route: str | None, days: int) -> None:
    with uow() as unit:
        instance_id = runtime.start(unit, "utrecht", "conformance", {}, "a").instance.id
        unit.commit()
    if route is None:
        return
    _complete_open(uow, runtime, instance_id, {"keuze": route})
    clock.advance(days=days)
    _complete_open(uow, runtime, instance_id, {})
    _complete_open(uow, runtime, instance_id, {})
    clock.advance(days=-days)


def test_variants_durations_and_gateway_ratios_from_real_histories(uow, runtime, clock):
    for route, days in (("a", 2), ("a", 4), ("b", 10), (None, 0)):
        _procedure(uow, runtime, clock, route, days)
    start, end = clock.now() - timedelta(days=1), clock.now() + timedelta(days=30)
    found = conformance(uow(readonly=True), MANAGER, "conformance", start, end)
    assert (found.procedures, found.fitting, found.truncated) == (4, 4, False)
    variants = {tuple(v.steps): v for v in found.variants}
    assert set(variants) == {("intake", "task_a", "close"), ("intake", "task_b", "close"), ()}
    route_a = variants[("intake", "task_a", "close")]
    assert (route_a.count, route_a.finished, route_a.share) == (2, 2, 0.5)
    assert route_a.duration_days_median == 3.0 and route_a.names == ["Intake", "Stap A", "Afsluiten"]
    assert variants[()].duration_days_median is None  # still running
    [route] = found.gateways
    shares = {f.flow_id: (f.count, f.share, f.name) for f in route.flows}
    assert shares == {"f_a": (2, 0.6667, "Route A"), "f_b": (1, 0.3333, "Route B")}
    elements = {e.element_id: e for e in found.elements}
    assert elements["intake"].done == 3 and elements["close"].done == 3
    assert all(e.skipped == e.repeated == e.out_of_order == 0 for e in found.elements)
    # Bounded: the newest procedures only, and the answer says so.
    assert conformance(uow(readonly=True), MANAGER, "conformance", start, end, limit=2).truncated


def test_conformance_is_for_managers_of_their_own_municipality(uow, runtime, clock):
    _procedure(uow, runtime, clock, "a", 1)
    start, end = clock.now() - timedelta(days=1), clock.now() + timedelta(days=1)
    other = Actor("manager", "amersfoort", frozenset({Role.MANAGER}))
    assert conformance(uow(readonly=True), other, "conformance", start, end).procedures == 0
    with pytest.raises(NotAuthorized):
        conformance(
            uow(readonly=True),
            Actor("c", "utrecht", frozenset({Role.COORDINATOR})),
            "conformance",
            start,
            end,
        )
