"""What `case_view` may show of a procedure's facts, and the processing-log lines for what it showed.

`load_screen` gathers, in a few queries, everything the policy needs beyond the facts themselves: the
procedure's policy and party catalogue (cached per definition version), granted restrictions
(beperking, bezwaar) and, only when the procedure holds medical facts, who released them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from ..access import Actor
from ..procedures.models import DataSubject, Fact, Procedure
from ..roles import Role
from ..runtime.models import Task
from ..uow import UnitOfWork
from . import log
from .catalogue import Catalogue, catalogue_for_procedure
from .models import FactRelease, GdprRequest
from .policy import Decision, FactInfo, Reader, decide, party_info
from .status import RequestKind, RequestStatus

RESTRICTING = (RequestKind.BEPERKING.value, RequestKind.BEZWAAR.value)
GRANTED = (RequestStatus.GRANTED.value, RequestStatus.PARTLY_GRANTED.value)
SHARE = "share"
WITHHOLD = "withhold"


@dataclass
class Screen:
    catalogue: Catalogue
    reader: Reader
    status: str
    phase: str | None
    # The client's scope: domains and categories excluded from the onderzoek (bind showing too).
    excluded_domains: frozenset[str] = frozenset()
    excluded_categories: frozenset[str] = frozenset()
    restricted_subjects: set[uuid.UUID] = field(default_factory=set)
    restricted_facts: set[int] = field(default_factory=set)
    released_medical: set[int] = field(default_factory=set)

    def is_medical(self, fact: Fact) -> bool:
        if fact.category not in self.catalogue.policy.medical or not fact.source_party:
            return False
        source = party_info(self.catalogue.parties, fact.source_party)
        return bool(source and source.medical_confidentiality)

    def decide(self, fact: Fact, subject: DataSubject) -> Decision:
        withheld = None
        if fact.erased_at is not None or not fact.released:
            withheld = "erased or withheld"
        elif subject.participation == "declined":
            withheld = "the household member declined"
        elif subject.id in self.restricted_subjects or fact.id in self.restricted_facts:
            withheld = "processing is restricted (beperking or bezwaar)"
        elif fact.category in self.excluded_categories or (fact.domain or "") in self.excluded_domains:
            withheld = "the client excluded it from the onderzoek"
        medical = self.is_medical(fact)
        info = FactInfo(
            category=fact.category,
            domain=fact.domain,
            field=fact.field,
            subject_kind=subject.kind,
            source_party=fact.source_party,
            source_medical=medical,
            released=not medical or fact.id in self.released_medical,
            withheld=withheld,
        )
        return decide(self.catalogue.policy, self.reader, self.status, self.phase, info)

    def conditions(self, fact: Fact, decision: Decision) -> str | None:
        if not decision.with_conditions:
            return fact.conditions
        general = self.catalogue.policy.enforcement_conditions
        return f"{fact.conditions} — {general}" if fact.conditions else general


def reader_of(actor: Actor, catalogue: Catalogue) -> Reader:
    return Reader(frozenset(r.value for r in actor.roles), party_info(catalogue.parties, actor.party))


def restrictions(uow: UnitOfWork, procedure_id: uuid.UUID) -> tuple[set[uuid.UUID], set[int]]:
    """Subjects and facts under a granted beperking or bezwaar that was not lifted."""
    subjects: set[uuid.UUID] = set()
    facts: set[int] = set()
    rows = uow.session.execute(
        select(GdprRequest.subject_id, GdprRequest.fact_ids).where(
            GdprRequest.procedure_id == procedure_id,
            GdprRequest.kind.in_(RESTRICTING),
            GdprRequest.status.in_(GRANTED),
            GdprRequest.lifted_at.is_(None),
        )
    ).all()
    for subject_id, fact_ids in rows:
        if fact_ids:
            facts.update(int(i) for i in fact_ids)
        else:
            subjects.add(subject_id)
    return subjects, facts


def released_medical(uow: UnitOfWork, facts: Sequence[Fact]) -> set[int]:
    """Medical facts a medical professional released: recorded in a medical professional's own task
    (the stappenplan's "share" or "share part") or released afterwards, and not withheld since."""
    if not facts:
        return set()
    task_ids = {f.task_id for f in facts if f.task_id is not None}
    by_professional = set()
    if task_ids:
        by_professional = set(
            uow.session.scalars(
                select(Task.id).where(Task.id.in_(task_ids), Task.role == Role.MEDICAL_PROFESSIONAL.value)
            )
        )
    latest: dict[int, str] = {}
    for fact_id, decision in uow.session.execute(
        select(FactRelease.fact_id, FactRelease.decision)
        .where(FactRelease.fact_id.in_([f.id for f in facts]))
        .order_by(FactRelease.id)
    ):
        latest[fact_id] = decision
    released = set()
    for fact in facts:
        last = latest.get(fact.id)
        if fact.released and (last == SHARE or (last is None and fact.task_id in by_professional)):
            released.add(fact.id)
    return released


def load_screen(uow: UnitOfWork, actor: Actor, procedure: Procedure, facts: Sequence[Fact]) -> Screen:
    catalogue = catalogue_for_procedure(uow, procedure.id)
    scope = procedure.scope_exclusions or {}
    screen = Screen(
        catalogue,
        reader_of(actor, catalogue),
        procedure.status,
        procedure.phase,
        excluded_domains=frozenset(scope.get("domains") or ()),
        excluded_categories=frozenset(scope.get("categories") or ()),
    )
    screen.restricted_subjects, screen.restricted_facts = restrictions(uow, procedure.id)
    medical = [f for f in facts if f.erased_at is None and screen.is_medical(f)]
    screen.released_medical = released_medical(uow, medical)
    return screen


def ground_text(catalogue: Catalogue, key: str | None) -> str | None:
    """A legal-ground key with its law and article, as the log keeps it (the line outlives the table)."""
    if not key:
        return None
    entry = catalogue.legal_grounds.get(key)
    if isinstance(entry, dict) and (entry.get("wet") or entry.get("artikel")):
        return f"{key} ({entry.get('wet') or ''} art. {entry.get('artikel') or '?'})".replace("( ", "(")
    return key


def roles_text(actor: Actor) -> str:
    return ",".join(sorted(r.value for r in actor.roles))


def subject_lines(
    uow: UnitOfWork,
    actor: Actor,
    procedure: Procedure,
    catalogue: Catalogue,
    disclosed: Iterable[tuple[DataSubject, Sequence[Fact]]],
    *,
    purpose: str | None,
    operation: str,
    trace_id: str | None,
) -> list[log.LogLine]:
    """One log line per data subject with at least one fact disclosed."""
    if operation == "read" and actor.party:
        operation = "disclose"  # a party reads: a verstrekking to that organisation
    lines = []
    for subject, facts in disclosed:
        if not facts:
            continue
        lines.append(
            log.LogLine(
                tenant_id=procedure.tenant_id,
                operation=operation,
                actor=actor.username,
                roles=roles_text(actor),
                party=actor.party,
                subject_pseudonym=subject.pseudonym,
                subject_kind=subject.kind,
                categories=sorted({f.category for f in facts}),
                fact_count=len(facts),
                purpose=purpose or catalogue.policy.purpose,
                legal_grounds=[g for f in facts if (g := ground_text(catalogue, f.legal_ground))],
                procedure_id=procedure.id,
                procedure_reference=procedure.reference,
                activity=catalogue.process_id,
                trace_id=trace_id,
            )
        )
    return lines


def record(
    uow: UnitOfWork,
    actor: Actor,
    procedure: Procedure,
    subject: DataSubject,
    *,
    operation: str,
    categories: Iterable[str],
    fact_count: int,
    purpose: str,
    legal_grounds: Iterable[str],
) -> None:
    """Log one processing of one subject's data outside `case_view` (requests, registers, exports)."""
    catalogue = catalogue_for_procedure(uow, procedure.id)
    log.append_lines(
        uow,
        [
            log.LogLine(
                tenant_id=procedure.tenant_id,
                operation=operation,
                actor=actor.username,
                roles=roles_text(actor),
                party=actor.party,
                subject_pseudonym=subject.pseudonym,
                subject_kind=subject.kind,
                categories=sorted(set(categories)),
                fact_count=fact_count,
                purpose=purpose,
                legal_grounds=list(legal_grounds),
                procedure_id=procedure.id,
                procedure_reference=procedure.reference,
                activity=catalogue.process_id,
            )
        ],
    )


def log_collection(
    uow: UnitOfWork,
    procedure: Procedure,
    facts: Sequence[Fact],
    subjects: Iterable[DataSubject],
    *,
    actor: str | None,
    roles: str,
    party: str | None,
    purpose: str | None,
    operation: str = "collect",
) -> None:
    """One log line per data subject whose facts were just recorded (collected at the melding,
    supplied by a party) or changed: the processing log shows every processing, not only reads."""
    if not facts:
        return
    catalogue = catalogue_for_procedure(uow, procedure.id)
    by_subject: dict[uuid.UUID, list[Fact]] = {}
    for fact in facts:
        by_subject.setdefault(fact.subject_id, []).append(fact)
    lines = []
    for subject in subjects:
        found = by_subject.get(subject.id)
        if not found:
            continue
        lines.append(
            log.LogLine(
                tenant_id=procedure.tenant_id,
                operation=operation,
                actor=actor or "system",
                roles=roles,
                party=party,
                subject_pseudonym=subject.pseudonym,
                subject_kind=subject.kind,
                categories=sorted({f.category for f in found}),
                fact_count=len(found),
                purpose=purpose or catalogue.policy.purpose,
                legal_grounds=sorted({g for f in found if (g := ground_text(catalogue, f.legal_ground))}),
                procedure_id=procedure.id,
                procedure_reference=procedure.reference,
                activity=catalogue.process_id,
            )
        )
    log.append_lines(uow, lines)
