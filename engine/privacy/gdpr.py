"""Requests of data subjects: inzage, correctie, beperking, bezwaar and wissing (AVG arts. 15–21).

A request is registered against a procedure and one of its data subjects, gets a deadline of one
month (extendable once by two months, with a reason: art. 12(3) AVG) and a task (`Task.kind="gdpr"`)
for the procedure's coordinator — the client's single point of contact — in the inbox. Deciding it
completes the task and does what was granted:

- correctie: the listed facts get their corrected values;
- wissing: the facts (all of the subject's, or the listed ones) are erased;
- beperking / bezwaar: the facts are hidden from every view until the restriction is lifted;
- inzage: the export (`engine.privacy.queries.inzage_export`) is produced for the request.

Each effect writes the processing log.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..access import Actor
from ..bpmn.isotime import add_duration, parse_datetime
from ..errors import InvalidInput, NotFound
from ..procedures.models import DataSubject, Fact, Procedure
from ..roles import Role
from ..runtime import journal
from ..runtime.models import ProcessInstance, Task
from ..status import TaskStatus
from ..uow import UnitOfWork
from .common import choice, not_in_future, procedure_of_tenant, subject_of, text, timeline_event
from .disclosure import record
from .models import GdprRequest
from .status import OPEN_REQUEST, RequestKind, RequestStatus, request_transition

TASK_KIND = "gdpr"
RESPONSE_PERIOD = "P1M"
EXTENSION_PERIOD = "P2M"
REQUESTERS = ("subject", "representative", "client_support", "other")
REGISTRARS = (Role.MELDPUNT, Role.ASSESSOR, Role.COORDINATOR, Role.MANAGER, Role.PRIVACY_OFFICER)
HANDLERS = (Role.COORDINATOR, Role.PRIVACY_OFFICER)
READERS = (Role.COORDINATOR, Role.MANAGER, Role.PRIVACY_OFFICER)
KINDS = tuple(k.value for k in RequestKind)
OUTCOMES = (RequestStatus.GRANTED.value, RequestStatus.PARTLY_GRANTED.value, RequestStatus.REFUSED.value)
TASK_NAMES = {
    RequestKind.INZAGE: "AVG-verzoek om inzage behandelen",
    RequestKind.CORRECTIE: "AVG-verzoek om correctie behandelen",
    RequestKind.BEPERKING: "AVG-verzoek om beperking behandelen",
    RequestKind.BEZWAAR: "AVG-bezwaar behandelen",
    RequestKind.WISSING: "AVG-verzoek om wissing behandelen",
}
LEGAL_GROUND = {
    RequestKind.INZAGE: "AVG art. 15",
    RequestKind.CORRECTIE: "AVG art. 16",
    RequestKind.BEPERKING: "AVG art. 18",
    RequestKind.BEZWAAR: "AVG art. 21",
    RequestKind.WISSING: "AVG art. 17",
}


def get_request(uow: UnitOfWork, actor: Actor, request_id: uuid.UUID) -> GdprRequest:
    request = uow.session.get(GdprRequest, request_id)
    if request is None or request.tenant_id != actor.tenant_id:
        raise NotFound("GDPR request not found")
    return request


def register_request(
    uow: UnitOfWork,
    actor: Actor,
    procedure_id: uuid.UUID,
    kind: str,
    *,
    subject: str = "client",
    requester: str = "subject",
    description: str | None = None,
    received_at: datetime | None = None,
    fact_ids: list[int] | None = None,
) -> GdprRequest:
    actor.require(*REGISTRARS)
    choice(kind, KINDS, "kind")
    choice(requester, REQUESTERS, "requester")
    with uow:
        procedure = procedure_of_tenant(uow, actor, procedure_id)
        person = subject_of(uow, procedure, subject)
        received = not_in_future(uow, received_at, "received_at")
        if fact_ids:
            _facts(uow, person, fact_ids)
        instance = uow.session.get(ProcessInstance, procedure.id)
        assert instance is not None
        request = GdprRequest(
            id=uuid.uuid4(),
            tenant_id=actor.tenant_id,
            procedure_id=procedure.id,
            subject_id=person.id,
            kind=kind,
            status=RequestStatus.RECEIVED,
            requester=requester,
            description=text(description, "description", required=False),
            received_at=received,
            deadline_at=parse_datetime(add_duration(received, RESPONSE_PERIOD)),
            extended=False,
            registered_by=actor.username,
            fact_ids=sorted(set(fact_ids)) if fact_ids else None,
        )
        task = journal.open_task(
            uow,
            instance,
            kind=TASK_KIND,
            element_id=f"avg:{kind}",
            name=TASK_NAMES[RequestKind(kind)],
            role=Role.COORDINATOR.value,
            assignee=procedure.coordinator,
            subject=person.key,
            due_at=request.deadline_at,
            properties={"gdpr_request": str(request.id), "kind": kind},
            context={"kind": kind, "subject": person.key, "requester": requester},
        )
        request.task_id = task.id
        uow.session.add(request)
        timeline_event(
            uow, procedure, "gdpr_request_registered", actor.username,
            {"request": str(request.id), "kind": kind, "subject": person.key}, subject=person.key,
        )  # fmt: skip
        uow.commit()
        return request


def start_request(uow: UnitOfWork, actor: Actor, request_id: uuid.UUID) -> GdprRequest:
    actor.require(*HANDLERS)
    with uow:
        request = get_request(uow, actor, request_id)
        request.status = request_transition(request.status, RequestStatus.IN_PROGRESS)
        task = uow.session.get(Task, request.task_id) if request.task_id else None
        if task is not None and task.status == TaskStatus.OPEN and task.claimed_by is None:
            journal.hand_over(uow, task, claimed_by=actor.username)
        uow.commit()
        return request


def extend_request(uow: UnitOfWork, actor: Actor, request_id: uuid.UUID, reason: str) -> GdprRequest:
    """Two more months, once, for complex or many requests; the subject must be told why."""
    actor.require(*HANDLERS)
    with uow:
        request = get_request(uow, actor, request_id)
        if request.status not in OPEN_REQUEST:
            raise InvalidInput("only an open request can be extended", field="status")
        if request.extended:
            raise InvalidInput("the deadline was extended already; it can be extended once", field="reason")
        request.extension_reason = text(reason, "reason")
        request.extended = True
        request.deadline_at = parse_datetime(add_duration(request.deadline_at, EXTENSION_PERIOD))
        task = uow.session.get(Task, request.task_id) if request.task_id else None
        if task is not None and task.status == TaskStatus.OPEN:
            journal.reschedule(uow, task, request.deadline_at)
        uow.commit()
        return request


def withdraw_request(uow: UnitOfWork, actor: Actor, request_id: uuid.UUID, reason: str) -> GdprRequest:
    actor.require(*HANDLERS)
    with uow:
        request = get_request(uow, actor, request_id)
        request.status = request_transition(request.status, RequestStatus.WITHDRAWN)
        request.motivation = text(reason, "reason")
        request.decided_by, request.decided_at = actor.username, uow.now()
        _close_task(uow, request, actor, TaskStatus.CANCELLED)
        uow.commit()
        return request


@dataclass
class Decision:
    outcome: str
    motivation: str
    fact_ids: list[int] | None = None
    corrections: dict[int, Any] | None = None


def decide_request(uow: UnitOfWork, actor: Actor, request_id: uuid.UUID, decision: Decision) -> GdprRequest:
    actor.require(*HANDLERS)
    choice(decision.outcome, OUTCOMES, "outcome")
    motivation = text(decision.motivation, "motivation")
    with uow:
        request = get_request(uow, actor, request_id)
        request.status = request_transition(request.status, RequestStatus(decision.outcome))
        request.motivation = motivation
        request.decided_by, request.decided_at = actor.username, uow.now()
        if decision.fact_ids:
            request.fact_ids = sorted(set(decision.fact_ids))
        if request.status != RequestStatus.REFUSED:
            _carry_out(uow, actor, request, decision)
        _close_task(uow, request, actor, TaskStatus.COMPLETED)
        procedure = uow.session.get(Procedure, request.procedure_id)
        assert procedure is not None
        timeline_event(
            uow, procedure, "gdpr_request_decided", actor.username,
            {"request": str(request.id), "kind": request.kind, "outcome": request.status},
        )  # fmt: skip
        uow.commit()
        return request


def lift_restriction(uow: UnitOfWork, actor: Actor, request_id: uuid.UUID, reason: str) -> GdprRequest:
    """End a granted beperking or bezwaar (the subject is told before it is lifted, art. 18(3))."""
    actor.require(*HANDLERS)
    with uow:
        request = get_request(uow, actor, request_id)
        restricting = request.kind in (RequestKind.BEPERKING, RequestKind.BEZWAAR)
        if not restricting or request.status == RequestStatus.REFUSED or request.status in OPEN_REQUEST:
            raise InvalidInput("only a granted beperking or bezwaar can be lifted", field="status")
        if request.lifted_at is not None:
            raise InvalidInput("the restriction was lifted already", field="status")
        request.lifted_at, request.lifted_by = uow.now(), actor.username
        request.motivation = f"{request.motivation or ''}\nOpgeheven: {text(reason, 'reason')}".strip()
        uow.commit()
        return request


def list_requests(
    uow: UnitOfWork,
    actor: Actor,
    *,
    status: str | None = None,
    procedure_id: uuid.UUID | None = None,
    overdue: bool | None = None,
) -> list[GdprRequest]:
    actor.require(*READERS)
    with uow:
        query = select(GdprRequest).where(GdprRequest.tenant_id == actor.tenant_id)
        if status:
            query = query.where(GdprRequest.status == status)
        if procedure_id:
            query = query.where(GdprRequest.procedure_id == procedure_id)
        if overdue is not None:
            late = GdprRequest.status.in_(OPEN_REQUEST) & (GdprRequest.deadline_at < uow.now())
            query = query.where(late if overdue else ~late)
        return list(uow.session.scalars(query.order_by(GdprRequest.deadline_at, GdprRequest.id).limit(500)))


# --- effects --------------------------------------------------------------------------------------


def _facts(uow: UnitOfWork, subject: DataSubject, fact_ids: list[int] | None) -> list[Fact]:
    query = select(Fact).where(Fact.subject_id == subject.id).order_by(Fact.id)
    if fact_ids:
        query = query.where(Fact.id.in_(fact_ids))
    facts = list(uow.session.scalars(query))
    if fact_ids and {f.id for f in facts} != set(fact_ids):
        raise InvalidInput("some facts are not the data subject's", field="fact_ids")
    return facts


def _carry_out(uow: UnitOfWork, actor: Actor, request: GdprRequest, decision: Decision) -> None:
    subject = uow.session.get(DataSubject, request.subject_id)
    assert subject is not None
    kind = RequestKind(request.kind)
    now = uow.now()
    if kind == RequestKind.CORRECTIE:
        if not decision.corrections:
            raise InvalidInput("a granted correctie lists the corrected values", field="corrections")
        corrections = {int(k): v for k, v in decision.corrections.items()}
        facts = _facts(uow, subject, list(corrections))
        for fact in facts:
            if fact.erased_at is not None:
                raise InvalidInput(f"fact {fact.id} was erased; it cannot be corrected", field="corrections")
            fact.value = corrections[fact.id]
        _log(uow, actor, request, subject, facts, "correct")
    elif kind == RequestKind.WISSING:
        facts = [f for f in _facts(uow, subject, request.fact_ids) if f.erased_at is None]
        for fact in facts:
            fact.value, fact.conditions, fact.erased_at = None, None, now
        _log(uow, actor, request, subject, facts, "erase")
    elif kind in (RequestKind.BEPERKING, RequestKind.BEZWAAR):
        _log(uow, actor, request, subject, _facts(uow, subject, request.fact_ids), "restrict")


def _log(
    uow: UnitOfWork,
    actor: Actor,
    request: GdprRequest,
    subject: DataSubject,
    facts: list[Fact],
    operation: str,
) -> None:
    if not facts:
        return
    procedure = uow.session.get(Procedure, request.procedure_id)
    assert procedure is not None
    kind = RequestKind(request.kind)
    record(
        uow,
        actor,
        procedure,
        subject,
        operation=operation,
        categories={f.category for f in facts},
        fact_count=len(facts),
        purpose=f"AVG-verzoek ({kind.value}) van de betrokkene",
        legal_grounds=[LEGAL_GROUND[kind]],
    )


def _close_task(uow: UnitOfWork, request: GdprRequest, actor: Actor, target: TaskStatus) -> None:
    task = uow.session.get(Task, request.task_id) if request.task_id else None
    if task is None or task.status != TaskStatus.OPEN:
        return
    journal.close_task(uow, task, target, by=actor.username)


def read_request(uow: UnitOfWork, actor: Actor, request_id: uuid.UUID) -> GdprRequest:
    """One request with its description: a read of the subject's personal data, logged."""
    actor.require(*READERS)
    with uow:
        request = get_request(uow, actor, request_id)
        procedure = uow.session.get(Procedure, request.procedure_id)
        subject = uow.session.get(DataSubject, request.subject_id)
        assert procedure is not None and subject is not None
        kind = RequestKind(request.kind)
        record(
            uow,
            actor,
            procedure,
            subject,
            operation="read",
            categories=["avg_verzoek"],
            fact_count=0,
            purpose="Behandeling van een AVG-verzoek van de betrokkene",
            legal_grounds=[LEGAL_GROUND[kind]],
        )
        return request
