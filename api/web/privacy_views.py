"""The privacy officer's (FG) pages: the chain status of the processing log and the security log, the
processing log (per data subject, found by BSN), refused access, medical-confidentiality weighings (the
record of the decision, never the medical data), rights requests and the complaint and incident
registers. Who may open what is the engine's decision (the same functions as the JSON API, and
`supervision` for the FG's own overviews): others get the 403 page; an administrator opens the security
log only."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from engine.errors import InvalidInput
from engine.privacy import queries, security, supervision

from . import bp, common

OPERATIONS = queries.OPERATIONS
PAGE_SIZE = 100


def _page() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


@bp.get("/privacy")
def privacy_home() -> Any:
    """The chains of both logs, verified now."""
    who = common.actor()
    processing = queries.verify_tenant(common.uow(readonly=True), who)
    refused = security.verify_events(common.uow(readonly=True), who)
    return render_template("web/privacy/home.html", processing=processing, refused=refused)


@bp.get("/privacy/log")
def privacy_log() -> Any:
    """The newest lines of the processing log, or one subject's lines by pseudonym."""
    who = common.actor()
    pseudonym = (request.args.get("subject") or "").strip()[:64] or None
    found = queries.query_log(
        common.uow(readonly=True),
        who,
        queries.LogFilter(subject=pseudonym, page=_page(), page_size=PAGE_SIZE),
    )
    return render_template(
        "web/privacy/log.html", page=found, subject=pseudonym, matches=None, operations=OPERATIONS
    )


@bp.post("/privacy/log")
def privacy_log_by_bsn() -> Any:
    """Find a data subject by BSN (posted, so it stays out of URLs and server logs) and show the
    processing of each procedure they are part of. The BSN is not shown back."""
    who = common.actor()
    bsn = request.form.get("bsn", "")
    error = None
    matches: list[tuple[supervision.SubjectMatch, queries.LogPage]] = []
    try:
        for match in supervision.find_by_bsn(common.uow(readonly=True), who, bsn):
            lines = queries.query_log(
                common.uow(readonly=True),
                who,
                queries.LogFilter(subject=match.pseudonym, page_size=queries.MAX_PAGE),
            )
            matches.append((match, lines))
    except InvalidInput as problem:
        error = common.error_message(problem)
    return (
        render_template(
            "web/privacy/log.html",
            page=None,
            subject=None,
            matches=matches,
            bsn_error=error,
            operations=OPERATIONS,
        ),
        422 if error else 200,
    )


@bp.get("/privacy/security-events")
def privacy_security() -> Any:
    who = common.actor()
    outcome = (request.args.get("outcome") or "").strip()[:40] or None
    found = security.query_events(
        common.uow(readonly=True),
        who,
        security.EventFilter(outcome=outcome, page=_page(), page_size=PAGE_SIZE),
    )
    report = security.verify_events(common.uow(readonly=True), who)
    return render_template("web/privacy/security.html", page=found, report=report, outcome=outcome)


@bp.get("/privacy/medical")
def privacy_medical() -> Any:
    weighings = supervision.medical_weighings(common.uow(readonly=True), common.actor())
    return render_template("web/privacy/medical.html", weighings=weighings)


@bp.get("/privacy/requests")
def privacy_requests() -> Any:
    found = supervision.rights_requests(common.uow(readonly=True), common.actor())
    return render_template("web/privacy/requests.html", requests=found)


@bp.get("/privacy/registers")
def privacy_registers() -> Any:
    found = supervision.supervised_registers(lambda: common.uow(readonly=True), common.actor())
    return render_template(
        "web/privacy/registers.html", complaints=found.complaints, incidents=found.incidents
    )
