"""Privacy: the processing log for the privacy officer (query, chain check), the security log (refused
access), GDPR requests of data subjects with the inzage export (JSON and a readable page), and the
medical professional's release.

Every request (API and web pages) gets a W3C trace id (from a `traceparent` header, or new) that the
processing-log lines written while serving it carry; the response names it in `X-Trace-Id`
(`api.request_log`, which logs the request under the same id).
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, render_template
from flask_smorest import Blueprint

from engine.privacy import gdpr, medical, queries, security

from ..auth import current_actor
from .common import errors, uow
from .privacy_schemas import (
    ChainReportSchema,
    InzageSchema,
    LogArgs,
    LogPageSchema,
    ReasonSchema,
    ReleaseResultSchema,
    ReleaseSchema,
    RequestCreateSchema,
    RequestDecisionSchema,
    RequestListArgs,
    RequestSchema,
    RequestSummarySchema,
    SecurityEventArgs,
    SecurityEventPageSchema,
    SecurityVerifyArgs,
)

blp = Blueprint("privacy", __name__, description="Processing log, GDPR requests and inzage, medical release")
HTML = "text/html"


# --- processing log -------------------------------------------------------------------------------


@blp.route("/privacy/log", methods=["GET"])
@blp.arguments(LogArgs, location="query")
@blp.response(200, LogPageSchema)
@errors(blp, 403, 422)
def log(args: dict[str, Any]) -> Any:
    """The processing log of your municipality (privacy officer): who processed whose data (subject
    pseudonym), when, what, why and on which ground; filter and page, newest first."""
    return queries.query_log(uow(readonly=True), current_actor(), queries.LogFilter(**args))


@blp.route("/privacy/log/verify", methods=["GET"])
@blp.response(200, ChainReportSchema)
@errors(blp, 403)
def verify() -> Any:
    """Recompute your municipality's hash chain: any edited or deleted line is named."""
    report = queries.verify_tenant(uow(readonly=True), current_actor())
    return {**report.__dict__, "ok": report.ok}


# --- security log ---------------------------------------------------------------------------------


@blp.route("/privacy/security-events", methods=["GET"])
@blp.arguments(SecurityEventArgs, location="query")
@blp.response(200, SecurityEventPageSchema)
@errors(blp, 403, 422)
def security_events(args: dict[str, Any]) -> Any:
    """Refused access in your municipality (privacy officer, administrator): who tried what (route
    and ids), how it was answered and when; newest first. `unattributed=true` (administrators): the
    refusals no municipality is known for (no login, a login with an unknown name)."""
    return security.query_events(uow(readonly=True), current_actor(), security.EventFilter(**args))


@blp.route("/privacy/security-events/verify", methods=["GET"])
@blp.arguments(SecurityVerifyArgs, location="query")
@blp.response(200, ChainReportSchema)
@errors(blp, 403, 422)
def verify_security(args: dict[str, Any]) -> Any:
    """Recompute the security log's hash chain: any edited or deleted event is named."""
    report = security.verify_events(uow(readonly=True), current_actor(), unattributed=args["unattributed"])
    return {**report.__dict__, "ok": report.ok}


# --- GDPR requests --------------------------------------------------------------------------------


@blp.route("/privacy/requests", methods=["POST"])
@blp.arguments(RequestCreateSchema)
@blp.response(201, RequestSummarySchema)
@errors(blp, 403, 404, 422)
def register(body: dict[str, Any]) -> Any:
    """Register a data subject's request (inzage, correctie, beperking, bezwaar, wissing): deadline one
    month after receipt, a task for the procedure's coordinator."""
    procedure_id = body.pop("procedure_id")
    kind = body.pop("kind")
    return gdpr.register_request(uow(), current_actor(), procedure_id, kind, **body)


@blp.route("/privacy/requests", methods=["GET"])
@blp.arguments(RequestListArgs, location="query")
@blp.response(200, RequestSummarySchema(many=True))
@errors(blp, 403, 422)
def list_requests(args: dict[str, Any]) -> Any:
    """Requests of your municipality by deadline; `overdue=true` for those past it."""
    return gdpr.list_requests(uow(readonly=True), current_actor(), **args)


@blp.route("/privacy/requests/<uuid:request_id>", methods=["GET"])
@blp.response(200, RequestSchema)
@errors(blp, 403, 404)
def get_request(request_id: uuid.UUID) -> Any:
    """One request with its description (logged as a read of the subject's data)."""
    return gdpr.read_request(uow(readonly=True), current_actor(), request_id)


@blp.route("/privacy/requests/<uuid:request_id>/start", methods=["POST"])
@blp.response(200, RequestSummarySchema)
@errors(blp, 403, 404, 409)
def start(request_id: uuid.UUID) -> Any:
    """Take the request in hand (its task is claimed for you)."""
    return gdpr.start_request(uow(), current_actor(), request_id)


@blp.route("/privacy/requests/<uuid:request_id>/extend", methods=["POST"])
@blp.arguments(ReasonSchema)
@blp.response(200, RequestSummarySchema)
@errors(blp, 403, 404, 422)
def extend(body: dict[str, Any], request_id: uuid.UUID) -> Any:
    """Extend the deadline once by two months, with the reason the subject is told."""
    return gdpr.extend_request(uow(), current_actor(), request_id, body["reason"])


@blp.route("/privacy/requests/<uuid:request_id>/withdraw", methods=["POST"])
@blp.arguments(ReasonSchema)
@blp.response(200, RequestSummarySchema)
@errors(blp, 403, 404, 409, 422)
def withdraw(body: dict[str, Any], request_id: uuid.UUID) -> Any:
    """The subject withdrew the request."""
    return gdpr.withdraw_request(uow(), current_actor(), request_id, body["reason"])


@blp.route("/privacy/requests/<uuid:request_id>/decide", methods=["POST"])
@blp.arguments(RequestDecisionSchema)
@blp.response(200, RequestSummarySchema)
@errors(blp, 403, 404, 409, 422)
def decide(body: dict[str, Any], request_id: uuid.UUID) -> Any:
    """Grant (wholly or partly) or refuse, with a motivation; a granted correctie lists the corrected
    values, a granted wissing erases, a granted beperking or bezwaar hides the data from every view."""
    decision = gdpr.Decision(
        outcome=body["outcome"],
        motivation=body["motivation"],
        fact_ids=body.get("fact_ids"),
        corrections=body.get("corrections"),
    )
    return gdpr.decide_request(uow(), current_actor(), request_id, decision)


@blp.route("/privacy/requests/<uuid:request_id>/lift", methods=["POST"])
@blp.arguments(ReasonSchema)
@blp.response(200, RequestSummarySchema)
@errors(blp, 403, 404, 422)
def lift(body: dict[str, Any], request_id: uuid.UUID) -> Any:
    """Lift a granted beperking or bezwaar."""
    return gdpr.lift_restriction(uow(), current_actor(), request_id, body["reason"])


@blp.route("/privacy/requests/<uuid:request_id>/inzage", methods=["GET"])
@blp.response(200, InzageSchema)
@errors(blp, 403, 404, 422)
def inzage(request_id: uuid.UUID) -> Any:
    """For an inzage request: the subject's data and every processing of them (who, when, why, on
    which ground), as JSON. The export is logged."""
    return queries.inzage_export(uow(readonly=True), current_actor(), request_id)


@blp.route("/privacy/requests/<uuid:request_id>/inzage.html", methods=["GET"])
@blp.response(200, {"type": "string"}, content_type=HTML, description="a printable page for the subject")
@errors(blp, 403, 404, 422)
def inzage_page(request_id: uuid.UUID) -> Any:
    """The same export as a readable page (Dutch) to hand or send to the subject."""
    export = queries.inzage_export(uow(readonly=True), current_actor(), request_id)
    page = render_template("privacy/inzage.html", export=export, operations=queries.OPERATIONS)
    response = Response(page, mimetype=HTML)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- medical release ------------------------------------------------------------------------------


@blp.route("/privacy/procedures/<uuid:procedure_id>/medical-release", methods=["POST"])
@blp.arguments(ReleaseSchema)
@blp.response(200, ReleaseResultSchema(many=True))
@errors(blp, 403, 404, 409, 422)
def release(body: dict[str, Any], procedure_id: uuid.UUID) -> Any:
    """A medical professional shares or withholds medical facts their party provided, motivated."""
    return medical.release_facts(
        uow(), current_actor(), procedure_id, body["fact_ids"], body["decision"], body["motivation"]
    )
