"""Recording what a procedure learns: subjects, facts (with the client's scope and family members'
refusals enforced), and what the process tells about itself (phase, coordinator, outcome, indicators).

Used at the start of a procedure and, through `ProcedureHooks`, on every completed task.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..bpmn.isotime import add_duration, is_duration, parse_datetime
from ..errors import FieldError, InvalidForm
from ..forms import Form
from ..privacy import disclosure
from ..runtime.models import Task
from ..uow import UnitOfWork
from .form_data import FactDraft, SplitSubmission, split_submission
from .models import DataSubject, Fact, Indicator, Procedure

DECLINED = "declined"
INCLUDED = "included"

# `monitor` keys that also set a column of the procedure.
PROCEDURE_FIELDS = {"coordinator", "outcome", "stop_reason", "ingang"}


def subjects_of(uow: UnitOfWork, procedure_id: uuid.UUID) -> dict[str, DataSubject]:
    """The procedure's subjects by key, read once per unit of work (`add_subjects` keeps it current)."""
    key = ("subjects", procedure_id)
    if key not in uow.memo:
        uow.memo[key] = {
            s.key: s
            for s in uow.session.scalars(select(DataSubject).where(DataSubject.procedure_id == procedure_id))
        }
    subjects: dict[str, DataSubject] = uow.memo[key]
    return subjects


def add_subjects(uow: UnitOfWork, procedure: Procedure, split: SplitSubmission) -> dict[str, DataSubject]:
    known = subjects_of(uow, procedure.id)
    for draft in split.subjects:
        if draft.key in known:
            continue
        subject = DataSubject(
            id=uuid.uuid4(),
            tenant_id=procedure.tenant_id,
            procedure_id=procedure.id,
            key=draft.key,
            kind=draft.kind,
            pseudonym=secrets.token_hex(16),
            participation="pending" if draft.kind == "household_member" else INCLUDED,
            label=draft.label,
        )
        uow.session.add(subject)
        known[draft.key] = subject
    return known


@dataclass(frozen=True)
class Refusal:
    """Why a fact may not be recorded: each ground has its own code (and so its own message)."""

    code: str
    message: str


def scope_problem(
    procedure: Procedure, subject: DataSubject, draft: FactDraft, *, registration: bool
) -> Refusal | None:
    """Why this fact may not be recorded, or None. The client's exclusions and a household member's
    refusal bind every step after they were given; a household member is part of the onderzoek only
    once they consented (registering them at the melding is allowed)."""
    if subject.participation == DECLINED:
        return Refusal(
            "subject_declined", f"{subject.label} declined to take part; their data stay out of the procedure"
        )
    if subject.participation == "pending" and not registration:
        return Refusal(
            "subject_pending",
            f"{subject.label} has not (yet) consented to take part; record their data after consent",
        )
    exclusions = procedure.scope_exclusions or {}
    if draft.domain and draft.domain in (exclusions.get("domains") or []):
        return Refusal("out_of_scope", f"the client excluded the domain {draft.domain!r} from the onderzoek")
    if draft.category in (exclusions.get("categories") or []):
        return Refusal(
            "out_of_scope", f"the client excluded the data category {draft.category!r} from the onderzoek"
        )
    return None


def _withheld(category: str, party: str | None, special: frozenset[str]) -> Refusal:
    if category in special:
        return Refusal(
            "special_category_refused",
            f"party {party} may not process special categories of personal data ({category!r})",
        )
    return Refusal(
        "category_withheld", f"the party rules withhold data of category {category!r} from party {party}"
    )


def record_facts(
    uow: UnitOfWork,
    procedure: Procedure,
    split: SplitSubmission,
    subjects: Mapping[str, DataSubject],
    *,
    actor: str | None,
    task: Task | None,
    source_party: str | None,
    legal_ground: str | None,
    purpose: str | None,
    conditions: str | None,
    withheld_categories: frozenset[str] = frozenset(),
    special_categories: frozenset[str] = frozenset(),
    roles: str = "",
) -> list[Fact]:
    """Record the submission's facts, or refuse them all with field errors when any may not be
    recorded: outside the client's scope, about a member who declined or has not consented, or of a
    category this source may not supply (`withheld_categories`, e.g. special categories for a
    housing corporation)."""
    problems: list[FieldError] = []
    facts: list[Fact] = []
    now = uow.now()
    for draft in split.facts:
        subject = subjects.get(draft.subject_key)
        if subject is None:
            problems.append(
                FieldError(draft.field, f"unknown data subject {draft.subject_key!r}", "unknown_subject")
            )
            continue
        refusal = scope_problem(procedure, subject, draft, registration=task is None)
        if refusal is None and draft.category in withheld_categories:
            refusal = _withheld(draft.category, source_party, special_categories)
        if refusal:
            problems.append(
                FieldError(draft.field, refusal.message, refusal.code, params={"label": subject.label})
            )
            continue
        facts.append(
            Fact(
                tenant_id=procedure.tenant_id,
                procedure_id=procedure.id,
                subject_id=subject.id,
                field=draft.field,
                label=draft.label,
                category=draft.category,
                domain=draft.domain,
                value=draft.value,
                source_party=source_party,
                legal_ground=legal_ground,
                purpose=purpose,
                conditions=conditions,
                recorded_at=now,
                recorded_by=actor,
                task_id=task.id if task else None,
                element_id=task.element_id if task else None,
                released=True,
            )
        )
    if problems:
        raise InvalidForm("some data may not be recorded in this procedure", problems)
    uow.session.add_all(facts)
    disclosure.log_collection(
        uow,
        procedure,
        facts,
        subjects.values(),
        actor=actor,
        roles=roles,
        party=source_party,
        purpose=purpose,
    )
    return facts


def split_for(
    uow: UnitOfWork, procedure: Procedure, form: Form, data: Mapping[str, Any], task_data: Mapping[str, Any]
) -> SplitSubmission:
    members = sum(1 for s in subjects_of(uow, procedure.id).values() if s.kind == "household_member")
    resolve = {k: v for k, v in task_data.items() if isinstance(v, str)}
    return split_submission(form.schema, data, resolve, existing_members=members)


def parse_pairs(text: str | None) -> list[tuple[str, str]]:
    """ "ingang=ingang, clientondersteuning=gebruikt" → [("ingang", "ingang"), …]."""
    pairs = []
    for part in (text or "").split(","):
        if "=" in part:
            key, variable = part.split("=", 1)
            pairs.append((key.strip(), variable.strip()))
        elif part.strip():
            pairs.append((part.strip(), part.strip()))
    return pairs


def record_indicators(
    uow: UnitOfWork, procedure: Procedure, properties: Mapping[str, Any], data: Mapping[str, Any]
) -> None:
    now = uow.now()
    for key, variable in parse_pairs(properties.get("monitor")):
        if variable not in data:
            continue
        value = data[variable]
        uow.session.add(
            Indicator(
                tenant_id=procedure.tenant_id,
                procedure_id=procedure.id,
                key=key,
                value=value,
                recorded_at=now,
            )
        )
        if key in PROCEDURE_FIELDS and (value is None or isinstance(value, str)):
            setattr(procedure, key, value)


def apply_scope_and_participation(
    uow: UnitOfWork,
    procedure: Procedure,
    task: Task,
    properties: Mapping[str, Any],
    data: Mapping[str, Any],
    actor: str | None = None,
) -> None:
    """The client's scope exclusions and a household member's consent, as the model names them."""
    exclusions = dict(procedure.scope_exclusions or {})
    for key, prop in (("domains", "scopeDomains"), ("categories", "scopeCategories")):
        variable = properties.get(prop)
        if variable and isinstance(data.get(variable), list):
            exclusions[key] = sorted(set(exclusions.get(key) or []) | {str(v) for v in data[variable]})
    if exclusions != (procedure.scope_exclusions or {}):
        procedure.scope_exclusions = exclusions
    variable = properties.get("participationVariable")
    if variable and variable in data and task.subject:
        subject = subjects_of(uow, procedure.id).get(task.subject)
        if subject is not None:
            subject.participation = INCLUDED if data[variable] is True else DECLINED
            if subject.participation == DECLINED:
                erase_subject_facts(uow, procedure, subject, actor=actor, roles=task.role or "")


def erase_subject_facts(
    uow: UnitOfWork, procedure: Procedure, subject: DataSubject, *, actor: str | None, roles: str
) -> None:
    """A declining household member's data leave the procedure: values erased, the fact that
    something was recorded (and erased) stays for accountability, and the erasure is logged."""
    now = uow.now()
    erased = list(
        uow.session.scalars(select(Fact).where(Fact.subject_id == subject.id, Fact.erased_at.is_(None)))
    )
    for fact in erased:
        fact.value = None
        fact.erased_at = now
    disclosure.log_collection(
        uow,
        procedure,
        erased,
        [subject],
        actor=actor,
        roles=roles,
        party=None,
        purpose="De betrokkene doet niet mee: gegevens gewist",
        operation="erase",
    )


def retention_end(procedure: Procedure, settings: Mapping[str, Any]) -> Any:
    period = str(settings.get("bewaartermijn") or "P5Y")
    if procedure.ended_at is None or not is_duration(period):
        return None
    return parse_datetime(add_duration(procedure.ended_at, period))
