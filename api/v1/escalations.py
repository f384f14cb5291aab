"""Escalations for managers (list, resolve with a reason), suspending, resuming and extending a
procedure (coordinators and managers), its running deadlines, and in-app notifications."""

from __future__ import annotations

import uuid
from typing import Any

from flask_smorest import Blueprint

from engine.scheduler import commands, notify

from ..auth import current_actor, services
from .common import errors, uow
from .escalation_schemas import (
    AdjustmentSchema,
    DeadlineSchema,
    EscalationArgs,
    EscalationSchema,
    ExtendSchema,
    NotificationArgs,
    NotificationSchema,
    ResolveSchema,
    ResumeSchema,
    SuspendSchema,
)

blp = Blueprint("escalations", __name__, description="Escalations, suspension and extension, notifications")


@blp.route("/escalations", methods=["GET"])
@blp.arguments(EscalationArgs(), location="query")
@blp.response(200, EscalationSchema(many=True))
@errors(blp, 403, 422)
def list_escalations(args: dict[str, Any]) -> Any:
    """Escalations of your municipality ("procedure loopt te lang"), newest first, with their state."""
    filters = commands.EscalationFilters(
        status=tuple(args["status"]),
        unresolved_only=args["unresolved"],
        level=args.get("level"),
        instance_id=args.get("procedure_id"),
        rule=args.get("rule"),
        limit=args["limit"],
        offset=args["offset"],
    )
    return commands.list_escalations(uow(readonly=True), current_actor(), filters)


@blp.route("/escalations/<uuid:escalation_id>", methods=["GET"])
@blp.response(200, EscalationSchema)
@errors(blp, 403, 404)
def get_escalation(escalation_id: uuid.UUID) -> Any:
    """One escalation."""
    return commands.get_escalation(uow(readonly=True), current_actor(), escalation_id)


@blp.route("/escalations/<uuid:escalation_id>/resolve", methods=["POST"])
@blp.arguments(ResolveSchema())
@blp.response(200, EscalationSchema)
@errors(blp, 403, 404, 409, 422)
def resolve(body: dict[str, Any], escalation_id: uuid.UUID) -> Any:
    """Resolve an escalation with the reason; who resolved it is recorded and its manager task is done."""
    return commands.resolve_escalation(uow(), current_actor(), escalation_id, body["reason"])


@blp.route("/procedures/<uuid:procedure_id>/suspend", methods=["POST"])
@blp.arguments(SuspendSchema())
@blp.response(200, AdjustmentSchema)
@errors(blp, 403, 404, 409, 422)
def suspend(body: dict[str, Any], procedure_id: uuid.UUID) -> Any:
    """Suspend (opschorten) a procedure, e.g. the client is in hospital: deadlines and timers stand still."""
    return commands.suspend_procedure(uow(), current_actor(), procedure_id, body["reason"])


@blp.route("/procedures/<uuid:procedure_id>/resume", methods=["POST"])
@blp.arguments(ResumeSchema())
@blp.response(200, AdjustmentSchema)
@errors(blp, 403, 404, 409, 422)
def resume(body: dict[str, Any], procedure_id: uuid.UUID) -> Any:
    """End the suspension: every running deadline and waiting BPMN timer moves by the time it stood still."""
    runtime = services().runtime
    return commands.resume_procedure(uow(), runtime, current_actor(), procedure_id, body.get("reason"))


@blp.route("/procedures/<uuid:procedure_id>/extend", methods=["POST"])
@blp.arguments(ExtendSchema())
@blp.response(200, AdjustmentSchema)
@errors(blp, 403, 404, 409, 422)
def extend(body: dict[str, Any], procedure_id: uuid.UUID) -> Any:
    """Extend (verlengen) the procedure's deadlines by an ISO period (P14D, P4W), with the reason."""
    return commands.extend_procedure(
        uow(), current_actor(), procedure_id, body["period"], body["reason"], rule=body.get("rule")
    )


@blp.route("/procedures/<uuid:procedure_id>/deadlines", methods=["GET"])
@blp.response(200, DeadlineSchema(many=True))
@errors(blp, 403, 404)
def deadlines(procedure_id: uuid.UUID) -> Any:
    """The procedure's running deadlines (tasks, phase, review) and their escalation level."""
    return commands.list_deadlines(uow(readonly=True), current_actor(), procedure_id)


@blp.route("/procedures/<uuid:procedure_id>/adjustments", methods=["GET"])
@blp.response(200, AdjustmentSchema(many=True))
@errors(blp, 403, 404)
def adjustments(procedure_id: uuid.UUID) -> Any:
    """Suspensions and extensions of the procedure, with reasons and what moved."""
    return commands.list_adjustments(uow(readonly=True), current_actor(), procedure_id)


@blp.route("/notifications", methods=["GET"])
@blp.arguments(NotificationArgs(), location="query")
@blp.response(200, NotificationSchema(many=True))
@errors(blp, 422)
def notifications(args: dict[str, Any]) -> Any:
    """Your notifications: addressed to you or to one of your roles (newest first)."""
    return notify.list_notifications(
        uow(readonly=True), current_actor(), unread_only=args["unread"], limit=args["limit"]
    )


@blp.route("/notifications/<int(min=1, max=9223372036854775807):notification_id>/read", methods=["POST"])
@blp.response(204)
@errors(blp, 404)
def read(notification_id: int) -> Any:
    """Mark a notification as read."""
    notify.mark_read(uow(), current_actor(), notification_id)
    return None
