"""What a person may see of a procedure's personal data: the one place need-to-know is decided.

Every API response and page that shows case data goes through `case_view`. What it shows is decided
by the procedure's privacy policy (`engine.privacy.policy`: the bundle's privacy-policy.yaml, or the
default, which is the baseline: staff of the municipality who run the procedure see its facts; a party
sees only what it provided itself and the client's general identification, and nothing once the
procedure is closed; other roles see no personal data). Every call writes the processing log: one
line per data subject whose data it disclosed (`engine.privacy.log`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..access import Actor
from ..privacy import disclosure
from ..privacy import log as privacy_log
from ..roles import Role
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


def case_view(
    uow: UnitOfWork,
    actor: Actor,
    procedure_id: uuid.UUID,
    *,
    purpose: str | None = None,
    operation: str = "read",
    trace_id: str | None = None,
) -> CaseView:
    """The case data `actor` may see, logged as processed for `purpose` (default: the policy's) with
    `operation` ("read"; a party's read is logged as "disclose") under `trace_id` (default: the
    request's). Call it inside an open unit of work; in a read-only one the lines are committed when
    the block closes, before its caller hands out the result (`engine.privacy.log.append_lines`)."""
    procedure = get_procedure(uow, actor, procedure_id)
    subjects = list(
        uow.session.scalars(
            select(DataSubject).where(DataSubject.procedure_id == procedure.id).order_by(DataSubject.key)
        )
    )
    by_id = {s.id: SubjectView(s.key, s.kind, s.label, s.participation, s.pseudonym) for s in subjects}
    rows = {s.id: s for s in subjects}
    facts = list(uow.session.scalars(select(Fact).where(Fact.procedure_id == procedure.id).order_by(Fact.id)))
    screen = disclosure.load_screen(uow, actor, procedure, facts)
    shown: dict[uuid.UUID, list[Fact]] = {s.id: [] for s in subjects}
    for fact in facts:
        decision = screen.decide(fact, rows[fact.subject_id])
        if decision.visible:
            shown[fact.subject_id].append(fact)
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
                    conditions=screen.conditions(fact, decision),
                    recorded_at=fact.recorded_at,
                )
            )
    lines = disclosure.subject_lines(
        uow,
        actor,
        procedure,
        screen.catalogue,
        ((rows[subject_id], found) for subject_id, found in shown.items()),
        purpose=purpose,
        operation=operation,
        trace_id=trace_id,
    )
    privacy_log.append_lines(uow, lines)
    visible_subjects = [v for v in by_id.values() if v.facts or actor.has(*CASE_ROLES)]
    return CaseView(procedure=procedure, subjects=visible_subjects)
