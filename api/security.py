"""Refused requests into the security log (`engine.privacy.security`): the error handlers of the API and
the pages call `record_refusal` when they answer 401, 403 or 404 for a domain error, the login views
when a login fails. At most one event per request; a failure to write it is logged and does not change
the answer the caller gets."""

from __future__ import annotations

from flask import current_app, g, request

from engine.accounts.service import TooManyAttempts
from engine.errors import DomainError, NotAuthenticated, NotAuthorized, NotFound
from engine.monitoring.metrics import SECURITY_LOG_EVENTS
from engine.privacy.security import Refusal
from engine.privacy.security import record_refusal as append

from .auth import services

REFUSALS = (NotFound, NotAuthorized, NotAuthenticated)


def is_refusal(error: DomainError) -> bool:
    return isinstance(error, REFUSALS)


def outcome_of(error: DomainError, *, login: bool) -> str:
    if isinstance(error, TooManyAttempts):
        return "too_many_attempts"
    if login and isinstance(error, NotAuthenticated):
        return "login_failed"
    return error.code


def record_refusal(error: DomainError, status: int, *, login_name: str | None = None) -> None:
    """Remember that this request was refused (see the module docstring)."""
    if not is_refusal(error) or g.get("wams_refusal_recorded"):
        return
    g.wams_refusal_recorded = True
    rule = request.url_rule
    refusal = Refusal(
        outcome=outcome_of(error, login=login_name is not None),
        status=status,
        operation=f"{request.method} {request.endpoint or '(unmatched)'}",
        target=rule.rule if rule is not None else "(unmatched)",
        # Only the ids the route names; the query string and the body are never looked at.
        target_ids=dict(request.view_args or {}),
        actor=g.get("wams_actor"),
        login_name=login_name,
    )
    try:
        event = append(services().uow(), refusal)
    except Exception:  # the caller's answer must not depend on the log; the operator must see it
        current_app.logger.exception("could not write the security event for %s", refusal.operation)
        return
    SECURITY_LOG_EVENTS.labels(event.outcome).inc()
