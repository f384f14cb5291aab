"""Logging in and out, who am I, API tokens, and the municipality's accounts."""

from __future__ import annotations

from typing import Any

from flask import current_app, redirect, request, session, url_for
from flask_smorest import Blueprint

from engine.accounts import service as accounts
from engine.accounts.oidc import ClaimMapping, oidc_login
from engine.errors import NotAuthenticated, NotFound

from ..auth import csrf_token, current_actor, end_session, public, start_session
from ..errors import status_of
from ..schemas.accounts import (
    AccountSchema,
    IssuedTokenSchema,
    LoginSchema,
    MeSchema,
    SessionSchema,
    TokenCreateSchema,
    TokenSchema,
    UserCreateSchema,
    UserListArgs,
)
from ..security import record_refusal
from .common import errors, svc, uow

blp = Blueprint("accounts", __name__, description="Login sessions, API tokens and accounts")


def _me() -> dict[str, Any]:
    actor = current_actor()
    return {
        "username": actor.username,
        "display_name": actor.display_name,
        "tenant_id": actor.tenant_id,
        "roles": sorted(r.value for r in actor.roles),
        "party": actor.party,
    }


@blp.route("/session", methods=["POST"])
@blp.arguments(LoginSchema())
@blp.response(200, SessionSchema)
@errors(blp, 422)
@blp.doc(security=[])
@public
def login(body: dict[str, Any]) -> Any:
    """Log in with a username and password: sets the session cookie, returns the CSRF token."""
    try:
        result = accounts.login(uow(), body["username"], body["password"])
    except NotAuthenticated as error:
        record_refusal(error, status_of(error), login_name=body["username"])
        raise
    token = start_session(result)
    return {"user": _me(), "csrf_token": token}


@blp.route("/session", methods=["GET"])
@blp.response(200, SessionSchema)
@errors(blp)
def session_info() -> Any:
    """The logged-in account (session or token) and, for a session, its CSRF token."""
    return {"user": _me(), "csrf_token": csrf_token()}


@blp.route("/session", methods=["DELETE"])
@blp.response(204)
@errors(blp)
def logout() -> Any:
    """Log out (ends the session cookie)."""
    current_actor()
    end_session()
    return None


@blp.route("/me", methods=["GET"])
@blp.response(200, MeSchema)
@errors(blp)
def me() -> Any:
    """Who you are: account, municipality, roles and party."""
    return _me()


@blp.route("/session/oidc", methods=["GET"])
@blp.response(302)
@errors(blp, 404)
@blp.doc(security=[])
@public
def oidc_start() -> Any:
    """Start an OIDC login at the configured identity provider (404 when OIDC is not configured)."""
    client = current_app.extensions.get("wams_oidc")
    if client is None:
        raise NotFound("OIDC login is not configured")
    session["oidc_next"] = _local_target(request.args.get("next"))
    return client.authorize_redirect(url_for("accounts.oidc_callback", _external=True))


@blp.route("/session/oidc/callback", methods=["GET"])
@blp.response(302)
@errors(blp, 403, 404)
@blp.doc(security=[])
@public
def oidc_callback() -> Any:
    """Where the identity provider sends the browser back; maps the claims and starts the session."""
    client = current_app.extensions.get("wams_oidc")
    if client is None:
        raise NotFound("OIDC login is not configured")
    try:
        token = client.authorize_access_token()
    except Exception as exc:  # Authlib raises its own error types for every protocol failure
        raise NotAuthenticated("the identity provider did not confirm the login") from exc
    claims = token.get("userinfo") or client.userinfo()
    settings = svc().settings
    mapping = ClaimMapping(settings.oidc_roles_claim, settings.oidc_tenant_claim, settings.oidc_party_claim)
    target = session.get("oidc_next") or "/"
    start_session(oidc_login(uow(), claims, mapping))
    return redirect(_local_target(target))


def _local_target(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@blp.route("/tokens", methods=["GET"])
@blp.response(200, TokenSchema(many=True))
@errors(blp)
def list_tokens() -> Any:
    """Your API tokens (an admin sees all of the municipality)."""
    return accounts.list_tokens(uow(), current_actor())


@blp.route("/tokens", methods=["POST"])
@blp.arguments(TokenCreateSchema())
@blp.response(201, IssuedTokenSchema)
@errors(blp, 403, 404, 422)
def create_token(body: dict[str, Any]) -> Any:
    """Issue an API token (for yourself; an admin also for another account). The secret is shown once."""
    issued = accounts.issue_token(
        uow(), current_actor(), body["name"], username=body.get("username"), expires_at=body.get("expires_at")
    )
    return {**{name: getattr(issued.token, name) for name in TokenSchema().fields}, "token": issued.secret}


@blp.route("/tokens/<int(max=2147483647):token_id>", methods=["DELETE"])
@blp.response(204)
@errors(blp, 404)
def revoke_token(token_id: int) -> Any:
    """Revoke a token."""
    accounts.revoke_token(uow(), current_actor(), token_id)
    return None


@blp.route("/users", methods=["GET"])
@blp.arguments(UserListArgs(), location="query")
@blp.response(200, AccountSchema(many=True))
@errors(blp, 403, 422)
def list_users(args: dict[str, Any]) -> Any:
    """Active accounts of the municipality, optionally with one role (for assigning work)."""
    return accounts.list_users(uow(), current_actor(), role=args.get("role"))


@blp.route("/users", methods=["POST"])
@blp.arguments(UserCreateSchema())
@blp.response(201, AccountSchema)
@errors(blp, 403, 409, 422)
def create_user(body: dict[str, Any]) -> Any:
    """Create a local account in your municipality (admin)."""
    return accounts.create_user(uow(), current_actor(), **body)
