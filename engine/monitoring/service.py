"""Indicators per municipality and period, and bottlenecks per BPMN element; CSV of both.

Indicator keys are the `monitor` names of the models (docs/modelling.md). The keys read here:
`ingang` (the procedure column), `clientondersteuning`, domains and parties (the `*_DOMAIN_KEYS` and
`*_PARTY_KEYS` below), `uitkomst`/`stopreden` and the *drukmiddel* signal with the manager's
decision (`PRESSURE_KEYS`: a party's request shortly after the client refused). Complaints (count
and nature) come from the klachtenmeldpunt's register, privacy incidents from theirs (engine.privacy).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Text, cast, func, literal, or_, select
from sqlalchemy.orm import Session

from ..access import Actor
from ..db.aggregates import percentile, seconds_between
from ..db.base import UTCDateTime
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


def indicators(uow: UnitOfWork, actor: Actor, start: datetime, end: datetime) -> Indicators:
    actor.require(*MONITOR_ROLES)
    _check_period(start, end)
    tenant = actor.tenant_id
    # Counted, averaged and the medians taken in the database: a municipality's year is tens of
    # thousands of task rows, and fetching them was most of the time (bench/national.py).
    with uow:
        session = uow.session
        ingang: Counter[str] = Counter()
        for name, count in session.execute(
            select(Procedure.ingang, func.count())
            .where(Procedure.tenant_id == tenant, Procedure.started_at >= start, Procedure.started_at < end)
            .group_by(Procedure.ingang)
        ):
            ingang[name or "onbekend"] += count
        duration = seconds_between(Procedure.ended_at, Procedure.started_at)
        ended, mean_seconds, median_seconds = session.execute(
            select(func.count(), func.avg(duration), percentile(duration, 0.5)).where(
                Procedure.tenant_id == tenant, Procedure.ended_at >= start, Procedure.ended_at < end
            )
        ).one()
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
            # As text: the same few values recur in thousands of rows, decoded once each below.
            select(Indicator.procedure_id, Indicator.key, cast(Indicator.value, Text)).where(
                Indicator.tenant_id == tenant,
                Indicator.key.in_(keys),
                Indicator.recorded_at >= start,
                Indicator.recorded_at < end,
            )
        ).all()
        registers = register_counts(uow, tenant, start, end)
        stalls = _stalls(session, tenant, start, end)
    per_key: dict[str, dict[str, set[Any]]] = defaultdict(lambda: defaultdict(set))
    answers: dict[str, Counter[str]] = defaultdict(Counter)
    decoded: dict[str | None, list[str]] = {}
    for procedure_id, key, text in indicator_rows:
        items = decoded.get(text)
        if items is None:
            items = decoded[text] = list(_values(json.loads(text) if text is not None else None))
        if key in ANSWER_KEYS:
            answers[ANSWER_KEYS[key]].update(items)
            continue
        group = "domains" if key in DOMAIN_KEYS else "parties" if key in PARTY_KEYS else key
        for item in items:
            per_key[group][item].add(procedure_id)

    def counted(group: str) -> dict[str, int]:
        return dict(sorted((k, len(v)) for k, v in per_key[group].items()))

    return Indicators(
        tenant_id=tenant,
        period_start=start,
        period_end=end,
        started=sum(ingang.values()),
        ended=int(ended or 0),
        running_at_end=running or 0,
        ingang=dict(sorted(ingang.items())),
        duration_days_mean=round(float(mean_seconds) / 86400, 2) if ended else None,
        duration_days_median=round(float(median_seconds) / 86400, 2) if ended else None,
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


def _stalls(session: Session, tenant: str, start: datetime, end: datetime) -> dict[str, Any]:
    """Per phase: user tasks completed in the period, their median waiting time (opened → completed)
    and how many were completed after their due time."""
    phase = func.coalesce(Task.phase, "onbekend")
    rows = session.execute(
        select(
            phase,
            func.count(),
            percentile(seconds_between(Task.completed_at, Task.created_at), 0.5),
            func.count().filter(Task.due_at.is_not(None), Task.completed_at > Task.due_at),
        )
        .where(
            Task.tenant_id == tenant,
            Task.status == TaskStatus.COMPLETED,
            Task.kind == "user",
            Task.completed_at >= start,
            Task.completed_at < end,
        )
        .group_by(phase)
        .order_by(phase)
    ).all()
    return {
        "tasks_completed_by_phase": {name: count for name, count, _, _ in rows},
        "waiting_days_median_by_phase": {name: round(median / 86400, 2) for name, _, median, _ in rows},
        "completed_late_by_phase": {name: late for name, _, _, late in rows},
    }


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
        element = (Task.process_id, Task.element_id)
        waited = seconds_between(literal(now, UTCDateTime), Task.created_at)
        # Grouped in the database, from one index range each (ix_tasks_tenant_status_completed
        # covers both and every column read; as one OR the planner walks all the municipality's rows).
        waiting = uow.session.execute(
            select(
                *element,
                func.max(Task.name),
                func.max(Task.role),
                func.count(),
                func.count().filter(Task.due_at < now),
                percentile(waited, 0.5),
                percentile(waited, 0.9),
            )
            .where(Task.tenant_id == actor.tenant_id, Task.status == TaskStatus.OPEN)
            .group_by(*element)
        ).all()
        handled = uow.session.execute(
            select(
                *element,
                func.max(Task.name),
                func.max(Task.role),
                func.count(),
                percentile(seconds_between(Task.completed_at, Task.created_at), 0.5),
            )
            .where(
                Task.tenant_id == actor.tenant_id,
                Task.status == TaskStatus.COMPLETED,
                Task.completed_at >= start,
                Task.completed_at < end,
            )
            .group_by(*element)
        ).all()
    items: dict[tuple[str, str], Bottleneck] = {}
    for process_id, element_id, name, role, count, median in handled:
        items[(process_id, element_id)] = Bottleneck(
            process_id, element_id, name, role, 0, 0, None, None, count, _rounded_hours(median)
        )
    for process_id, element_id, name, role, count, overdue, median, p90 in waiting:
        item = items.setdefault(
            (process_id, element_id),
            Bottleneck(process_id, element_id, name, role, 0, 0, None, None, 0, None),
        )
        item.open, item.overdue = count, overdue
        item.waiting_hours_median, item.waiting_hours_p90 = _rounded_hours(median), _rounded_hours(p90)
    result = sorted(items.values(), key=lambda b: (-b.overdue, -b.open, b.process_id, b.element_id))
    return BottleneckReport(period_start=start, period_end=end, items=result)


def _rounded_hours(seconds: float | None) -> float | None:
    return round(seconds / 3600, 2) if seconds is not None else None
