"""What a person may see of a procedure's personal data: the one place need-to-know is decided.

Every API response and page that shows case data goes through `case_view`. The rules here are the
baseline (the privacy policy refines them): staff of the municipality who run the procedure see its
facts; a party sees only what it provided itself and the client's general identification, and nothing
once the procedure is closed; other roles see no personal data.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..access import Actor
from ..roles import Role
from ..status import ProcedureStatus
from ..uow import UnitOfWork
from .models import DataSubject, Fact, Procedure
from .service import get_procedure

CASE_ROLES = (Role.MELDPUNT, Role.ASSESSOR, Role.COORDINATOR, Role.MANAGER)
PARTY_ROLES = (Role.PARTY_CONTACT, Role.MEDICAL_PROFESSIONAL)


@dataclass
class FactView:
    id: int
    field: str
    label: str | None
    category: str
    domain: str | None
    value: Any
    source_party: str | None
    legal_ground: str | None
    conditions: str | None
    recorded_at: datetime


@dataclass
class SubjectView:
    key: str
    kind: str
    label: str
    participation: str
    pseudonym: str
    facts: list[FactView] = field(default_factory=list)


@dataclass
class CaseView:
    procedure: Procedure
    subjects: list[SubjectView]

    @property
    def shown_facts(self) -> list[FactView]:
        return [f for s in self.subjects for f in s.facts]


def _may_see(actor: Actor, procedure: Procedure, fact: Fact, subject: DataSubject) -> bool:
    if fact.erased_at is not None or not fact.released or subject.participation == "declined":
        return False
    if actor.has(*CASE_ROLES):
        return True
    if actor.has(*PARTY_ROLES):
        if procedure.status in {ProcedureStatus.CLOSED, ProcedureStatus.CANCELLED} or not actor.party:
            return False
        if fact.source_party == actor.party:
            return True
        return subject.kind == "client" and fact.category == "general" and fact.source_party is None
    return False


def case_view(uow: UnitOfWork, actor: Actor, procedure_id: uuid.UUID) -> CaseView:
    procedure = get_procedure(uow, actor, procedure_id)
    subjects = list(
        uow.session.scalars(
            select(DataSubject).where(DataSubject.procedure_id == procedure.id).order_by(DataSubject.key)
        )
    )
    by_id = {s.id: SubjectView(s.key, s.kind, s.label, s.participation, s.pseudonym) for s in subjects}
    rows = {s.id: s for s in subjects}
    facts = uow.session.scalars(select(Fact).where(Fact.procedure_id == procedure.id).order_by(Fact.id))
    for fact in facts:
        subject = rows[fact.subject_id]
        if _may_see(actor, procedure, fact, subject):
            by_id[fact.subject_id].facts.append(
                FactView(
                    id=fact.id,
                    field=fact.field,
                    label=fact.label,
                    category=fact.category,
                    domain=fact.domain,
                    value=fact.value,
                    source_party=fact.source_party,
                    legal_ground=fact.legal_ground,
                    conditions=fact.conditions,
                    recorded_at=fact.recorded_at,
                )
            )
    visible_subjects = [v for v in by_id.values() if v.facts or actor.has(*CASE_ROLES)]
    return CaseView(procedure=procedure, subjects=visible_subjects)
