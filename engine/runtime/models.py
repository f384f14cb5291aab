from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from ..db.base import Base, BigId, JSONType, UTCDateTime
from ..status import InstanceStatus, TaskStatus


class ProcessInstance(Base):
    """Queryable columns of a running process plus its serialized live state (without the spec)."""

    __tablename__ = "process_instances"
    __table_args__ = (
        # The scheduler's sweep: due timers of running instances, found without touching the others.
        Index(
            "ix_process_instances_timer_due",
            "next_timer_due",
            postgresql_where=text("next_timer_due IS NOT NULL"),
            sqlite_where=text("next_timer_due IS NOT NULL"),
        ),
        Index("ix_process_instances_tenant_status", "tenant_id", "status", "started_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"), index=True)
    # The process the live state runs now: the entry process, or the one it continued into.
    current_process_id: Mapped[str] = mapped_column(String(200))
    # How many times this instance continued as new (each periodic evaluation is one segment).
    segment: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20), default=InstanceStatus.RUNNING)
    current_steps: Mapped[list[str]] = mapped_column(JSONType, default=list)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_by: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_timer_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # Optimistic lock: every write checks and bumps it, so a stale writer fails instead of overwriting.
    version: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(Text)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative hook


# The key in a task's `context` of the party a municipal task is about (`Task.about_party`).
ABOUT_PARTY = "about_party"
TASK_DEADLINE_WATCHED = "status = 'open' AND kind = 'user' AND due_at IS NOT NULL AND deadline_id IS NULL"


class Task(Base):
    """A user task as a row, so inboxes and dashboards are SQL queries."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_inbox", "tenant_id", "status", "role", "due_at"),
        Index("ix_tasks_instance", "instance_id", "status"),
        Index("ix_tasks_element", "tenant_id", "process_id", "element_id", "status"),
        # The bottleneck heatmap and the indicators' stalls per phase: open tasks and those completed
        # in the period, read from the index alone on PostgreSQL (migrations 0018, 0019; bench/national.py).
        Index(
            "ix_tasks_tenant_status_completed",
            "tenant_id",
            "status",
            "completed_at",
            postgresql_include=[
                "process_id",
                "element_id",
                "name",
                "role",
                "created_at",
                "due_at",
                "kind",
                "phase",
            ],
        ),
        # The scheduler's watch on due times (engine.scheduler.deadlines.open_overdue_task_deadlines):
        # open tasks whose deadline row it has not opened yet.
        Index(
            "ix_tasks_deadline_due",
            "due_at",
            postgresql_where=text(TASK_DEADLINE_WATCHED),
            sqlite_where=text(TASK_DEADLINE_WATCHED),
        ),
    )

    # SpiffWorkflow's task id: unique across instances.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("process_instances.id"))
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"))
    process_id: Mapped[str] = mapped_column(String(200))
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    role: Mapped[str | None] = mapped_column(String(50))
    assignee: Mapped[str | None] = mapped_column(String(200))
    party: Mapped[str | None] = mapped_column(String(100))
    subject: Mapped[str | None] = mapped_column(String(100))
    form_key: Mapped[str | None] = mapped_column(String(200))
    phase: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default=TaskStatus.OPEN)
    # "user": backed by a SpiffWorkflow user task; anything else (e.g. "escalation", the manager task
    # of engine.scheduler) is not, and the runtime never touches it.
    kind: Mapped[str] = mapped_column(String(20), default="user", server_default="user")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When to look at the task again (a model's followUpDate): shown and sortable, never escalated.
    follow_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[str | None] = mapped_column(String(200))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The task's deadline row (engine.scheduler), opened by the scheduler once `due_at` has passed
    # with the task still open; None before that, which is most tasks' whole life.
    deadline_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # The element's extension properties (legalGround, phase, …) as modelled.
    properties: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # Non-personal context the inbox shows (e.g. the multi-instance item), never form values.
    context: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    @property
    def about_party(self) -> str | None:
        """The party the task is for or about, as the inbox names it ("voor partij …"): a party's own
        task (`party`, the model's `partyVariable`), or a municipal task about one party (the model's
        `aboutPartyVariable`, e.g. the coordinator's request to that party). Only `party` decides who
        may see and do the task (engine.tasks.rules) and who sees its events; this never does."""
        if self.party:
            return self.party
        value = (self.context or {}).get(ABOUT_PARTY)
        return value if isinstance(value, str) and value else None


class ProcessEvent(Base):
    """Append-only log of what happened to an instance: who did what, when, with which data keys."""

    __tablename__ = "process_events"
    __table_args__ = (Index("ix_process_events_instance", "instance_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("process_instances.id"))
    task_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    process_id: Mapped[str | None] = mapped_column(String(200))
    element_id: Mapped[str | None] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(50))
    actor: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    segment: Mapped[int] = mapped_column(Integer, default=1)
    data_keys: Mapped[list[str] | None] = mapped_column(JSONType)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # Whose work and which person the event is about, and the data categories of the fields it
    # names: what the read model needs to decide who may see it (engine.procedures.timeline).
    party: Mapped[str | None] = mapped_column(String(100))
    subject: Mapped[str | None] = mapped_column(String(100))
    categories: Mapped[list[str] | None] = mapped_column(JSONType)
