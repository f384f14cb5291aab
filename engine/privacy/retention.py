"""Erasing a procedure's personal data once closure plus the retention period has passed.

`Procedure.retention_until` is set at closure from the tenant's `bewaartermijn` (settings.yaml,
overridable per municipality). The sweep then, per procedure in its own transaction:

- erases every fact's value and the conditions attached to it (the fact that something was recorded,
  its category, source and ground stay: accountability without content);
- removes the facts' values wherever free text or JSON of the procedure may quote them: the process
  data in the live state, timeline events, tasks' context, escalation reasons, notifications,
  suspensions, GDPR requests, complaints, incidents, further-processing requests, and clears the
  medical professionals' motivations and complaint descriptions outright;
- logs one "erase" line per data subject;
- puts one `ERASED_EVENT` on the procedure's timeline (through the one writer, engine.runtime.journal):
  when, and why (the retention ground and the moment the data were kept until), with the number of
  facts erased and nothing else: no names, no values, no subjects.

Indicators, statuses, dates, references and pseudonyms stay, so the monitoring figures do not change.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from re import Pattern

from sqlalchemy import select

from ..monitoring import summaries
from ..procedures.models import DataSubject, Fact, Procedure
from ..rehearsal import scope_params, tenant_scope
from ..runtime import journal
from ..runtime.models import ProcessInstance
from ..scheduler.models import Escalation, Notification, ProcedureAdjustment
from ..uow import UnitOfWork
from . import log
from .catalogue import catalogue_for_procedure
from .common import timeline_event
from .models import Complaint, FactRelease, FurtherProcessingRequest, GdprRequest, PrivacyIncident
from .redact import REDACTED, pattern_for, redact_json, redact_state, redact_text

logger = logging.getLogger(__name__)
SYSTEM = "system"
PURPOSE = "Bewaartermijn verstreken: vernietiging van de persoonsgegevens"
GROUND = "bewaartermijn (instelling bewaartermijn van de gemeente)"
# The timeline event of an erasure, and the ground it names (the web says it in words).
ERASED_EVENT = "personal_data_erased"
RETENTION_GROUND = "bewaartermijn"


@dataclass
class RetentionSweep:
    procedures: int = 0
    facts: int = 0
    errors: int = 0
    more: bool = False


def _claim(uow: UnitOfWork, now: datetime, skip: list[uuid.UUID]) -> Procedure | None:
    query = (
        select(Procedure)
        .join(ProcessInstance, ProcessInstance.id == Procedure.id)
        .where(
            Procedure.retention_until.is_not(None),
            Procedure.retention_until <= now,
            Procedure.erased_at.is_(None),
            tenant_scope(Procedure.tenant_id, scoped=uow.tenant_id is not None),
        )
        .order_by(Procedure.retention_until)
        .limit(1)
        .params(**scope_params(uow))
    )
    if skip:
        query = query.where(Procedure.id.not_in(skip))
    if uow.dialect == "postgresql":
        # The instance row is the lock every step and sweep takes; another scheduler skips it.
        query = query.with_for_update(of=ProcessInstance, skip_locked=True)
    return uow.session.scalar(query)


def sweep_retention(make_uow: Callable[[], UnitOfWork], *, limit: int = 100) -> RetentionSweep:
    """Erase every procedure whose retention period has passed, one transaction each (at most `limit`
    per call; `more` tells there is more to do)."""
    report = RetentionSweep()
    skip: list[uuid.UUID] = []
    while True:
        if len(skip) >= limit:
            report.more = True
            break
        claimed: uuid.UUID | None = None
        try:
            with make_uow() as uow:
                procedure = _claim(uow, uow.now(), skip)
                if procedure is None:
                    break
                claimed = procedure.id
                skip.append(procedure.id)
                report.facts += erase_procedure(uow, procedure)
                uow.commit()
        except Exception:
            if claimed is None:
                raise
            logger.exception("erasing procedure %s failed; the next sweep tries again", claimed)
            report.errors += 1
            continue
        report.procedures += 1
    return report


def erase_procedure(uow: UnitOfWork, procedure: Procedure) -> int:
    """Erase one procedure's personal data inside the caller's unit of work; returns facts erased."""
    now = uow.now()
    session = uow.session
    facts = list(session.scalars(select(Fact).where(Fact.procedure_id == procedure.id).order_by(Fact.id)))
    pattern = pattern_for(f.value for f in facts)
    erased: dict[uuid.UUID, list[Fact]] = {}
    for fact in facts:
        if fact.erased_at is None:
            erased.setdefault(fact.subject_id, []).append(fact)
            fact.erased_at = now
        fact.value, fact.conditions = None, None
        fact.purpose = redact_text(fact.purpose, pattern)
    _scrub_process(uow, procedure.id, pattern)
    _scrub_registers(uow, procedure.id, pattern)
    # The kept replay outcome was read from the timeline just scrubbed: the next read works it out again.
    summaries.forget(uow, procedure.id)
    procedure.erased_at = now
    _log(uow, procedure, erased)
    count = sum(len(v) for v in erased.values())
    # After the scrub, which passes every earlier event's detail through the redaction.
    timeline_event(uow, procedure, ERASED_EVENT, SYSTEM, _erasure_detail(procedure, count))
    return count


def _erasure_detail(procedure: Procedure, facts: int) -> dict[str, object]:
    """What the timeline keeps of an erasure: the ground and the end of the retention period, and how
    many facts went. Control data only: nothing here is about a person."""
    until = procedure.retention_until
    return {
        "ground": RETENTION_GROUND,
        "retention_until": until.isoformat() if until is not None else None,
        "facts": facts,
    }


def _scrub_process(uow: UnitOfWork, procedure_id: uuid.UUID, pattern: Pattern[str] | None) -> None:
    session = uow.session
    instance = session.get(ProcessInstance, procedure_id)
    if instance is not None and pattern is not None:
        state = json.loads(instance.state)
        cleaned = redact_state(state, pattern)
        if cleaned != state:
            instance.state = json.dumps(cleaned, separators=(",", ":"))
    if pattern is None:
        return
    journal.scrub(uow, procedure_id, lambda value: redact_json(value, pattern))
    for escalation in session.scalars(select(Escalation).where(Escalation.instance_id == procedure_id)):
        escalation.reason = redact_text(escalation.reason, pattern) or ""
        escalation.resolution = redact_text(escalation.resolution, pattern)
    for note in session.scalars(select(Notification).where(Notification.instance_id == procedure_id)):
        note.title = redact_text(note.title, pattern) or ""
        note.body = redact_text(note.body, pattern) or ""
    for adjustment in session.scalars(
        select(ProcedureAdjustment).where(ProcedureAdjustment.instance_id == procedure_id)
    ):
        adjustment.reason = redact_text(adjustment.reason, pattern) or ""
        adjustment.end_reason = redact_text(adjustment.end_reason, pattern)


def _scrub_registers(uow: UnitOfWork, procedure_id: uuid.UUID, pattern: Pattern[str] | None) -> None:
    session = uow.session
    for release in session.scalars(select(FactRelease).where(FactRelease.procedure_id == procedure_id)):
        release.motivation = REDACTED  # a medical weighing is health information in itself
    for request in session.scalars(select(GdprRequest).where(GdprRequest.procedure_id == procedure_id)):
        request.description = REDACTED if request.description else None
        request.motivation = redact_text(request.motivation, pattern)
        request.extension_reason = redact_text(request.extension_reason, pattern)
    for complaint in session.scalars(select(Complaint).where(Complaint.procedure_id == procedure_id)):
        complaint.description = REDACTED
        complaint.follow_up = redact_json(complaint.follow_up, pattern)
        complaint.outcome_text = redact_text(complaint.outcome_text, pattern)
    for incident in session.scalars(
        select(PrivacyIncident).where(PrivacyIncident.procedure_id == procedure_id)
    ):
        incident.description = redact_text(incident.description, pattern) or REDACTED
        incident.follow_up = redact_json(incident.follow_up, pattern)
    for further in session.scalars(
        select(FurtherProcessingRequest).where(FurtherProcessingRequest.procedure_id == procedure_id)
    ):
        further.purpose = redact_text(further.purpose, pattern) or REDACTED
        further.conditions = redact_json(further.conditions, pattern)


def _log(uow: UnitOfWork, procedure: Procedure, erased: dict[uuid.UUID, list[Fact]]) -> None:
    if not erased:
        return
    catalogue = catalogue_for_procedure(uow, procedure.id)
    subjects = {
        s.id: s for s in uow.session.scalars(select(DataSubject).where(DataSubject.id.in_(list(erased))))
    }
    log.append_lines(
        uow,
        [
            log.LogLine(
                tenant_id=procedure.tenant_id,
                operation="erase",
                actor=SYSTEM,
                roles=SYSTEM,
                party=None,
                subject_pseudonym=subjects[subject_id].pseudonym,
                subject_kind=subjects[subject_id].kind,
                categories=sorted({f.category for f in facts}),
                fact_count=len(facts),
                purpose=PURPOSE,
                legal_grounds=[GROUND],
                procedure_id=procedure.id,
                procedure_reference=procedure.reference,
                activity=catalogue.process_id,
            )
            for subject_id, facts in erased.items()
        ],
    )
