from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ..db.base import Base, BigId, JSONType, UTCDateTime


class Procedure(Base):
    """One Wams procedure (case). Its id is the id of the process instance that runs it."""

    __tablename__ = "procedures"
    __table_args__ = (
        UniqueConstraint("tenant_id", "reference"),
        Index("ix_procedures_tenant_status", "tenant_id", "status", "started_at"),
        Index("ix_procedures_tenant_coordinator", "tenant_id", "coordinator"),
        # The dashboard and the indicators at national scale, from the index alone on PostgreSQL
        # (migration 0017; bench/national.py): running procedures, started and ended in a period.
        Index(
            "ix_procedures_tenant_running",
            "tenant_id",
            "status",
            postgresql_include=["id", "phase", "coordinator"],
        ),
        Index(
            "ix_procedures_tenant_started",
            "tenant_id",
            "started_at",
            postgresql_include=["ended_at", "ingang"],
        ),
        Index(
            "ix_procedures_tenant_ended",
            "tenant_id",
            "ended_at",
            postgresql_include=["started_at", "outcome", "stop_reason"],
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(ForeignKey("process_instances.id"), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    # Human reference, unique per municipality, e.g. "2027-00042".
    reference: Mapped[str] = mapped_column(String(40))
    process_id: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    phase: Mapped[str | None] = mapped_column(String(100))
    ingang: Mapped[str | None] = mapped_column(String(50))
    coordinator: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_by: Mapped[str | None] = mapped_column(String(200))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(100))
    stop_reason: Mapped[str | None] = mapped_column(String(100))
    # The client's choices about the onderzoek: excluded domains and data categories bind every later step.
    scope_exclusions: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # When closure plus the retention period has passed, the personal data are erased.
    retention_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DataSubject(Base):
    """A person whose data the procedure may process: the client, household members, the reporter.

    `key` is what the process data uses ("client", "lid-1"); names and numbers are facts, not here."""

    __tablename__ = "data_subjects"
    __table_args__ = (UniqueConstraint("procedure_id", "key"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    procedure_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("procedures.id"), index=True)
    key: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(30))  # client | household_member | reporter
    # Pseudonymous id for logs and exports (keyed hash; stable per subject, meaningless outside).
    pseudonym: Mapped[str] = mapped_column(String(64), index=True)
    # For household members: pending | included | declined (a declining member's data stay out).
    participation: Mapped[str] = mapped_column(String(20), default="included")
    label: Mapped[str] = mapped_column(String(100))


class Fact(Base):
    """One piece of personal data recorded in a procedure, with where it came from and why it may be here."""

    __tablename__ = "facts"
    __table_args__ = (
        Index("ix_facts_procedure", "procedure_id", "subject_id"),
        Index("ix_facts_tenant_category", "tenant_id", "category"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    procedure_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("procedures.id"))
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("data_subjects.id"))
    # The form field it came from, e.g. "naam" or "schulden.bedrag".
    field: Mapped[str] = mapped_column(String(200))
    label: Mapped[str | None] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(50))
    domain: Mapped[str | None] = mapped_column(String(50))
    value: Mapped[Any] = mapped_column(JSONType)
    source_party: Mapped[str | None] = mapped_column(String(100))
    legal_ground: Mapped[str | None] = mapped_column(String(100))
    purpose: Mapped[str | None] = mapped_column(Text)
    conditions: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str | None] = mapped_column(String(200))
    task_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    element_id: Mapped[str | None] = mapped_column(String(200))
    # Medical data are shared only as the medical professional released them (share / share part).
    released: Mapped[bool] = mapped_column(default=True)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Indicator(Base):
    """A monitoring indicator recorded from the process itself (ingang, cliëntondersteuning, domains,
    parties, outcome, stop reason …): queryable for the Gemeentelijke Monitor Sociaal Domein."""

    __tablename__ = "procedure_indicators"
    __table_args__ = (
        Index(
            "ix_indicators_tenant_key",
            "tenant_id",
            "key",
            "recorded_at",
            postgresql_include=["procedure_id", "value"],  # migration 0017: read from the index alone
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    procedure_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("procedures.id"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    value: Mapped[Any] = mapped_column(JSONType)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReferenceCounter(Base):
    """The last reference number handed out per municipality and year. Taking the next one is an
    atomic UPDATE … RETURNING on this row, so concurrent meldingen never collide."""

    __tablename__ = "reference_counters"

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)
