"""Indicators per municipality and period, and bottlenecks per BPMN element; CSV of both.

Indicator keys are the `monitor` names of the models (docs/modelling.md). The keys read here:
`ingang` (the procedure column), `clientondersteuning`, domains and parties (the `*_DOMAIN_KEYS` and
`*_PARTY_KEYS` below), `uitkomst`/`stopreden` and the *drukmiddel* signal with the manager's
decision (`PRESSURE_KEYS`: a party's request shortly after the client refused). Complaints (count
and nature) come from the klachtenmeldpunt's register, privacy incidents from theirs (engine.privacy).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, union_all

from ..access import Actor
from ..errors import InvalidInput
from ..privacy.registers import register_counts
from ..procedures.models import Indicator, Procedure
from ..roles import Role
from ..runtime.models import Task
from ..status import TaskStatus
from ..uow import UnitOfWork

DOMAIN_KEYS = ("betrokken_domeinen",)
PARTY_KEYS = ("betrokken_partijen", "partijen", "aanpak_partijen", "casusoverleg_partijen")
SUPPORT_KEY = "clientondersteuning"
OUTCOME_KEYS = ("uitkomst", "stopreden")
PRESSURE_SIGNAL, PRESSURE_DECISION = "drukmiddel_signaal", "drukmiddel_besluit"
PRESSURE_KEYS = (PRESSURE_SIGNAL, PRESSURE_DECISION)
# Decisions counted once per procedure (the last value wins nothing: every value recorded counts once).
CONSENT_KEY, FAMILY_KEY, ASSESSMENT_KEY = "toestemming", "gezinslid_deelname", "beoordeling"
DECISION_KEYS = (CONSENT_KEY, FAMILY_KEY, ASSESSMENT_KEY)
# Answers to information requests, counted per answer (a procedure asks several parties).
ANSWER_KEYS = {"informatieverstrekking": "party_answers", "medisch_besluit": "medical_decisions"}
MONITOR_ROLES = (Role.MANAGER,)
MAX_PERIOD = timedelta(days=3660)


@dataclass
class Indicators:
    tenant_id: str
    period_start: datetime
    period_end: datetime
    started: int
    ended: int
    running_at_end: int
    ingang: dict[str, int]
    duration_days_mean: float | None
    duration_days_median: float | None
    domains: dict[str, int]
    parties: dict[str, int]
    clientondersteuning: dict[str, int]
    complaints: int
    complaint_nature: dict[str, int]
    outcomes: dict[str, dict[str, int]] = field(default_factory=dict)
    # From the privacy registers (engine.privacy.registers): incidents discovered in the period.
    privacy_incidents: int = 0
    privacy_incidents_reported_to_ap: int = 0
    # Possible means of pressure: "signaal" (meldingen flagged), then the manager's decisions
    # ("doorgaan", "niet_doorgaan"), each counted once per procedure.
    drukmiddel: dict[str, int] = field(default_factory=dict)
    # The client's consent decision, household members' participation, the assessment's outcome:
    # procedures per value (docs/indicators.md).
    consent: dict[str, int] = field(default_factory=dict)
    family_participation: dict[str, int] = field(default_factory=dict)
    assessment: dict[str, int] = field(default_factory=dict)
    # Information requests answered in the period, per decision (delen, gedeeltelijk_delen, niet_delen).
    party_answers: dict[str, int] = field(default_factory=dict)
    medical_decisions: dict[str, int] = field(default_factory=dict)
    # Where procedures stall: per phase, the tasks completed in the period, their median waiting time
    # (opened → completed, days) and how many were completed after their due time.
    tasks_completed_by_phase: dict[str, int] = field(default_factory=dict)
    waiting_days_median_by_phase: dict[str, float] = field(default_factory=dict)
    completed_late_by_phase: dict[str, int] = field(default_factory=dict)


@dataclass
class Bottleneck:
    process_id: str
    element_id: str
    name: str
    role: str | None
    open: int
    overdue: int
    waiting_hours_median: float | None
    waiting_hours_p90: float | None
    completed_in_period: int
    handling_hours_median: float | None


@dataclass
class BottleneckReport:
    period_start: datetime
    period_end: datetime
    items: list[Bottleneck]


def _check_period(start: datetime, end: datetime) -> None:
    if end <= start:
        raise InvalidInput("the period ends before it starts", field="end")
    if end - start > MAX_PERIOD:
        raise InvalidInput("a period is at most ten years", field="start")


def _values(value: Any) -> Iterable[str]:
    if isinstance(value, list):
        for item in value:
            yield from _values(item)
    elif isinstance(value, bool):
        yield "ja" if value else "nee"
    elif value is not None and value != "":
        yield str(value)


def _days(delta: timedelta) -> float:
    return delta.total_seconds() / 86400


def indicators(uow: UnitOfWork, actor: Actor, start: datetime, end: datetime) -> Indicators:
    actor.require(*MONITOR_ROLES)
    _check_period(start, end)
    tenant = actor.tenant_id
    with uow:
        session = uow.session
        started_rows = session.execute(
            select(Procedure.ingang).where(
                Procedure.tenant_id == tenant, Procedure.started_at >= start, Procedure.started_at < end
            )
        ).all()
        ended_rows = session.execute(
            select(Procedure.started_at, Procedure.ended_at, Procedure.outcome, Procedure.stop_reason).where(
                Procedure.tenant_id == tenant, Procedure.ended_at >= start, Procedure.ended_at < end
            )
        ).all()
        running = session.scalar(
            select(func.count())
            .select_from(Procedure)
            .where(
                Procedure.tenant_id == tenant,
                Procedure.started_at < end,
                or_(Procedure.ended_at.is_(None), Procedure.ended_at >= end),
            )
        )
        keys = (
            *DOMAIN_KEYS,
            *PARTY_KEYS,
            SUPPORT_KEY,
            *OUTCOME_KEYS,
            *PRESSURE_KEYS,
            *DECISION_KEYS,
            *ANSWER_KEYS,
        )
        indicator_rows = session.execute(
            select(Indicator.procedure_id, Indicator.key, Indicator.value).where(
                Indicator.tenant_id == tenant,
                Indicator.key.in_(keys),
                Indicator.recorded_at >= start,
                Indicator.recorded_at < end,
            )
        ).all()
        registers = register_counts(uow, tenant, start, end)
        task_rows = session.execute(
            select(Task.phase, Task.created_at, Task.completed_at, Task.due_at).where(
                Task.tenant_id == tenant,
                Task.status == TaskStatus.COMPLETED,
                Task.kind == "user",
                Task.completed_at >= start,
                Task.completed_at < end,
            )
        ).all()
    durations = [_days(e - s) for s, e, _, _ in ended_rows if e is not None]
    per_key: dict[str, dict[str, set[Any]]] = defaultdict(lambda: defaultdict(set))
    answers: dict[str, Counter[str]] = defaultdict(Counter)
    for procedure_id, key, value in indicator_rows:
        if key in ANSWER_KEYS:
            answers[ANSWER_KEYS[key]].update(_values(value))
            continue
        group = "domains" if key in DOMAIN_KEYS else "parties" if key in PARTY_KEYS else key
        for item in _values(value):
            per_key[group][item].add(procedure_id)
    stalls = _stalls(task_rows)

    def counted(group: str) -> dict[str, int]:
        return dict(sorted((k, len(v)) for k, v in per_key[group].items()))

    return Indicators(
        tenant_id=tenant,
        period_start=start,
        period_end=end,
        started=len(started_rows),
        ended=len(ended_rows),
        running_at_end=running or 0,
        ingang=dict(sorted(Counter(r[0] or "onbekend" for r in started_rows).items())),
        duration_days_mean=round(statistics.fmean(durations), 2) if durations else None,
        duration_days_median=round(statistics.median(durations), 2) if durations else None,
        domains=counted("domains"),
        parties=counted("parties"),
        clientondersteuning=counted(SUPPORT_KEY),
        complaints=registers.complaints,  # the klachtenmeldpunt's register
        complaint_nature=registers.complaint_nature,
        outcomes={key: counted(key) for key in OUTCOME_KEYS},
        privacy_incidents=registers.incidents,
        privacy_incidents_reported_to_ap=registers.incidents_reported_to_ap,
        drukmiddel={
            "signaal": len(per_key[PRESSURE_SIGNAL].get("ja", ())),
            **counted(PRESSURE_DECISION),
        },
        consent=counted(CONSENT_KEY),
        family_participation=counted(FAMILY_KEY),
        assessment=counted(ASSESSMENT_KEY),
        party_answers=dict(sorted(answers["party_answers"].items())),
        medical_decisions=dict(sorted(answers["medical_decisions"].items())),
        **stalls,
    )


def _stalls(rows: Iterable[Any]) -> dict[str, Any]:
    waits: dict[str, list[float]] = defaultdict(list)
    late: Counter[str] = Counter()
    for phase, created_at, completed_at, due_at in rows:
        name = phase or "onbekend"
        waits[name].append(_days(completed_at - created_at))
        if due_at is not None and completed_at > due_at:
            late[name] += 1
    return {
        "tasks_completed_by_phase": {p: len(w) for p, w in sorted(waits.items())},
        "waiting_days_median_by_phase": {p: round(statistics.median(w), 2) for p, w in sorted(waits.items())},
        "completed_late_by_phase": {p: late[p] for p in sorted(waits)},
    }


def _percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = p / 100 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def bottlenecks(
    uow: UnitOfWork, actor: Actor, start: datetime | None = None, end: datetime | None = None
) -> BottleneckReport:
    """Open work per BPMN element now (count, waiting time median and p90, overdue), and how long the
    tasks completed in the period took. Sorted by most overdue, then most open."""
    actor.require(*MONITOR_ROLES)
    with uow:
        now = uow.now()
        end = end or now + timedelta(seconds=1)  # half-open: up to and including now
        start = start or end - timedelta(days=90)
        _check_period(start, end)
        columns = (
            Task.process_id,
            Task.element_id,
            Task.name,
            Task.role,
            Task.status,
            Task.created_at,
            Task.due_at,
            Task.completed_at,
        )
        # Two index ranges (ix_tasks_tenant_status_completed covers both and every column read): as
        # one OR the planner walks all of the municipality's task rows (bench/national.py).
        rows = uow.session.execute(
            union_all(
                select(*columns).where(Task.tenant_id == actor.tenant_id, Task.status == TaskStatus.OPEN),
                select(*columns).where(
                    Task.tenant_id == actor.tenant_id,
                    Task.status == TaskStatus.COMPLETED,
                    Task.completed_at >= start,
                    Task.completed_at < end,
                ),
            )
        ).all()
    groups: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for row in rows:
        groups[(row.process_id, row.element_id)].append(row)
    result = []
    for (process_id, element_id), items in groups.items():
        waiting = [_hours(now - r.created_at) for r in items if r.status == TaskStatus.OPEN]
        handled = [_hours(r.completed_at - r.created_at) for r in items if r.status == TaskStatus.COMPLETED]
        p50, p90 = _percentile(waiting, 50), _percentile(waiting, 90)
        handled_median = _percentile(handled, 50)
        result.append(
            Bottleneck(
                process_id=process_id,
                element_id=element_id,
                name=items[-1].name,
                role=items[-1].role,
                open=len(waiting),
                overdue=sum(
                    1
                    for r in items
                    if r.status == TaskStatus.OPEN and r.due_at is not None and r.due_at < now
                ),
                waiting_hours_median=round(p50, 2) if p50 is not None else None,
                waiting_hours_p90=round(p90, 2) if p90 is not None else None,
                completed_in_period=len(handled),
                handling_hours_median=round(handled_median, 2) if handled_median is not None else None,
            )
        )
    result.sort(key=lambda b: (-b.overdue, -b.open, b.process_id, b.element_id))
    return BottleneckReport(period_start=start, period_end=end, items=result)
