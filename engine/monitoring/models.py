"""What the monitoring keeps of its own: each procedure's replay outcome (engine.monitoring.summaries)."""

from __future__ import annotations

import uuid

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db.base import Base, BigId


class ConformanceOutcome(Base):
    """A distinct replay outcome among a municipality's procedures: most procedures of a variant share
    theirs, so it is stored once (about a kilobyte for the Wams procedure) and procedures point at it.
    Never changes and holds no personal data (names of model elements and flows only)."""

    __tablename__ = "conformance_outcomes"
    __table_args__ = (UniqueConstraint("tenant_id", "digest"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of `outcome`
    # Compact JSON (engine.monitoring.summaries.encode).
    outcome: Mapped[str] = mapped_column(Text)


class ConformanceSummary(Base):
    """One procedure's token replay against the version it ran on, kept so that the conformance view
    replays only what changed since it was last asked (engine.monitoring.summaries is its one writer).

    Valid while the instance is at `definition_id` and `instance_version`: every engine step (a task
    completed, a path run, a migration, a switch of version) bumps the instance's optimistic-lock
    version, so a changed procedure is simply replayed again. A finished one never changes: replayed
    once."""

    __tablename__ = "conformance_summaries"
    __table_args__ = (Index("ix_conformance_summaries_tenant", "tenant_id"),)

    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("process_instances.id"), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"))
    instance_version: Mapped[int] = mapped_column(Integer)
    outcome_id: Mapped[int] = mapped_column(BigId, ForeignKey("conformance_outcomes.id"))
    # The procedure's length in seconds once it has ended (the variants' durations), so that a read
    # of kept outcomes decodes no dates.
    seconds: Mapped[float | None] = mapped_column(Float)
