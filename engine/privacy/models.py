"""Tables of the privacy core: the processing log and its chain heads, medical release decisions,
GDPR requests, complaints, privacy incidents, further-processing requests and the security log.

The processing log holds no personal values: a subject is named by its pseudonym, data by their
categories. It is append-only (database triggers refuse UPDATE and DELETE) and hash-chained per tenant:
`ProcessingLogHead` holds the newest sequence number and hash, and is the row every append locks.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ..db.base import Base, BigId, JSONType, UTCDateTime
from .status import ComplaintStatus, IncidentStatus, RequestStatus


class ProcessingLogEntry(Base):
    """One processing of one data subject's data (VNG Verwerkingenlogging: a *verwerkingsactie* with
    one *verwerkt object*; Logboek Dataverwerkingen: one operation with `dpl.core.data_subject_id`)."""

    __tablename__ = "processing_log"
    __table_args__ = (
        UniqueConstraint("tenant_id", "seq"),
        Index("ix_processing_log_subject", "tenant_id", "subject_pseudonym", "seq"),
        Index("ix_processing_log_procedure", "tenant_id", "procedure_id", "seq"),
        Index("ix_processing_log_at", "tenant_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    # Position in the tenant's chain: 1, 2, 3 … without gaps.
    seq: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # read | disclose | export | correct | erase | restrict | further_processing | further_processing_refused
    operation: Mapped[str] = mapped_column(String(40))
    # What the system did, e.g. "GET /api/v1/tasks/<uuid:task_id>" (LDV `name`, VNG `handelingNaam`).
    action: Mapped[str | None] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(200))
    roles: Mapped[str] = mapped_column(String(300))
    # The party (organisation) the actor acts for: a disclosure to that party.
    party: Mapped[str | None] = mapped_column(String(100))
    procedure_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    procedure_reference: Mapped[str | None] = mapped_column(String(40))
    # The process (verwerkingsactiviteit) the data belong to, e.g. "wams_procedure".
    activity: Mapped[str | None] = mapped_column(String(200))
    subject_pseudonym: Mapped[str] = mapped_column(String(64))
    subject_kind: Mapped[str | None] = mapped_column(String(30))
    categories: Mapped[list[str]] = mapped_column(JSONType, default=list)
    fact_count: Mapped[int] = mapped_column(Integer, default=0)
    purpose: Mapped[str | None] = mapped_column(Text)
    legal_grounds: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # W3C trace context: the request (trace) and this operation (span) within it.
    trace_id: Mapped[str] = mapped_column(String(32))
    span_id: Mapped[str] = mapped_column(String(16))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ProcessingLogHead(Base):
    """The end of one tenant's chain; every append locks this row, so appends are serial per tenant."""

    __tablename__ = "processing_log_heads"

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64))


class FactRelease(Base):
    """A medical professional's decision to share or withhold a medical fact (stappenplan)."""

    __tablename__ = "fact_releases"
    __table_args__ = (Index("ix_fact_releases_procedure", "procedure_id", "fact_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    procedure_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("procedures.id"))
    fact_id: Mapped[int] = mapped_column(ForeignKey("facts.id"))
    decision: Mapped[str] = mapped_column(String(20))  # share | withhold
    motivation: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(200))
    party: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GdprRequest(Base):
    """A data subject's request (inzage, correctie, beperking, bezwaar, wissing), handled in a month."""

    __tablename__ = "gdpr_requests"
    __table_args__ = (
        Index("ix_gdpr_requests_tenant_status", "tenant_id", "status", "deadline_at"),
        Index("ix_gdpr_requests_procedure", "procedure_id", "kind", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    procedure_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("procedures.id"))
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("data_subjects.id"))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=RequestStatus.RECEIVED)
    # Who brings the request: the subject themself, a representative, the client support worker …
    requester: Mapped[str] = mapped_column(String(30))
    description: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    registered_by: Mapped[str] = mapped_column(String(200))
    task_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tasks.id"))
    # Facts the request is about (correctie, beperking, wissing); None: all of the subject's facts.
    fact_ids: Mapped[list[int] | None] = mapped_column(JSONType)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    motivation: Mapped[str | None] = mapped_column(Text)
    # A granted beperking or bezwaar restricts processing until it is lifted.
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by: Mapped[str | None] = mapped_column(String(200))


class Complaint(Base):
    """Klachtenmeldpunt Wams: a complaint of a client or family member and how it was followed up."""

    __tablename__ = "complaints"
    __table_args__ = (Index("ix_complaints_tenant_received", "tenant_id", "received_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    procedure_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("procedures.id"), index=True)
    # The procedure's data subject who complains (their key's row), when known.
    subject_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("data_subjects.id"))
    complainant: Mapped[str] = mapped_column(String(30))  # client | family | representative | other
    nature: Mapped[str] = mapped_column(String(50))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=ComplaintStatus.RECEIVED)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registered_by: Mapped[str] = mapped_column(String(200))
    # [{"at": iso, "by": user, "text": …}, …]
    follow_up: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    outcome: Mapped[str | None] = mapped_column(String(30))
    outcome_text: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(200))


class PrivacyIncident(Base):
    """A privacy incident (datalek or near miss): what, when, whom it affects, follow-up, AP report."""

    __tablename__ = "privacy_incidents"
    __table_args__ = (Index("ix_privacy_incidents_tenant_discovered", "tenant_id", "discovered_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    procedure_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("procedures.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    discovered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registered_by: Mapped[str] = mapped_column(String(200))
    # Pseudonyms of the affected data subjects (never names) and how many people in total.
    affected_subjects: Mapped[list[str]] = mapped_column(JSONType, default=list)
    affected_count: Mapped[int] = mapped_column(Integer, default=0)
    categories: Mapped[list[str]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(20), default=IncidentStatus.REPORTED)
    follow_up: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    # Reported to the Autoriteit Persoonsgegevens (within 72 hours of discovery) or why not.
    ap_deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reported_to_ap: Mapped[bool | None] = mapped_column(Boolean)
    ap_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ap_reference: Mapped[str | None] = mapped_column(String(100))
    ap_motivation: Mapped[str | None] = mapped_column(Text)
    subjects_informed: Mapped[bool | None] = mapped_column(Boolean)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(200))


class FurtherProcessingRequest(Base):
    """Further processing for another purpose (art. 5.4.3(4)): granted only when every cumulative
    condition is confirmed with a motivation; a refusal is kept too."""

    __tablename__ = "further_processing_requests"
    __table_args__ = (Index("ix_further_processing_procedure", "tenant_id", "procedure_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    procedure_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("procedures.id"))
    purpose: Mapped[str] = mapped_column(Text)
    recipient: Mapped[str] = mapped_column(String(100))
    categories: Mapped[list[str]] = mapped_column(JSONType, default=list)
    subjects: Mapped[list[str]] = mapped_column(JSONType, default=list)
    legal_ground: Mapped[str | None] = mapped_column(String(100))
    # [{"key", "text", "confirmed", "motivation"}, …] as the requester filled them in.
    conditions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(20))
    missing: Mapped[list[str]] = mapped_column(JSONType, default=list)
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SecurityEvent(Base):
    """Refused access (another municipality's id, a role without rights, no login, a failed login):
    who tried what and how it was answered. No personal values: the target is the route template and
    the ids in the path; bodies and query strings are never kept. Append-only and hash-chained per
    `chain` (the tenant, or "-" for a caller no municipality is known for)."""

    __tablename__ = "security_events"
    __table_args__ = (
        UniqueConstraint("chain", "seq"),
        Index("ix_security_events_at", "chain", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    chain: Mapped[str] = mapped_column(String(64))
    tenant_id: Mapped[str | None] = mapped_column(ForeignKey("tenants.id"))
    seq: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    roles: Mapped[str] = mapped_column(String(300))
    party: Mapped[str | None] = mapped_column(String(100))
    # The method and the endpoint, e.g. "GET privacy.get_request".
    operation: Mapped[str] = mapped_column(String(200))
    # The route template, e.g. "/api/v1/privacy/requests/<uuid:request_id>", and the ids in the path.
    target: Mapped[str] = mapped_column(String(300))
    target_ids: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    # not_found | not_authorized | not_authenticated | csrf_failed | login_failed | too_many_attempts
    outcome: Mapped[str] = mapped_column(String(40))
    status: Mapped[int] = mapped_column(Integer)
    trace_id: Mapped[str] = mapped_column(String(32))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class SecurityEventHead(Base):
    """The end of one security chain; every append locks this row."""

    __tablename__ = "security_event_heads"

    chain: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64))
