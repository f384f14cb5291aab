"""Reading the processing log: the privacy officer's queries and chain check, and the inzage export
that lists for a data subject their data and every processing of them (who, when, why, on which ground).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..access import Actor
from ..db.paging import clamp_page, count_rows, one_page, where_equal
from ..errors import InvalidInput
from ..procedures.models import DataSubject, Fact, Procedure
from ..rehearsal import REHEARSAL
from ..roles import DUTCH_NAMES, Role
from ..tenancy import Tenant, get_tenant
from ..uow import UnitOfWork
from .catalogue import Catalogue, catalogue_for_procedure
from .chain import ChainReport
from .disclosure import ground_text, record
from .gdpr import LEGAL_GROUND, get_request
from .log import verify_chain
from .models import ProcessingLogEntry
from .status import RequestKind, RequestStatus

FG = (Role.PRIVACY_OFFICER,)
EXPORTERS = (Role.COORDINATOR, Role.PRIVACY_OFFICER)
MAX_PAGE = 500
OPERATIONS = {
    "collect": "verzameld (vastgelegd bij melding of aanlevering)",
    "read": "ingezien",
    "disclose": "verstrekt aan een partij",
    "export": "verstrekt aan de betrokkene (inzage)",
    "correct": "gecorrigeerd",
    "erase": "vernietigd",
    "restrict": "verwerking beperkt",
    "further_processing": "verder verwerkt voor een ander doel",
    "further_processing_refused": "verdere verwerking gevraagd en geweigerd",
}


@dataclass
class LogFilter:
    procedure_id: uuid.UUID | None = None
    subject: str | None = None
    actor: str | None = None
    party: str | None = None
    operation: str | None = None
    trace_id: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    page: int = 1
    page_size: int = 100


@dataclass
class LogPage:
    items: list[ProcessingLogEntry]
    total: int
    page: int
    page_size: int
    # The times are a rehearsal municipality's clock (engine/rehearsal.py), not the real time.
    rehearsal_time: bool = False


def query_log(uow: UnitOfWork, actor: Actor, filters: LogFilter) -> LogPage:
    """The privacy officer's view of the log: filter on procedure, subject (pseudonym), user, party,
    operation, trace and period; newest first."""
    actor.require(*FG)
    page, page_size = clamp_page(filters.page, filters.page_size, MAX_PAGE)
    entry = ProcessingLogEntry
    with uow:
        query = where_equal(
            select(entry).where(entry.tenant_id == actor.tenant_id),
            [
                (entry.procedure_id, filters.procedure_id),
                (entry.subject_pseudonym, filters.subject),
                (entry.actor, filters.actor),
                (entry.party, filters.party),
                (entry.operation, filters.operation),
                (entry.trace_id, filters.trace_id),
            ],
        )
        if filters.start is not None:
            query = query.where(entry.at >= filters.start)
        if filters.end is not None:
            query = query.where(entry.at < filters.end)
        total = count_rows(uow.session, query)
        items = list(uow.session.scalars(one_page(query.order_by(entry.seq.desc()), page, page_size)))
        rehearsal = get_tenant(uow, actor.tenant_id).kind == REHEARSAL
    return LogPage(items, total, page, page_size, rehearsal)


def verify_tenant(uow: UnitOfWork, actor: Actor) -> ChainReport:
    actor.require(*FG)
    with uow:
        return verify_chain(uow, actor.tenant_id)


def verify_all(uow: UnitOfWork) -> list[ChainReport]:
    """Every tenant's chain (`wams audit verify`)."""
    with uow:
        tenants = list(uow.session.scalars(select(Tenant.id).order_by(Tenant.id)))
        return [verify_chain(uow, tenant) for tenant in tenants]


# --- inzage ---------------------------------------------------------------------------------------


def _who(entry: ProcessingLogEntry, catalogue: Catalogue) -> dict[str, Any]:
    roles = [r for r in entry.roles.split(",") if r]
    names = [DUTCH_NAMES[Role(r)] if r in Role._value2member_map_ else r for r in roles]
    party = catalogue.parties.get(entry.party or "")
    organisation = (party.get("name") if isinstance(party, dict) else None) or entry.party or "Gemeente"
    return {"organisation": organisation, "party": entry.party, "roles": roles, "role_names": names}


def inzage_export(uow: UnitOfWork, actor: Actor, request_id: uuid.UUID) -> dict[str, Any]:
    """For an inzage request: the subject's data in this procedure and every processing of them.
    Staff are named by role and organisation, not by name. The export itself is logged."""
    actor.require(*EXPORTERS)
    with uow:
        request = get_request(uow, actor, request_id)
        if request.kind != RequestKind.INZAGE:
            raise InvalidInput("an export belongs to an inzage request", field="kind")
        if request.status in (RequestStatus.REFUSED, RequestStatus.WITHDRAWN):
            raise InvalidInput(f"the request is {request.status}", field="status")
        procedure = uow.session.get(Procedure, request.procedure_id)
        subject = uow.session.get(DataSubject, request.subject_id)
        assert procedure is not None and subject is not None
        catalogue = catalogue_for_procedure(uow, procedure.id)
        facts = list(
            uow.session.scalars(
                select(Fact).where(Fact.subject_id == subject.id, Fact.erased_at.is_(None)).order_by(Fact.id)
            )
        )
        entries = list(
            uow.session.scalars(
                select(ProcessingLogEntry)
                .where(
                    ProcessingLogEntry.tenant_id == procedure.tenant_id,
                    ProcessingLogEntry.subject_pseudonym == subject.pseudonym,
                )
                .order_by(ProcessingLogEntry.seq)
            )
        )
        export = {
            "request": {"id": str(request.id), "received_at": request.received_at.isoformat()},
            "procedure": {"reference": procedure.reference, "status": procedure.status},
            "subject": {"kind": subject.kind, "label": subject.label, "pseudonym": subject.pseudonym},
            "generated_at": uow.now().isoformat(),
            "data": [
                {
                    "field": f.field,
                    "label": f.label,
                    "category": f.category,
                    "domain": f.domain,
                    "value": f.value,
                    "source": f.source_party or "gemeente",
                    "legal_ground": ground_text(catalogue, f.legal_ground),
                    "purpose": f.purpose,
                    "conditions": f.conditions,
                    "recorded_at": f.recorded_at.isoformat(),
                }
                for f in facts
            ],
            "processing": [
                {
                    "at": e.at.isoformat(),
                    "operation": e.operation,
                    "description": OPERATIONS.get(e.operation, e.operation),
                    "who": _who(e, catalogue),
                    "purpose": e.purpose,
                    "legal_grounds": e.legal_grounds,
                    "categories": e.categories,
                    "trace_id": e.trace_id,
                }
                for e in entries
            ],
            # Recipients (art. 15(1)(c)): parties the data went to, not parties that supplied them.
            "recipients": sorted({e.party for e in entries if e.party and e.operation != "collect"}),
        }
        record(
            uow,
            actor,
            procedure,
            subject,
            operation="export",
            categories={f.category for f in facts} or {"verwerkingenlog"},
            fact_count=len(facts),
            purpose="Inzage door de betrokkene (recht op inzage)",
            legal_grounds=[LEGAL_GROUND[RequestKind.INZAGE]],
        )
        return export
