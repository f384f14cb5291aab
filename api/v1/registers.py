"""Registers: complaints (klachtenmeldpunt Wams), privacy incidents, and further processing for
another purpose (art. 5.4.3(4)), which is granted only when every cumulative condition is confirmed
with a motivation."""

from __future__ import annotations

import uuid
from typing import Any

from flask_smorest import Blueprint

from engine.privacy import further, registers

from ..auth import current_actor
from .common import errors, uow
from .privacy_schemas import (
    ComplaintCloseSchema,
    ComplaintCreateSchema,
    ComplaintListArgs,
    ComplaintSchema,
    ComplaintSummarySchema,
    ConditionSchema,
    FollowUpSchema,
    FurtherCreateSchema,
    FurtherListArgs,
    FurtherSchema,
    IncidentAssessSchema,
    IncidentCreateSchema,
    IncidentListArgs,
    IncidentSchema,
)

blp = Blueprint("registers", __name__, description="Complaints, privacy incidents, further processing")


# --- complaints -----------------------------------------------------------------------------------


@blp.route("/privacy/complaints", methods=["POST"])
@blp.arguments(ComplaintCreateSchema)
@blp.response(201, ComplaintSummarySchema)
@errors(blp, 403, 404, 422)
def register_complaint(body: dict[str, Any]) -> Any:
    """Register a complaint of a client or family member: who, the nature, what it is about."""
    return registers.register_complaint(uow(), current_actor(), **body)


@blp.route("/privacy/complaints", methods=["GET"])
@blp.arguments(ComplaintListArgs, location="query")
@blp.response(200, ComplaintSummarySchema(many=True))
@errors(blp, 403, 422)
def list_complaints(args: dict[str, Any]) -> Any:
    """Complaints of your municipality, newest first (without their descriptions)."""
    return registers.list_complaints(uow(readonly=True), current_actor(), **args)


@blp.route("/privacy/complaints/<uuid:complaint_id>", methods=["GET"])
@blp.response(200, ComplaintSchema)
@errors(blp, 403, 404)
def get_complaint(complaint_id: uuid.UUID) -> Any:
    """One complaint with its description and follow-up (logged as a read of the complainant's data)."""
    return registers.read_complaint(uow(readonly=True), current_actor(), complaint_id)


@blp.route("/privacy/complaints/<uuid:complaint_id>/follow-up", methods=["POST"])
@blp.arguments(FollowUpSchema)
@blp.response(200, ComplaintSummarySchema)
@errors(blp, 403, 404, 422)
def follow_up_complaint(body: dict[str, Any], complaint_id: uuid.UUID) -> Any:
    """Add a follow-up note; the complaint is then in progress."""
    return registers.follow_up_complaint(uow(), current_actor(), complaint_id, body["text"])


@blp.route("/privacy/complaints/<uuid:complaint_id>/close", methods=["POST"])
@blp.arguments(ComplaintCloseSchema)
@blp.response(200, ComplaintSummarySchema)
@errors(blp, 403, 404, 409, 422)
def close_complaint(body: dict[str, Any], complaint_id: uuid.UUID) -> Any:
    """Close the complaint with its outcome and explanation."""
    outcome, explanation = body["outcome"], body["explanation"]
    return registers.close_complaint(uow(), current_actor(), complaint_id, outcome, explanation)


# --- privacy incidents ----------------------------------------------------------------------------


@blp.route("/privacy/incidents", methods=["POST"])
@blp.arguments(IncidentCreateSchema)
@blp.response(201, IncidentSchema)
@errors(blp, 404, 422)
def register_incident(body: dict[str, Any]) -> Any:
    """Report a privacy incident at once (anyone): what happened, when, whom it affects (subject keys
    of a procedure; stored as pseudonyms). The AP must hear of a datalek within 72 hours."""
    return registers.register_incident(uow(), current_actor(), **body)


@blp.route("/privacy/incidents", methods=["GET"])
@blp.arguments(IncidentListArgs, location="query")
@blp.response(200, IncidentSchema(many=True))
@errors(blp, 403, 422)
def list_incidents(args: dict[str, Any]) -> Any:
    """Privacy incidents of your municipality (privacy officer), newest first."""
    return registers.list_incidents(uow(readonly=True), current_actor(), **args)


@blp.route("/privacy/incidents/<uuid:incident_id>", methods=["GET"])
@blp.response(200, IncidentSchema)
@errors(blp, 403, 404)
def get_incident(incident_id: uuid.UUID) -> Any:
    return registers.get_incident(uow(readonly=True), current_actor(), incident_id)


@blp.route("/privacy/incidents/<uuid:incident_id>/assess", methods=["POST"])
@blp.arguments(IncidentAssessSchema)
@blp.response(200, IncidentSchema)
@errors(blp, 403, 404, 409, 422)
def assess_incident(body: dict[str, Any], incident_id: uuid.UUID) -> Any:
    """Record the assessment: reported to the AP (with its reference) or, motivated, not."""
    return registers.assess_incident(uow(), current_actor(), incident_id, **body)


@blp.route("/privacy/incidents/<uuid:incident_id>/follow-up", methods=["POST"])
@blp.arguments(FollowUpSchema)
@blp.response(200, IncidentSchema)
@errors(blp, 403, 404, 422)
def follow_up_incident(body: dict[str, Any], incident_id: uuid.UUID) -> Any:
    return registers.follow_up_incident(uow(), current_actor(), incident_id, body["text"])


@blp.route("/privacy/incidents/<uuid:incident_id>/close", methods=["POST"])
@blp.arguments(FollowUpSchema)
@blp.response(200, IncidentSchema)
@errors(blp, 403, 404, 409, 422)
def close_incident(body: dict[str, Any], incident_id: uuid.UUID) -> Any:
    """Close an assessed incident with a final note."""
    return registers.close_incident(uow(), current_actor(), incident_id, body["text"])


# --- further processing ---------------------------------------------------------------------------


@blp.route("/privacy/procedures/<uuid:procedure_id>/further-processing/conditions", methods=["GET"])
@blp.response(200, ConditionSchema(many=True))
@errors(blp, 403, 404)
def further_conditions(procedure_id: uuid.UUID) -> Any:
    """The cumulative conditions of art. 5.4.3(4) as the procedure's policy words them."""
    return list(further.conditions_for(uow(readonly=True), current_actor(), procedure_id))


@blp.route("/privacy/further-processing", methods=["POST"])
@blp.arguments(FurtherCreateSchema)
@blp.response(201, FurtherSchema)
@errors(blp, 403, 404, 422)
def request_further(body: dict[str, Any]) -> Any:
    """Ask to process data for another purpose: 201 when every condition is confirmed with a
    motivation; otherwise 403 `further_processing_refused` naming the missing conditions (the refusal
    is kept and logged)."""
    confirmations = {
        key: further.Confirmation(value["confirmed"], value.get("motivation"))
        for key, value in body.pop("conditions").items()
    }
    procedure_id = body.pop("procedure_id")
    return further.request_further_processing(
        uow(), current_actor(), procedure_id, confirmations=confirmations, **body
    )


@blp.route("/privacy/further-processing", methods=["GET"])
@blp.arguments(FurtherListArgs, location="query")
@blp.response(200, FurtherSchema(many=True))
@errors(blp, 403, 422)
def list_further(args: dict[str, Any]) -> Any:
    return further.list_further(uow(readonly=True), current_actor(), **args)


@blp.route("/privacy/further-processing/<uuid:request_id>", methods=["GET"])
@blp.response(200, FurtherSchema)
@errors(blp, 403, 404)
def get_further(request_id: uuid.UUID) -> Any:
    return further.get_further(uow(readonly=True), current_actor(), request_id)
