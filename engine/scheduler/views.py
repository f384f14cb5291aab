"""What the scheduler's commands and queries return: plain views, with `as_dict` for the API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .models import Escalation
from .models import ProcedureAdjustment as Adjustment


@dataclass(frozen=True)
class EscalationView:
    id: uuid.UUID
    instance_id: uuid.UUID
    subject_type: str
    subject_id: uuid.UUID
    rule: str
    occurrence: int
    level: int
    status: str
    reason: str
    due_at: datetime
    raised_at: datetime
    task_id: uuid.UUID | None
    assignee: str | None
    resolved_by: str | None
    resolved_at: datetime | None
    resolution: str | None

    @classmethod
    def of(cls, e: Escalation) -> EscalationView:
        return cls(
            e.id, e.instance_id, e.subject_type, e.subject_id, e.rule, e.occurrence, e.level, e.status,
            e.reason, e.due_at, e.raised_at, e.task_id, e.assignee, e.resolved_by, e.resolved_at,
            e.resolution,
        )  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return _jsonable(self.__dict__)


@dataclass(frozen=True)
class AdjustmentView:
    id: int
    instance_id: uuid.UUID
    kind: str
    status: str
    reason: str
    period: str | None
    rule: str | None
    created_by: str
    created_at: datetime
    ended_by: str | None
    ended_at: datetime | None
    end_reason: str | None
    shifted: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, a: Adjustment) -> AdjustmentView:
        return cls(
            a.id, a.instance_id, a.kind, a.status, a.reason, a.period, a.rule, a.created_by, a.created_at,
            a.ended_by, a.ended_at, a.end_reason, list(a.shifted or []),
        )  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return _jsonable(self.__dict__)


@dataclass(frozen=True)
class DeadlineView:
    subject_type: str
    subject_id: uuid.UUID
    rule: str
    occurrence: int
    due_at: datetime | None
    level: int
    next_check_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return _jsonable(self.__dict__)


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    def convert(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, uuid.UUID):
            return str(value)
        return value

    return {key: convert(value) for key, value in values.items()}
