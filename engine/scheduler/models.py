"""Tables of the scheduler: deadlines, escalations, notifications, suspensions and extensions.

A `Deadline` is one thing that must happen in time — a user task done, a phase finished, a review
held — with `next_check_at`, the moment the escalation sweep must look at it again. That column is
indexed (only where it is set), so a sweep touches the deadlines that are due and nothing else, however
many procedures are open. Every write to an instance's deadlines and escalations happens under that
instance's row lock; the unique constraints below are the backstop for "exactly once".
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from ..db.base import Base, BigId, JSONType, UTCDateTime
from .status import AdjustmentStatus, EscalationStatus

SUBJECT_TASK = "task"
SUBJECT_PROCEDURE = "procedure"
RULE_TASK = "taak.termijn"
RULE_REVIEW = "review"
PHASE_PREFIX = "fase."

KIND_SUSPENSION = "suspension"
KIND_EXTENSION = "extension"


class Deadline(Base):
    __tablename__ = "escalation_deadlines"
    __table_args__ = (
        UniqueConstraint(
            "subject_type", "subject_id", "rule", "occurrence", name="uq_escalation_deadlines_subject"
        ),
        # The escalation sweep: deadlines to look at now, found without touching the others.
        Index(
            "ix_escalation_deadlines_check",
            "next_check_at",
            postgresql_where=text("next_check_at IS NOT NULL"),
            sqlite_where=text("next_check_at IS NOT NULL"),
        ),
        Index("ix_escalation_deadlines_instance", "instance_id", "active"),
    )

    # Generated here, not by the database: deadlines are written with the runtime's lean writer
    # inside engine steps, which needs no round trip for the new id.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("process_instances.id"))
    # "task" (subject_id: the task row) or "procedure" (subject_id: the instance = the procedure).
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    # "taak.termijn", "fase.<phase>" or "review".
    rule: Mapped[str] = mapped_column(String(100))
    # The n-th time this rule applies to this subject (a phase entered again, the next review period).
    occurrence: Mapped[int] = mapped_column(Integer, default=1)
    # The ISO period the deadline was set from (for the reason shown to people), if any.
    period: Mapped[str | None] = mapped_column(String(40))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # None: tracked (e.g. the current phase) without a deadline.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The highest escalation level raised for this occurrence (0: none yet).
    level: Mapped[int] = mapped_column(Integer, default=0)
    next_level_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the sweep must look again; None while nothing can happen (done, suspended, last level).
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Escalation(Base):
    __tablename__ = "escalations"
    __table_args__ = (
        # Exactly once per (subject, rule, occurrence, level), however many schedulers run.
        UniqueConstraint(
            "subject_type", "subject_id", "rule", "occurrence", "level", name="uq_escalations_subject_level"
        ),
        Index("ix_escalations_tenant_status", "tenant_id", "status", "raised_at"),
        Index("ix_escalations_instance", "instance_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("process_instances.id"))
    deadline_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("escalation_deadlines.id"), index=True)
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    rule: Mapped[str] = mapped_column(String(100))
    occurrence: Mapped[int] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=EscalationStatus.OPEN)
    reason: Mapped[str] = mapped_column(Text)
    # The moment this level became due, and when the scheduler raised it.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The manager task "procedure loopt te lang" for this escalation.
    task_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tasks.id"))
    assignee: Mapped[str | None] = mapped_column(String(200))
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)


class Notification(Base):
    """An in-app message to one person (`recipient`) or to everyone with a role in the tenant."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_recipient", "tenant_id", "recipient", "read_at"),
        Index("ix_notifications_role", "tenant_id", "role", "read_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    recipient: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    instance_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("process_instances.id"))
    escalation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("escalations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_by: Mapped[str | None] = mapped_column(String(200))


class ProcedureAdjustment(Base):
    """A suspension (*opschorting*) or extension (*verlenging*) of a procedure, with its reason."""

    __tablename__ = "procedure_adjustments"
    __table_args__ = (Index("ix_procedure_adjustments_instance", "instance_id", "kind", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("process_instances.id"))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=AdjustmentStatus.ACTIVE)
    reason: Mapped[str] = mapped_column(Text)
    # Extensions: the ISO period added, and the rule extended (None: every procedure deadline).
    period: Mapped[str | None] = mapped_column(String(40))
    rule: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_by: Mapped[str | None] = mapped_column(String(200))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(Text)
    # What moved: [{"rule": …, "from": …, "to": …}, …].
    shifted: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)


class SchedulerHeartbeat(Base):
    """A scheduler process's sign of life, written by its ticks (at most every few seconds), so any
    web process can tell in /healthz whether schedulers run — they usually run as their own service."""

    __tablename__ = "scheduler_heartbeats"

    # host:pid:random — one row per scheduler process, for as long as it runs.
    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    mode: Mapped[str] = mapped_column(String(20))
    # starting, running, error (its last tick failed: the database may be away) or stopped.
    state: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ticks: Mapped[int] = mapped_column(Integer, default=0)
    fired: Mapped[int] = mapped_column(Integer, default=0)
    escalated: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
