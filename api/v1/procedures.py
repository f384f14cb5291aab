"""Procedures: start (the melding), list with filters, detail with timeline and case data, cancel,
send a message."""

from __future__ import annotations

import uuid
from typing import Any

from flask_smorest import Blueprint

from engine.procedures import listing
from engine.procedures import service as procedures

from ..auth import current_actor
from ..schemas.work import (
    CancelSchema,
    MessageSchema,
    ProcedureDetailSchema,
    ProcedureListArgs,
    ProcedurePageSchema,
    ProcedureSchema,
    ProcedureStartSchema,
)
from .common import errors, svc, uow
from .tasks import case_document

blp = Blueprint("procedures", __name__, description="Wams procedures (cases)")


def _item(item: listing.ProcedureItem) -> dict[str, Any]:
    return {**item.header, "open_tasks": item.open_tasks, "overdue": item.overdue}


@blp.route("/procedures", methods=["POST"])
@blp.arguments(ProcedureStartSchema())
@blp.response(201, ProcedureSchema)
@errors(blp, 403, 404, 409, 422)
def start(body: dict[str, Any]) -> Any:
    """Start a procedure with the melding: ingang, person, household, reporter and initial facts, as
    the process's start form describes them (GET /process-definitions/{process_id}/start-form)."""
    services = svc()
    procedure = procedures.start_procedure(
        uow(), services.runtime, current_actor(), body["data"], process_id=body["process_id"]
    )
    return procedure, 201, {"Location": f"/api/v1/procedures/{procedure.id}"}


@blp.route("/procedures", methods=["GET"])
@blp.arguments(ProcedureListArgs(), location="query")
@blp.response(200, ProcedurePageSchema)
@errors(blp, 403, 422)
def list_procedures(args: dict[str, Any]) -> Any:
    """Procedures of your municipality: filter on status, phase, coordinator, overdue work and start
    date; sorted and paged."""
    page = listing.list_procedures(uow(readonly=True), current_actor(), listing.ProcedureFilter(**args))
    return {
        "items": [_item(i) for i in page.items],
        "total": page.total,
        "page": page.page,
        "page_size": page.page_size,
    }


@blp.route("/procedures/<uuid:procedure_id>", methods=["GET"])
@blp.response(200, ProcedureDetailSchema)
@errors(blp, 403, 404)
def detail(procedure_id: uuid.UUID) -> Any:
    """Status, phase and open tasks, the timeline from the event log, and the case data you may see."""
    found = listing.procedure_detail(uow(readonly=True), current_actor(), procedure_id)
    return {
        **found.header,
        "instance_status": found.instance_status,
        "current_steps": found.current_steps,
        "open_tasks": found.open_tasks,
        "timeline": found.timeline,
        "timeline_truncated": found.timeline_truncated,
        "case": case_document(found.case),
    }


@blp.route("/procedures/<uuid:procedure_id>/cancel", methods=["POST"])
@blp.arguments(CancelSchema())
@blp.response(200, ProcedureSchema)
@errors(blp, 403, 404, 409, 422)
def cancel(body: dict[str, Any], procedure_id: uuid.UUID) -> Any:
    """Cancel a procedure with a reason (coordinator or manager): open tasks close, the reason is recorded."""
    return procedures.cancel_procedure(uow(), svc().runtime, current_actor(), procedure_id, body["reason"])


@blp.route("/procedures/<uuid:procedure_id>/messages/<string:name>", methods=["POST"])
@blp.arguments(MessageSchema())
@blp.response(200, ProcedureSchema)
@errors(blp, 403, 404, 409, 422)
def message(body: dict[str, Any], procedure_id: uuid.UUID, name: str) -> Any:
    """Send a named message to the running procedure (e.g. `client_withdraws`)."""
    return procedures.send_procedure_message(
        uow(), svc().runtime, current_actor(), procedure_id, name, body["payload"]
    )
