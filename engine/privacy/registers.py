"""Registers: complaints (klachtenmeldpunt Wams) and privacy incidents, and their counts for monitoring.

Complaints come from clients and family members: who complains (kind, and the procedure's data
subject when known), the nature, the description, follow-up notes and the outcome. Privacy incidents
record what happened, when it happened and was discovered, whom it affects (pseudonyms and a count,
never names), the follow-up and whether it was reported to the Autoriteit Persoonsgegevens (within 72
hours of discovery) or why not. Reading one complaint shows personal data and is logged.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from ..access import Actor
from ..errors import InvalidInput, NotFound
from ..procedures.models import DataSubject, Procedure
from ..roles import Role
from ..uow import UnitOfWork
from .common import choice, not_in_future, procedure_of_tenant, subject_of, text
from .disclosure import record
from .models import Complaint, PrivacyIncident
from .status import ComplaintStatus, IncidentStatus, complaint_transition, incident_transition

COMPLAINANTS = ("client", "family", "representative", "other")
NATURES = ("bejegening", "gegevensdeling", "privacy", "besluit", "termijn", "informatie", "overig")
OUTCOMES = ("gegrond", "deels_gegrond", "ongegrond", "ingetrokken", "bemiddeld")
STAFF = (Role.MELDPUNT, Role.ASSESSOR, Role.COORDINATOR, Role.MANAGER, Role.PRIVACY_OFFICER)
COMPLAINT_HANDLERS = (Role.MANAGER, Role.PRIVACY_OFFICER)
INCIDENT_HANDLERS = (Role.PRIVACY_OFFICER,)
AP_PERIOD = timedelta(hours=72)
LIST_LIMIT = 500


def _note(uow: UnitOfWork, actor: Actor, note: str | None) -> dict[str, str]:
    return {"at": uow.now().isoformat(), "by": actor.username, "text": text(note, "text") or ""}


# --- complaints -----------------------------------------------------------------------------------


def register_complaint(
    uow: UnitOfWork,
    actor: Actor,
    *,
    complainant: str,
    nature: str,
    description: str,
    procedure_id: uuid.UUID | None = None,
    subject: str | None = None,
    received_at: datetime | None = None,
) -> Complaint:
    actor.require(*STAFF)
    choice(complainant, COMPLAINANTS, "complainant")
    choice(nature, NATURES, "nature")
    with uow:
        subject_id = None
        if procedure_id is not None:
            procedure = procedure_of_tenant(uow, actor, procedure_id)
            if subject:
                subject_id = subject_of(uow, procedure, subject).id
        elif subject:
            raise InvalidInput("a subject needs the procedure it belongs to", field="subject")
        complaint = Complaint(
            id=uuid.uuid4(),
            tenant_id=actor.tenant_id,
            procedure_id=procedure_id,
            subject_id=subject_id,
            complainant=complainant,
            nature=nature,
            description=text(description, "description"),
            status=ComplaintStatus.RECEIVED,
            received_at=not_in_future(uow, received_at, "received_at"),
            registered_by=actor.username,
            follow_up=[],
        )
        uow.session.add(complaint)
        uow.commit()
        return complaint


def _complaint(uow: UnitOfWork, actor: Actor, complaint_id: uuid.UUID) -> Complaint:
    complaint = uow.session.get(Complaint, complaint_id)
    if complaint is None or complaint.tenant_id != actor.tenant_id:
        raise NotFound("complaint not found")
    return complaint


def read_complaint(uow: UnitOfWork, actor: Actor, complaint_id: uuid.UUID) -> Complaint:
    actor.require(*COMPLAINT_HANDLERS)
    with uow:
        complaint = _complaint(uow, actor, complaint_id)
        if complaint.procedure_id is not None and complaint.subject_id is not None:
            procedure = uow.session.get(Procedure, complaint.procedure_id)
            subject = uow.session.get(DataSubject, complaint.subject_id)
            assert procedure is not None and subject is not None
            record(
                uow,
                actor,
                procedure,
                subject,
                operation="read",
                categories=["klacht"],
                fact_count=0,
                purpose="Behandeling van een klacht (klachtenmeldpunt Wams)",
                legal_grounds=["Awb hoofdstuk 9 (klachtbehandeling)"],
            )
        return complaint


def follow_up_complaint(uow: UnitOfWork, actor: Actor, complaint_id: uuid.UUID, note: str) -> Complaint:
    actor.require(*COMPLAINT_HANDLERS)
    with uow:
        complaint = _complaint(uow, actor, complaint_id)
        if complaint.status == ComplaintStatus.RECEIVED:
            complaint.status = complaint_transition(complaint.status, ComplaintStatus.IN_PROGRESS)
        elif complaint.status == ComplaintStatus.CLOSED:
            raise InvalidInput("the complaint is closed", field="status")
        complaint.follow_up = [*complaint.follow_up, _note(uow, actor, note)]
        uow.commit()
        return complaint


def close_complaint(
    uow: UnitOfWork, actor: Actor, complaint_id: uuid.UUID, outcome: str, explanation: str
) -> Complaint:
    actor.require(*COMPLAINT_HANDLERS)
    choice(outcome, OUTCOMES, "outcome")
    with uow:
        complaint = _complaint(uow, actor, complaint_id)
        complaint.status = complaint_transition(complaint.status, ComplaintStatus.CLOSED)
        complaint.outcome, complaint.outcome_text = outcome, text(explanation, "explanation")
        complaint.closed_at, complaint.closed_by = uow.now(), actor.username
        uow.commit()
        return complaint


def list_complaints(
    uow: UnitOfWork, actor: Actor, *, status: str | None = None, procedure_id: uuid.UUID | None = None
) -> list[Complaint]:
    actor.require(*COMPLAINT_HANDLERS)
    with uow:
        query = select(Complaint).where(Complaint.tenant_id == actor.tenant_id)
        if status:
            query = query.where(Complaint.status == status)
        if procedure_id:
            query = query.where(Complaint.procedure_id == procedure_id)
        return list(uow.session.scalars(query.order_by(Complaint.received_at.desc()).limit(LIST_LIMIT)))


# --- privacy incidents ----------------------------------------------------------------------------


def register_incident(
    uow: UnitOfWork,
    actor: Actor,
    *,
    description: str,
    discovered_at: datetime | None = None,
    occurred_at: datetime | None = None,
    procedure_id: uuid.UUID | None = None,
    subjects: list[str] | None = None,
    affected_count: int | None = None,
    categories: list[str] | None = None,
) -> PrivacyIncident:
    """Anyone who notices an incident reports it at once; the privacy officer takes it from there."""
    if not actor.roles:
        raise InvalidInput("reporting an incident needs an account with a role")
    with uow:
        pseudonyms: list[str] = []
        if procedure_id is not None:
            procedure = procedure_of_tenant(uow, actor, procedure_id)
            pseudonyms = [subject_of(uow, procedure, key).pseudonym for key in subjects or []]
        elif subjects:
            raise InvalidInput("affected subjects need the procedure they belong to", field="subjects")
        if affected_count is not None and affected_count < len(pseudonyms):
            raise InvalidInput(
                "affected_count is at least the number of named subjects", field="affected_count"
            )
        discovered = not_in_future(uow, discovered_at, "discovered_at")
        occurred = not_in_future(uow, occurred_at, "occurred_at") if occurred_at else None
        if occurred is not None and occurred > discovered:
            raise InvalidInput("an incident is discovered after it happened", field="occurred_at")
        incident = PrivacyIncident(
            id=uuid.uuid4(),
            tenant_id=actor.tenant_id,
            procedure_id=procedure_id,
            description=text(description, "description"),
            occurred_at=occurred,
            discovered_at=discovered,
            registered_at=uow.now(),
            registered_by=actor.username,
            affected_subjects=pseudonyms,
            affected_count=affected_count if affected_count is not None else len(pseudonyms),
            categories=sorted(set(categories or [])),
            status=IncidentStatus.REPORTED,
            follow_up=[],
            ap_deadline_at=discovered + AP_PERIOD,
        )
        uow.session.add(incident)
        uow.commit()
        return incident


def _incident(uow: UnitOfWork, actor: Actor, incident_id: uuid.UUID) -> PrivacyIncident:
    incident = uow.session.get(PrivacyIncident, incident_id)
    if incident is None or incident.tenant_id != actor.tenant_id:
        raise NotFound("privacy incident not found")
    return incident


def get_incident(uow: UnitOfWork, actor: Actor, incident_id: uuid.UUID) -> PrivacyIncident:
    actor.require(*INCIDENT_HANDLERS)
    with uow:
        return _incident(uow, actor, incident_id)


def assess_incident(
    uow: UnitOfWork,
    actor: Actor,
    incident_id: uuid.UUID,
    *,
    reported_to_ap: bool,
    motivation: str,
    ap_reference: str | None = None,
    ap_reported_at: datetime | None = None,
    subjects_informed: bool = False,
) -> PrivacyIncident:
    """The privacy officer's assessment: reported to the AP (with its reference) or, motivated, not."""
    actor.require(*INCIDENT_HANDLERS)
    with uow:
        incident = _incident(uow, actor, incident_id)
        incident.status = incident_transition(incident.status, IncidentStatus.ASSESSED)
        incident.reported_to_ap = reported_to_ap
        incident.ap_motivation = text(motivation, "motivation")
        if reported_to_ap:
            incident.ap_reference = text(ap_reference, "ap_reference", limit=100)
            incident.ap_reported_at = not_in_future(uow, ap_reported_at, "ap_reported_at")
        incident.subjects_informed = subjects_informed
        uow.commit()
        return incident


def follow_up_incident(uow: UnitOfWork, actor: Actor, incident_id: uuid.UUID, note: str) -> PrivacyIncident:
    actor.require(*INCIDENT_HANDLERS)
    with uow:
        incident = _incident(uow, actor, incident_id)
        if incident.status == IncidentStatus.CLOSED:
            raise InvalidInput("the incident is closed", field="status")
        incident.follow_up = [*incident.follow_up, _note(uow, actor, note)]
        uow.commit()
        return incident


def close_incident(uow: UnitOfWork, actor: Actor, incident_id: uuid.UUID, note: str) -> PrivacyIncident:
    actor.require(*INCIDENT_HANDLERS)
    with uow:
        incident = _incident(uow, actor, incident_id)
        incident.status = incident_transition(incident.status, IncidentStatus.CLOSED)
        incident.follow_up = [*incident.follow_up, _note(uow, actor, note)]
        incident.closed_at, incident.closed_by = uow.now(), actor.username
        uow.commit()
        return incident


def list_incidents(uow: UnitOfWork, actor: Actor, *, status: str | None = None) -> list[PrivacyIncident]:
    actor.require(*INCIDENT_HANDLERS)
    with uow:
        query = select(PrivacyIncident).where(PrivacyIncident.tenant_id == actor.tenant_id)
        if status:
            query = query.where(PrivacyIncident.status == status)
        return list(
            uow.session.scalars(query.order_by(PrivacyIncident.discovered_at.desc()).limit(LIST_LIMIT))
        )


# --- monitoring -----------------------------------------------------------------------------------


@dataclass
class RegisterCounts:
    complaints: int = 0
    complaint_nature: dict[str, int] = field(default_factory=dict)
    incidents: int = 0
    incidents_reported_to_ap: int = 0


def register_counts(uow: UnitOfWork, tenant_id: str, start: datetime, end: datetime) -> RegisterCounts:
    """Complaints received and incidents discovered in [start, end), inside the caller's unit of work."""
    natures = Counter(
        dict(
            uow.session.execute(
                select(Complaint.nature, func.count())
                .where(
                    Complaint.tenant_id == tenant_id,
                    Complaint.received_at >= start,
                    Complaint.received_at < end,
                )
                .group_by(Complaint.nature)
            ).all()
        )
    )
    incidents = uow.session.execute(
        select(func.count(), func.count().filter(PrivacyIncident.reported_to_ap.is_(True))).where(
            PrivacyIncident.tenant_id == tenant_id,
            PrivacyIncident.discovered_at >= start,
            PrivacyIncident.discovered_at < end,
        )
    ).one()
    return RegisterCounts(
        complaints=sum(natures.values()),
        complaint_nature=dict(sorted(natures.items())),
        incidents=int(incidents[0]),
        incidents_reported_to_ap=int(incidents[1]),
    )
