"""What the privacy officer (FG) needs to supervise beyond the log queries: finding a data subject's
processing by BSN, and the records of medical-confidentiality weighings.

Finding by BSN: a subject's pseudonym is random per procedure (`engine.procedures.recording`), so the
BSN is looked up among the municipality's recorded BSN facts and each match gives a procedure and a
pseudonym; the processing log is then read by pseudonym. The BSN itself is never returned. The lookup
reads identifying data, so it is logged (one line per subject found).

Rights requests and registers: the FG's overview of every request, complaint and incident. Other roles
read the same lists where they handle them (a coordinator requests, a manager complaints), on their own
pages; this overview is the FG's alone.

Medical weighings: the record of the decision, never the medical data. Two kinds exist: a medical
professional's step plan (a completed task of the role `medical_professional`: its ground and decision
come from the indicators the model's `monitor` property records, the motivation from the task's
motivation fact) and a release or withholding of facts afterwards (`FactRelease`: decision and
motivation; the fact is named by label and category, its value is not read). Showing motivations is
logged as a read, since they are about the client.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, or_, select

from ..access import Actor
from ..errors import InvalidInput
from ..procedures.models import DataSubject, Fact, Indicator, Procedure
from ..procedures.recording import parse_pairs
from ..roles import Role
from ..runtime.models import Task
from ..status import TaskStatus
from ..uow import UnitOfWork
from . import gdpr, registers
from .disclosure import record
from .models import Complaint, FactRelease, GdprRequest, PrivacyIncident

FG = (Role.PRIVACY_OFFICER,)
GROUND = "AVG art. 39"  # the FG's task: to monitor compliance
# The field of a step plan that holds the professional's motivation (forms/medische_afweging.json).
MOTIVATION_FIELDS = ("motivering",)
BSN_FIELD = "bsn"
MAX_WEIGHINGS = 500


@dataclass
class SubjectMatch:
    procedure_id: uuid.UUID
    procedure_reference: str
    procedure_status: str
    subject_kind: str
    subject_label: str
    pseudonym: str


def find_by_bsn(uow: UnitOfWork, actor: Actor, bsn: str) -> list[SubjectMatch]:
    """The subjects (one per procedure) whose recorded BSN is `bsn`, in the actor's municipality."""
    actor.require(*FG)
    number = bsn.strip()
    if not (number.isdigit() and len(number) == 9):
        raise InvalidInput("a BSN has nine digits", field="bsn")
    with uow:
        rows = uow.session.execute(
            select(Procedure, DataSubject)
            .join(Fact, Fact.procedure_id == Procedure.id)
            .join(DataSubject, DataSubject.id == Fact.subject_id)
            .where(
                Fact.tenant_id == actor.tenant_id,
                or_(Fact.field == BSN_FIELD, Fact.field.like(f"%.{BSN_FIELD}")),
                Fact.erased_at.is_(None),
                # JSON text on both backends: '"123456782"'.
                cast(Fact.value, String) == json.dumps(number),
            )
            .order_by(Procedure.started_at.desc())
        ).all()
        matches: dict[uuid.UUID, SubjectMatch] = {}
        for procedure, subject in rows:
            if subject.id in matches:
                continue
            matches[subject.id] = SubjectMatch(
                procedure.id,
                procedure.reference,
                procedure.status,
                subject.kind,
                subject.label,
                subject.pseudonym,
            )
            record(
                uow, actor, procedure, subject,
                operation="read", categories=["identifying"], fact_count=1,
                purpose="Toezicht door de privacyfunctionaris: verwerkingen van een betrokkene opzoeken",
                legal_grounds=[GROUND],
            )  # fmt: skip
        return list(matches.values())


# --- medical weighings ----------------------------------------------------------------------------


@dataclass
class Weighing:
    kind: str  # step_plan | release
    at: datetime | None
    procedure_id: uuid.UUID
    procedure_reference: str
    party: str | None
    decided_by: str | None
    # What was considered and decided: (variable, value) of the step plan, or ("besluit", share|withhold).
    considered: list[tuple[str, Any]] = field(default_factory=list)
    motivation: str | None = None
    # For a release: the fact decided on, by label and category (never its value).
    fact: str | None = None


def medical_weighings(uow: UnitOfWork, actor: Actor) -> list[Weighing]:
    """The municipality's medical weighings, newest first (at most 500 of each kind)."""
    actor.require(*FG)
    with uow:
        weighings = _step_plans(uow, actor) + _releases(uow, actor)
        weighings.sort(key=lambda w: (w.at is not None, w.at), reverse=True)
        return weighings


def _step_plans(uow: UnitOfWork, actor: Actor) -> list[Weighing]:
    tasks = list(
        uow.session.scalars(
            select(Task)
            .where(
                Task.tenant_id == actor.tenant_id,
                Task.role == Role.MEDICAL_PROFESSIONAL.value,
                Task.status == TaskStatus.COMPLETED,
            )
            .order_by(Task.completed_at.desc())
            .limit(MAX_WEIGHINGS)
        )
    )
    if not tasks:
        return []
    procedures = {p.id: p for p in _procedures(uow, {t.instance_id for t in tasks})}
    indicators: dict[tuple[uuid.UUID, datetime, str], Any] = {}
    for row in uow.session.scalars(select(Indicator).where(Indicator.procedure_id.in_(procedures))):
        indicators[(row.procedure_id, row.recorded_at, row.key)] = row.value
    motivations: dict[uuid.UUID, Fact] = {}
    for fact in uow.session.scalars(
        select(Fact).where(
            Fact.task_id.in_([t.id for t in tasks]),
            Fact.field.in_(MOTIVATION_FIELDS),
            Fact.erased_at.is_(None),
        )
    ):
        motivations[fact.task_id] = fact  # type: ignore[index]
    result = []
    shown: dict[tuple[uuid.UUID, uuid.UUID], int] = defaultdict(int)
    for task in tasks:
        procedure = procedures.get(task.instance_id)
        if procedure is None:
            continue
        considered = []
        for key, variable in parse_pairs((task.properties or {}).get("monitor")):
            found = indicators.get((procedure.id, task.completed_at, key))  # type: ignore[arg-type]
            if found is not None:
                considered.append((variable, found))
        motivation = motivations.get(task.id)
        if motivation is not None:
            shown[(procedure.id, motivation.subject_id)] += 1
        result.append(
            Weighing(
                "step_plan", task.completed_at, procedure.id, procedure.reference, task.party,
                task.completed_by, considered, motivation.value if motivation is not None else None,
            )
        )  # fmt: skip
    _log_motivations(uow, actor, procedures, shown)
    return result


def _releases(uow: UnitOfWork, actor: Actor) -> list[Weighing]:
    rows = uow.session.execute(
        select(FactRelease, Fact.label, Fact.field, Fact.category, Fact.subject_id)
        .join(Fact, Fact.id == FactRelease.fact_id)
        .where(FactRelease.tenant_id == actor.tenant_id)
        .order_by(FactRelease.decided_at.desc())
        .limit(MAX_WEIGHINGS)
    ).all()
    if not rows:
        return []
    procedures = {p.id: p for p in _procedures(uow, {r[0].procedure_id for r in rows})}
    shown: dict[tuple[uuid.UUID, uuid.UUID], int] = defaultdict(int)
    result = []
    for release, label, name, category, subject_id in rows:
        procedure = procedures[release.procedure_id]
        shown[(procedure.id, subject_id)] += 1
        result.append(
            Weighing(
                "release", release.decided_at, procedure.id, procedure.reference, release.party,
                release.decided_by, [("besluit", release.decision)], release.motivation,
                fact=f"{label or name} ({category})",
            )
        )  # fmt: skip
    _log_motivations(uow, actor, procedures, shown)
    return result


def _procedures(uow: UnitOfWork, ids: set[uuid.UUID]) -> list[Procedure]:
    return list(uow.session.scalars(select(Procedure).where(Procedure.id.in_(ids))))


def _log_motivations(
    uow: UnitOfWork,
    actor: Actor,
    procedures: dict[uuid.UUID, Procedure],
    shown: dict[tuple[uuid.UUID, uuid.UUID], int],
) -> None:
    if not shown:
        return
    subjects = {
        s.id: s
        for s in uow.session.scalars(select(DataSubject).where(DataSubject.id.in_({k[1] for k in shown})))
    }
    for (procedure_id, subject_id), count in shown.items():
        subject = subjects.get(subject_id)
        if subject is None:
            continue
        record(
            uow, actor, procedures[procedure_id], subject,
            operation="read", categories=["health"], fact_count=count,
            purpose="Toezicht door de privacyfunctionaris: afweging medisch beroepsgeheim",
            legal_grounds=[GROUND],
        )  # fmt: skip


def rights_requests(uow: UnitOfWork, actor: Actor) -> list[GdprRequest]:
    """Every rights request of the municipality, newest first, for the FG's overview."""
    actor.require(*FG)
    return gdpr.list_requests(uow, actor)


@dataclass
class Registers:
    complaints: list[Complaint]
    incidents: list[PrivacyIncident]


def supervised_registers(make_uow: Callable[[], UnitOfWork], actor: Actor) -> Registers:
    """The complaint and incident registers, for the FG's overview."""
    actor.require(*FG)
    return Registers(
        registers.list_complaints(make_uow(), actor), registers.list_incidents(make_uow(), actor)
    )
