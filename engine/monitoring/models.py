"""What the monitoring keeps of its own: each procedure's replay outcome (engine.monitoring.summaries)."""

from __future__ import annotations

import uuid

from sqlalchemy import Float, ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db.base import Base


class ConformanceSummary(Base):
    """One procedure's token replay against the version it ran on, kept so that the conformance view
    replays only what changed since it was last asked (engine.monitoring.summaries is its one writer).

    Valid while the instance is at `definition_id` and `instance_version`: every engine step (a task
    completed, a path run, a migration, a switch of version) bumps the instance's optimistic-lock
    version, so a changed procedure is simply replayed again. A finished one never changes: replayed
    once. No personal data: the outcome names elements and flows of the model only."""

    __tablename__ = "conformance_summaries"
    __table_args__ = (Index("ix_conformance_summaries_tenant", "tenant_id"),)

    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("process_instances.id"), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"))
    instance_version: Mapped[int] = mapped_column(Integer)
    # Compact JSON (engine.monitoring.summaries.Outcome): kept as text, so that equal outcomes (most
    # procedures of a variant) are recognised and decoded once.
    outcome: Mapped[str] = mapped_column(Text)
    # The procedure's length in seconds once it has ended (the variants' durations), so that a read
    # of kept outcomes decodes no dates.
    seconds: Mapped[float | None] = mapped_column(Float)
