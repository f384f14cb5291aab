"""Practice against the model, for managers: the variants of a procedure (the sequences of steps people
completed, with counts and durations), per element how often it was skipped, repeated or done out of
order (token replay, engine.monitoring.replay, over the version each procedure ran on), and how often
each gateway went each way.

Every procedure started in the period counts (up to `MAX_PROCEDURES`, far more than a municipality
starts in ten years; the answer says when there were more). Each procedure's replay outcome is kept
(engine.monitoring.summaries) while the procedure does not move: a request replays only the
procedures that changed since they were last counted (a finished one never does) and sums the kept
outcomes, decoding each distinct outcome once. The parsed models are cached per version
(engine.monitoring.process_graph). Histories are read from the process events (replay.history_of).
"""

from __future__ import annotations

import logging
import statistics
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, not_, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.exc import DBAPIError

from ..access import Actor
from ..definitions.models import ProcessDefinition
from ..runtime.models import ProcessEvent, ProcessInstance
from ..status import InstanceStatus
from ..uow import UnitOfWork
from . import summaries
from .models import ConformanceSummary
from .process_graph import ProcessGraph, graphs_of
from .replay import CONTINUED, OPENED, Occurrence, by_process, history_of
from .service import MONITOR_ROLES, _check_period
from .summaries import Kept, Outcome

__all__ = ["CONTINUED", "Conformance", "by_process", "conformance", "history_of"]

log = logging.getLogger(__name__)
# A bound against a runaway request, not a sample: a large municipality starts ~7,000 procedures a
# year, so ten years (the longest period) fit.
MAX_PROCEDURES = 100_000
MAX_VARIANTS = 20
EVENT_TYPES = ("task_completed", "task_opened", "path", "continued")
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
    definition_id: int
    status: str
    seconds: float | None  # how long it took, once ended
    outcome: str  # the kept (or just worked out) outcome, summaries.encode


def _days(case: _Case) -> float | None:
    return None if case.seconds is None else case.seconds / 86400


def conformance(
    uow: UnitOfWork,
    actor: Actor,
    entry_process_id: str,
    start: datetime,
    end: datetime,
    limit: int = MAX_PROCEDURES,
    *,
    keep: UnitOfWork | None = None,
) -> Conformance:
    """Read in `uow` (read-only will do); the outcomes of procedures that had to be replayed are kept
    in `keep`, a write unit of work committed here after the read (None: nothing is written)."""
    actor.require(*MONITOR_ROLES)
    _check_period(start, end)
    tenant = actor.tenant_id
    with uow:
        session = uow.session
        # Joined on the instance id alone (unique), and checked for validity in the select: with the
        # version columns in the join condition, PostgreSQL with stale statistics merged on
        # definition_id (one value for all) and compared every pair, quadratic (bench: 7 s for 7,000).
        kept = and_(
            ConformanceSummary.instance_id == ProcessInstance.id, ConformanceSummary.tenant_id == tenant
        )
        stale = or_(
            ConformanceSummary.instance_id.is_(None),
            ConformanceSummary.definition_id != ProcessInstance.definition_id,
            ConformanceSummary.instance_version != ProcessInstance.version,
        )
        running = ProcessInstance.status == InstanceStatus.RUNNING

        def only(condition: Any, column: Any) -> Any:
            # What only a procedure replayed now needs: the rest are not decoded (most of a warm read).
            return sql_case((condition, column), else_=None)

        # On the session's connection, not through the ORM: plain rows, without its per-row work.
        rows = (
            session.connection()
            .execute(
                select(
                    ProcessInstance.definition_id,
                    ProcessInstance.status,
                    only(not_(stale), ConformanceSummary.outcome_id).label("outcome"),
                    ConformanceSummary.seconds,
                    only(stale, ProcessInstance.id).label("id"),
                    only(stale, ProcessInstance.version).label("version"),
                    only(stale, ProcessInstance.started_at).label("started_at"),
                    only(stale, ProcessInstance.ended_at).label("ended_at"),
                    only(and_(stale, running), ProcessInstance.current_steps).label("steps"),
                )
                .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
                .outerjoin(ConformanceSummary, kept)
                .where(
                    ProcessInstance.tenant_id == tenant,
                    ProcessDefinition.tenant_id == tenant,
                    ProcessDefinition.process_id == entry_process_id,
                    ProcessInstance.started_at >= start,
                    ProcessInstance.started_at < end,
                )
                .order_by(ProcessInstance.started_at.desc())
                .limit(limit + 1)
            )
            .all()
        )
        truncated = len(rows) > limit
        rows = rows[:limit]
        replayed = [r for r in rows if r.outcome is None]
        texts = summaries.stored(uow, tenant, {r.outcome for r in rows if r.outcome is not None})
        events = _events(uow, tenant, [r.id for r in replayed])
        graphs: dict[int, dict[str, ProcessGraph]] = {}
        entries: dict[int, str] = {}
        for definition in session.scalars(
            select(ProcessDefinition).where(ProcessDefinition.id.in_({r.definition_id for r in rows}))
        ):
            graphs[definition.id] = graphs_of(uow, definition)
            entries[definition.id] = definition.process_id
    fresh: dict[uuid.UUID, Kept] = {}
    for r in replayed:
        history = history_of(events.get(r.id, []))
        if r.status == InstanceStatus.RUNNING:
            history.extend(Occurrence(step, OPENED) for step in r.steps or [])
        version = graphs.get(r.definition_id, {})
        outcome = summaries.outcome_of(history, r.status, version, entries.get(r.definition_id, ""))
        seconds = (r.ended_at - r.started_at).total_seconds() if r.ended_at is not None else None
        fresh[r.id] = Kept(r.id, r.definition_id, r.version, summaries.encode(outcome), seconds)
    if keep is not None and fresh:
        _keep(keep, tenant, list(fresh.values()))
    cases = [
        _Case(definition_id, status, seconds, texts[outcome])
        if outcome is not None
        else _Case(definition_id, status, fresh[id_].seconds, fresh[id_].outcome)
        for definition_id, status, outcome, seconds, id_, *_ in rows
    ]
    return _aggregate(start, end, cases, graphs, truncated)


def _events(
    uow: UnitOfWork, tenant: str, ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[str, str | None, Any]]]:
    """The process events replay reads, per instance in order."""
    events: dict[uuid.UUID, list[tuple[str, str | None, Any]]] = defaultdict(list)
    for offset in range(0, len(ids), CHUNK):
        for instance_id, type_, element_id, detail in uow.session.connection().execute(
            select(
                ProcessEvent.instance_id,
                ProcessEvent.type,
                ProcessEvent.element_id,
                # Only paths and continuations need their detail: decoding every one is most of the time.
                sql_case((ProcessEvent.type.in_(("path", "continued")), ProcessEvent.detail), else_=None),
            )
            .where(
                ProcessEvent.tenant_id == tenant,
                ProcessEvent.instance_id.in_(ids[offset : offset + CHUNK]),
                ProcessEvent.type.in_(EVENT_TYPES),
            )
            .order_by(ProcessEvent.instance_id, ProcessEvent.id)
        ):
            events[instance_id].append((type_, element_id, detail))
    return events


def _keep(keep: UnitOfWork, tenant: str, outcomes: list[Kept]) -> None:
    """Keep what was replayed, in its own write transaction after the read. Keeping is a saving, not
    part of the answer: when it fails (a procedure deleted meanwhile, a rehearsal reset), the figures
    are still right and the next request replays those procedures again."""
    try:
        with keep:
            summaries.keep(keep, tenant, outcomes)
            keep.commit()
    except DBAPIError:
        log.warning(
            "keeping %d conformance outcomes failed; they are replayed next time",
            len(outcomes),
            exc_info=True,
        )


def _aggregate(
    start: datetime,
    end: datetime,
    cases: list[_Case],
    graphs: dict[int, dict[str, ProcessGraph]],
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
    # Most procedures share their outcome with many others: each distinct one is decoded and summed once.
    decoded: dict[str, Outcome] = {}
    alike: Counter[tuple[int, str]] = Counter()
    variants: dict[tuple[str, ...], list[_Case]] = defaultdict(list)
    for case in cases:
        outcome = decoded.get(case.outcome)
        if outcome is None:
            outcome = decoded[case.outcome] = summaries.decode(case.outcome)
        alike[(case.definition_id, case.outcome)] += 1
        variants[outcome.steps].append(case)
    for (definition_id, text), count in alike.items():
        outcome = decoded[text]
        version = graphs.get(definition_id, {})
        fitting += count if outcome.fits else 0
        for process_id, found in outcome.processes.items():
            for counter, ids in (
                (done, found.done),
                (skipped, found.skipped),
                (repeated, found.repeated),
                (out_of_order, found.out_of_order),
            ):
                for element_id in ids:
                    counter[(process_id, element_id)] += count
            diagram = version.get(process_id)
            for gateway_id, counts in found.decisions.items():
                if diagram is None or gateway_id not in diagram.nodes:
                    continue
                taken = decisions[(process_id, gateway_id)]
                for flow_id in diagram.nodes[gateway_id].outgoing:
                    flow = diagram.flows[flow_id]
                    flows.setdefault(flow_id, (flow.target, flow.name))
                    taken[flow_id] += counts.get(flow_id, 0) * count
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
