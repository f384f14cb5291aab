"""Practice against the model, for managers: the variants of a procedure (the sequences of steps people
completed, with counts and durations), per element how often it was skipped, repeated or done out of
order (token replay, engine.monitoring.replay, over the version each procedure ran on), and how often
each gateway went each way.

Bounded: the newest `MAX_PROCEDURES` procedures started in the period are replayed (the answer says
when there were more); the parsed models are cached per version (engine.monitoring.process_graph).
Histories are read from the process events: completed tasks, the automatic path of each step
(gateways, events, script tasks) and the tasks opened (where a gateway's choice is still waiting).
"""

from __future__ import annotations

import statistics
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case as sql_case
from sqlalchemy import select

from ..access import Actor
from ..definitions.models import ProcessDefinition
from ..runtime.models import ProcessEvent, ProcessInstance
from ..status import InstanceStatus
from ..uow import UnitOfWork
from .process_graph import ProcessGraph, graphs_of
from .replay import DONE, OPENED, Occurrence, replay
from .service import MONITOR_ROLES, _check_period

MAX_PROCEDURES = 2000
MAX_VARIANTS = 20
EVENT_TYPES = ("task_completed", "task_opened", "path", "continued")
# A marker in a history: the instance continued as a new workflow of the process it names.
CONTINUED = "continued"
CHUNK = 500


@dataclass
class Variant:
    steps: list[str]  # element ids of the completed user tasks, a run of the same step once
    names: list[str]
    count: int
    share: float
    finished: int
    duration_days_median: float | None
    duration_days_mean: float | None


@dataclass
class ElementConformance:
    process_id: str  # the BPMN process (diagram) the element is in
    element_id: str
    name: str
    done: int  # procedures in which it was done
    skipped: int
    repeated: int
    out_of_order: int
    rework_in_model: bool  # the model itself leads back to it


@dataclass
class FlowShare:
    flow_id: str
    name: str
    target_id: str
    count: int
    share: float | None


@dataclass
class GatewaySplit:
    process_id: str
    gateway_id: str
    name: str
    passages: int
    flows: list[FlowShare]


@dataclass
class Conformance:
    period_start: datetime
    period_end: datetime
    procedures: int
    truncated: bool
    fitting: int  # procedures with nothing skipped or out of order
    variants: list[Variant] = field(default_factory=list)
    variant_count: int = 0
    elements: list[ElementConformance] = field(default_factory=list)
    gateways: list[GatewaySplit] = field(default_factory=list)


@dataclass
class _Case:
    id: uuid.UUID
    definition_id: int
    status: str
    started_at: datetime
    ended_at: datetime | None
    current: list[str]
    history: list[Occurrence] = field(default_factory=list)


def history_of(events: Iterable[tuple[str, str | None, Any]]) -> list[Occurrence]:
    """(type, element_id, detail) in event order → the occurrences replay reads."""
    found: list[Occurrence] = []
    for type_, element_id, detail in events:
        if type_ == "path":
            elements = (detail or {}).get("elements") or []
            found.extend(Occurrence(str(e), DONE) for e in elements)
        elif element_id and type_ == "task_completed":
            found.append(Occurrence(element_id, DONE))
        elif element_id and type_ == "task_opened":
            found.append(Occurrence(element_id, OPENED))
        elif type_ == "continued" and (detail or {}).get("to"):
            found.append(Occurrence(str(detail["to"]), CONTINUED))
    return found


def by_process(
    history: list[Occurrence], graphs: dict[str, ProcessGraph], entry: str
) -> dict[str, list[Occurrence]]:
    """Each occurrence to the process it ran in. Element ids are unique within a file, not across
    them (the procedure and each evaluation period both end at "end_naar_afsluiting"), so the process
    the instance runs at that moment wins; an element only another process has (a called process,
    or the next segment's first steps, written before the `continued` event) goes to that one."""
    current = entry
    found: dict[str, list[Occurrence]] = defaultdict(list)
    for occurrence in history:
        if occurrence.kind == CONTINUED:
            current = occurrence.element_id
            continue
        graph = graphs.get(current)
        if graph is not None and occurrence.element_id in graph.nodes:
            found[current].append(occurrence)
            continue
        for process_id, other in graphs.items():
            if occurrence.element_id in other.nodes:
                found[process_id].append(occurrence)
                break
    return found


def _collapse(steps: list[str]) -> tuple[str, ...]:
    """A run of the same step (one task per household member) is one step of the variant."""
    collapsed: list[str] = []
    for step in steps:
        if not collapsed or collapsed[-1] != step:
            collapsed.append(step)
    return tuple(collapsed)


def _days(case: _Case) -> float | None:
    if case.ended_at is None:
        return None
    return (case.ended_at - case.started_at).total_seconds() / 86400


def conformance(
    uow: UnitOfWork,
    actor: Actor,
    entry_process_id: str,
    start: datetime,
    end: datetime,
    limit: int = MAX_PROCEDURES,
) -> Conformance:
    actor.require(*MONITOR_ROLES)
    _check_period(start, end)
    with uow:
        session = uow.session
        rows = session.execute(
            select(
                ProcessInstance.id,
                ProcessInstance.definition_id,
                ProcessInstance.status,
                ProcessInstance.started_at,
                ProcessInstance.ended_at,
                ProcessInstance.current_steps,
            )
            .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
            .where(
                ProcessInstance.tenant_id == actor.tenant_id,
                ProcessDefinition.tenant_id == actor.tenant_id,
                ProcessDefinition.process_id == entry_process_id,
                ProcessInstance.started_at >= start,
                ProcessInstance.started_at < end,
            )
            .order_by(ProcessInstance.started_at.desc())
            .limit(limit + 1)
        ).all()
        truncated = len(rows) > limit
        cases = {
            r.id: _Case(r.id, r.definition_id, r.status, r.started_at, r.ended_at, r.current_steps or [])
            for r in rows[:limit]
        }
        ids = list(cases)
        events: dict[uuid.UUID, list[tuple[str, str | None, Any]]] = defaultdict(list)
        for offset in range(0, len(ids), CHUNK):
            for instance_id, type_, element_id, detail in session.execute(
                select(
                    ProcessEvent.instance_id,
                    ProcessEvent.type,
                    ProcessEvent.element_id,
                    # Only paths and continuations need their detail: decoding every one is most of the time.
                    sql_case((ProcessEvent.type.in_(("path", "continued")), ProcessEvent.detail), else_=None),
                )
                .where(
                    ProcessEvent.tenant_id == actor.tenant_id,
                    ProcessEvent.instance_id.in_(ids[offset : offset + CHUNK]),
                    ProcessEvent.type.in_(EVENT_TYPES),
                )
                .order_by(ProcessEvent.instance_id, ProcessEvent.id)
            ):
                events[instance_id].append((type_, element_id, detail))
        graphs: dict[int, dict[str, ProcessGraph]] = {}
        entries: dict[int, str] = {}
        for definition in session.scalars(
            select(ProcessDefinition).where(
                ProcessDefinition.id.in_({c.definition_id for c in cases.values()})
            )
        ):
            graphs[definition.id] = graphs_of(uow, definition)
            entries[definition.id] = definition.process_id
    for case in cases.values():
        case.history = history_of(events.get(case.id, []))
        if case.status == InstanceStatus.RUNNING:
            case.history.extend(Occurrence(step, OPENED) for step in case.current)
    return _aggregate(start, end, list(cases.values()), graphs, entries, truncated)


def _aggregate(
    start: datetime,
    end: datetime,
    cases: list[_Case],
    graphs: dict[int, dict[str, ProcessGraph]],
    entries: dict[int, str],
    truncated: bool,
) -> Conformance:
    # Figures are per (process, element): ids are unique within a process's file, not across files.
    Key = tuple[str, str]
    names: dict[Key, str] = {}
    on_cycle: dict[Key, bool] = {}
    for version in graphs.values():
        for process_id, graph in version.items():
            for node in graph.nodes.values():
                key = (process_id, node.id)
                names.setdefault(key, node.name or node.id)
                on_cycle[key] = on_cycle.get(key, False) or node.on_cycle
    done: Counter[Key] = Counter()
    skipped: Counter[Key] = Counter()
    repeated: Counter[Key] = Counter()
    out_of_order: Counter[Key] = Counter()
    decisions: dict[Key, Counter[str]] = defaultdict(Counter)
    flows: dict[str, tuple[str, str | None]] = {}
    task_names: dict[str, str] = {}
    fitting = 0
    variants: dict[tuple[str, ...], list[_Case]] = defaultdict(list)
    for case in cases:
        fits = True
        finished = case.status == InstanceStatus.COMPLETED
        version = graphs.get(case.definition_id, {})
        runs = by_process(case.history, version, entries.get(case.definition_id, ""))
        for process_id, graph in version.items():
            result = replay(graph, runs.get(process_id, []), finished=finished)
            done.update((process_id, e) for e in result.fired)
            skipped.update((process_id, e) for e in result.skipped)
            repeated.update((process_id, e) for e in result.repeated)
            out_of_order.update((process_id, e) for e in result.out_of_order)
            fits = fits and result.fits
            for gateway_id, counts in result.decisions.items():
                taken = decisions[(process_id, gateway_id)]
                for flow_id in graph.nodes[gateway_id].outgoing:
                    flow = graph.flows[flow_id]
                    flows.setdefault(flow_id, (flow.target, flow.name))
                    taken[flow_id] += counts.get(flow_id, 0)
        fitting += fits
    for case in cases:
        completed_tasks = [
            o.element_id for o in case.history if o.kind == DONE and _is_task(graphs, case, o.element_id)
        ]
        variants[_collapse(completed_tasks)].append(case)
    elements = [
        ElementConformance(
            process_id=key[0],
            element_id=key[1],
            name=names.get(key, key[1]),
            done=done[key],
            skipped=skipped[key],
            repeated=repeated[key],
            out_of_order=out_of_order[key],
            rework_in_model=on_cycle.get(key, False),
        )
        for key in sorted(set(done) | set(skipped), key=lambda k: (k[0], names.get(k, k[1]), k[1]))
    ]
    for (_, element_id), name in names.items():
        task_names.setdefault(element_id, name)
    gateways = []
    for key, counts in sorted(decisions.items()):
        passages = sum(counts.values())
        gateways.append(
            GatewaySplit(
                process_id=key[0],
                gateway_id=key[1],
                name=names.get(key, key[1]),
                passages=passages,
                flows=[
                    FlowShare(
                        flow_id=flow_id,
                        name=flows[flow_id][1] or names.get((key[0], flows[flow_id][0]), flows[flow_id][0]),
                        target_id=flows[flow_id][0],
                        count=count,
                        share=round(count / passages, 4) if passages else None,
                    )
                    for flow_id, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
                ],
            )
        )
    ordered = sorted(variants.items(), key=lambda item: (-len(item[1]), item[0]))
    total = len(cases)
    return Conformance(
        period_start=start,
        period_end=end,
        procedures=total,
        truncated=truncated,
        fitting=fitting,
        variants=[_variant(steps, members, total, task_names) for steps, members in ordered[:MAX_VARIANTS]],
        variant_count=len(variants),
        elements=elements,
        gateways=gateways,
    )


def _is_task(graphs: dict[int, dict[str, ProcessGraph]], case: _Case, element_id: str) -> bool:
    for graph in graphs.get(case.definition_id, {}).values():
        node = graph.nodes.get(element_id)
        if node is not None:
            return node.kind in ("userTask", "manualTask", "task")
    return False


def _variant(steps: tuple[str, ...], members: list[_Case], total: int, names: dict[str, str]) -> Variant:
    finished = [c for c in members if c.status == InstanceStatus.COMPLETED]
    durations = [d for d in (_days(c) for c in finished) if d is not None]
    return Variant(
        steps=list(steps),
        names=[names.get(s, s) for s in steps],
        count=len(members),
        share=round(len(members) / total, 4) if total else 0.0,
        finished=len(finished),
        duration_days_median=round(statistics.median(durations), 2) if durations else None,
        duration_days_mean=round(statistics.fmean(durations), 2) if durations else None,
    )
