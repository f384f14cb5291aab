"""Further processing for another purpose (art. 5.4.3, fourth paragraph): the main rule is that data
from the Wams procedure are not used for another purpose. It is allowed only through a request in
which every cumulative condition of the procedure's policy is confirmed, each with a motivation.
A request missing one is refused. Both outcomes are kept and written to the processing log.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..access import Actor
from ..errors import InvalidInput, NotAuthorized, NotFound
from ..roles import Role
from ..uow import UnitOfWork
from .catalogue import catalogue_for_procedure
from .common import procedure_of_tenant, subject_of, text
from .disclosure import record
from .models import FurtherProcessingRequest
from .policy import Condition
from .status import FurtherStatus

REQUESTERS = (Role.COORDINATOR, Role.MANAGER)
READERS = (Role.COORDINATOR, Role.MANAGER, Role.PRIVACY_OFFICER)
MIN_MOTIVATION = 10
LEGAL_GROUND = "verdere_verwerking (Wmo 2015 art. 5.4.3, vierde lid)"


PARTY_CODE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")


def _party_code(value: str) -> str:
    if not PARTY_CODE.match(value or ""):
        raise InvalidInput("the recipient is a party code such as 'uwv'", field="recipient")
    return value


class FurtherProcessingRefused(NotAuthorized):
    code = "further_processing_refused"


@dataclass
class Confirmation:
    confirmed: bool
    motivation: str | None = None


def conditions_for(uow: UnitOfWork, actor: Actor, procedure_id: uuid.UUID) -> tuple[Condition, ...]:
    """The cumulative conditions the procedure's policy names."""
    actor.require(*READERS)
    with uow:
        procedure_of_tenant(uow, actor, procedure_id)
        return catalogue_for_procedure(uow, procedure_id).policy.further_conditions


def evaluate(
    conditions: tuple[Condition, ...], given: Mapping[str, Confirmation]
) -> tuple[list[dict[str, Any]], list[str]]:
    """The conditions as filled in, and the keys of those not confirmed with a motivation."""
    filled, missing = [], []
    for condition in conditions:
        answer = given.get(condition.key)
        motivation = (answer.motivation or "").strip() if answer else ""
        ok = bool(answer and answer.confirmed and len(motivation) >= MIN_MOTIVATION)
        filled.append(
            {
                "key": condition.key,
                "text": condition.text,
                "confirmed": bool(answer and answer.confirmed),
                "motivation": motivation or None,
            }
        )
        if not ok:
            missing.append(condition.key)
    return filled, missing


def request_further_processing(
    uow: UnitOfWork,
    actor: Actor,
    procedure_id: uuid.UUID,
    *,
    purpose: str,
    recipient: str,
    categories: list[str],
    confirmations: Mapping[str, Confirmation],
    subjects: list[str] | None = None,
    legal_ground: str | None = None,
) -> FurtherProcessingRequest:
    """Grant or refuse; a refusal is committed (and logged) and then raised as `FurtherProcessingRefused`."""
    actor.require(*REQUESTERS)
    if not categories:
        raise InvalidInput("name the data categories to be processed further", field="categories")
    with uow:
        procedure = procedure_of_tenant(uow, actor, procedure_id)
        catalogue = catalogue_for_procedure(uow, procedure.id)
        conditions = catalogue.policy.further_conditions
        unknown = sorted(set(confirmations) - {c.key for c in conditions})
        if unknown:
            raise InvalidInput(f"unknown condition(s): {', '.join(unknown)}", field="conditions")
        people = [subject_of(uow, procedure, key) for key in (subjects or ["client"])]
        filled, missing = evaluate(conditions, confirmations)
        status = FurtherStatus.REFUSED if missing else FurtherStatus.GRANTED
        request = FurtherProcessingRequest(
            id=uuid.uuid4(),
            tenant_id=actor.tenant_id,
            procedure_id=procedure.id,
            purpose=text(purpose, "purpose"),
            recipient=_party_code(recipient),
            categories=sorted(set(categories)),
            subjects=[p.key for p in people],
            legal_ground=text(legal_ground, "legal_ground", required=False, limit=100),
            conditions=filled,
            status=status,
            missing=missing,
            requested_by=actor.username,
            requested_at=uow.now(),
        )
        uow.session.add(request)
        for person in people:
            record(
                uow,
                actor,
                procedure,
                person,
                operation="further_processing"
                if status == FurtherStatus.GRANTED
                else "further_processing_refused",
                categories=request.categories,
                fact_count=0,
                # Never the typed purpose: the log is append-only and outlives the retention period.
                purpose=f"Verdere verwerking door {request.recipient} (verzoek {request.id})",
                legal_grounds=[LEGAL_GROUND, *([request.legal_ground] if request.legal_ground else [])],
            )
        uow.commit()
    if status == FurtherStatus.REFUSED:
        raise FurtherProcessingRefused(
            "further processing is refused: every condition must be confirmed with a motivation",
            request_id=str(request.id),
            missing=missing,
        )
    return request


def get_further(uow: UnitOfWork, actor: Actor, request_id: uuid.UUID) -> FurtherProcessingRequest:
    actor.require(*READERS)
    with uow:
        found = uow.session.get(FurtherProcessingRequest, request_id)
        if found is None or found.tenant_id != actor.tenant_id:
            raise NotFound("further-processing request not found")
        return found


def list_further(
    uow: UnitOfWork, actor: Actor, *, procedure_id: uuid.UUID | None = None
) -> list[FurtherProcessingRequest]:
    actor.require(*READERS)
    with uow:
        query = select(FurtherProcessingRequest).where(FurtherProcessingRequest.tenant_id == actor.tenant_id)
        if procedure_id:
            query = query.where(FurtherProcessingRequest.procedure_id == procedure_id)
        return list(
            uow.session.scalars(query.order_by(FurtherProcessingRequest.requested_at.desc()).limit(500))
        )
