"""Small helpers the privacy commands share: finding a procedure's subject, timeline events, texts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..access import Actor
from ..errors import InvalidInput, NotFound
from ..procedures.models import DataSubject, Procedure
from ..runtime import journal
from ..uow import UnitOfWork

MAX_TEXT = 10_000


def procedure_of_tenant(uow: UnitOfWork, actor: Actor, procedure_id: uuid.UUID) -> Procedure:
    procedure = uow.session.get(Procedure, procedure_id)
    if procedure is None or procedure.tenant_id != actor.tenant_id:
        raise NotFound("procedure not found")
    return procedure


def subject_of(uow: UnitOfWork, procedure: Procedure, key: str) -> DataSubject:
    subject = uow.session.scalar(
        select(DataSubject).where(DataSubject.procedure_id == procedure.id, DataSubject.key == key)
    )
    if subject is None:
        raise InvalidInput(f"the procedure has no data subject {key!r}", field="subject")
    return subject


def text(value: str | None, name: str, *, required: bool = True, limit: int = MAX_TEXT) -> str | None:
    cleaned = (value or "").strip()
    if not cleaned:
        if required:
            raise InvalidInput(f"{name} is required", field=name)
        return None
    if len(cleaned) > limit:
        raise InvalidInput(f"{name} is at most {limit} characters", field=name)
    return cleaned


def choice(value: str, options: tuple[str, ...] | list[str], name: str) -> str:
    if value not in options:
        raise InvalidInput(f"{name} is one of {', '.join(options)}", field=name)
    return value


def not_in_future(uow: UnitOfWork, moment: datetime | None, name: str) -> datetime:
    now: datetime = uow.now()
    if moment is None:
        return now
    if moment.tzinfo is None:
        raise InvalidInput(f"{name} needs a time zone", field=name)
    if moment > now:
        raise InvalidInput(f"{name} lies in the future", field=name)
    return moment


def timeline_event(
    uow: UnitOfWork,
    procedure: Procedure,
    type_: str,
    actor: str | None,
    detail: dict[str, Any],
    *,
    party: str | None = None,
    subject: str | None = None,
    categories: list[str] | None = None,
) -> None:
    """A line in the procedure's timeline (never personal values: ids, kinds, keys)."""
    journal.note(uow, procedure.id, type_, actor, detail, party=party, subject=subject, categories=categories)
