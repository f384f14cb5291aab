"""Who is calling: a bearer API token (machines, curl) or the session cookie set by logging in (the
web UI), or an OIDC login that ends in the same session. Deny by default: every view under `/api/v1`
needs an authenticated actor unless it is marked `@public`; what the actor may do is decided by the
engine command the view calls.

Cookie sessions are protected against cross-site requests: the cookie is SameSite=Lax and HttpOnly,
and a state-changing request authenticated by the session must carry the session's CSRF token in the
`X-CSRF-Token` header (or a `csrf_token` form field). Bearer-token requests carry no cookie state and
need no CSRF token.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from flask import Flask, current_app, g, request, session

from engine.access import Actor
from engine.accounts.service import Login, actor_for_session, actor_for_token
from engine.errors import NotAuthenticated, NotAuthorized
from engine.services import Services
from engine.uow import UnitOfWork

F = TypeVar("F", bound=Callable[..., Any])


class CsrfFailed(NotAuthorized):
    code = "csrf_failed"


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"


def services() -> Services:
    found: Services = current_app.extensions["wams"]
    return found


def public(view: F) -> F:
    """Mark a view as reachable without logging in."""
    view._wams_public = True  # type: ignore[attr-defined]
    return view


def _authenticate() -> Actor:
    header = request.headers.get("Authorization")
    if header:
        scheme, _, credential = header.partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            raise NotAuthenticated("use 'Authorization: Bearer <token>'")
        return actor_for_token(services().uow(readonly=True), credential.strip())
    user_id, epoch = session.get("uid"), session.get("epoch")
    if not isinstance(user_id, int) or not isinstance(epoch, int):
        raise NotAuthenticated("log in or send an API token")
    actor = actor_for_session(services().uow(readonly=True), user_id, epoch)
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER) or request.form.get("csrf_token") or ""
        expected = session.get("csrf") or ""
        if not expected or not hmac.compare_digest(str(sent), str(expected)):
            raise CsrfFailed("missing or wrong CSRF token (send the X-CSRF-Token header)")
    return actor


def current_actor() -> Actor:
    """The authenticated actor of this request (raises `NotAuthenticated`)."""
    actor: Actor | None = g.get("wams_actor")
    if actor is None:
        actor = _authenticate()
        g.wams_actor = actor
    return actor


def tenant_uow(*, readonly: bool = False) -> UnitOfWork:
    """A unit of work for this request, on the clock of the caller's municipality (a rehearsal
    tenant's clock runs ahead: engine/rehearsal.py); before login, on the system clock."""
    actor = optional_actor()
    return services().uow(readonly=readonly, tenant_id=actor.tenant_id if actor else None)


def tenant_now() -> datetime:
    """What time it is in the caller's municipality."""
    with tenant_uow(readonly=True) as unit:
        moment: datetime = unit.now()
    return moment


def optional_actor() -> Actor | None:
    try:
        return current_actor()
    except (NotAuthenticated, NotAuthorized):
        return None


def start_session(login: Login) -> str:
    """Remember the login in the session cookie; returns the new CSRF token."""
    session.clear()
    session.permanent = True
    session["uid"] = login.user_id
    session["epoch"] = login.session_epoch
    session["csrf"] = secrets.token_urlsafe(24)
    g.wams_actor = login.actor
    return str(session["csrf"])


def csrf_token() -> str | None:
    token = session.get("csrf")
    return str(token) if token else None


def end_session() -> None:
    session.clear()
    g.pop("wams_actor", None)


def require_login_for_blueprint(app: Flask, prefix: str) -> None:
    """Deny by default: authenticate every request under `prefix` before its view runs."""

    @app.before_request
    def _authenticate_api() -> None:
        if not request.path.startswith(prefix):
            return
        view = app.view_functions.get(request.endpoint or "")
        if view is None or getattr(view, "_wams_public", False):
            return
        current_actor()


def configure_sessions(app: Flask, *, secure: bool) -> None:
    app.config.update(
        SESSION_COOKIE_NAME="wams_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        PERMANENT_SESSION_LIFETIME=8 * 3600,
    )
