"""Logging in and out, the language switch, and the start page per role."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from flask import current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext

from engine.accounts import service as accounts
from engine.errors import NotAuthenticated
from engine.roles import Role

from ..auth import end_session, optional_actor, public, start_session
from ..i18n import LANGUAGES
from ..security import record_refusal
from . import bp, common


def _login_token() -> str:
    """A CSRF token for the login form itself (before there is a login): kept in the session."""
    token = session.get("login_csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        session["login_csrf"] = token
    return token


@bp.get("/login")
@public
def login() -> Any:
    if optional_actor() is not None:
        return redirect(common.back(url_for("web.home")))
    return _login_page()


def _login_page(error: str | None = None, username: str = "", status: int = 200) -> Any:
    return (
        render_template(
            "web/login.html",
            error=error,
            username=username,
            login_token=_login_token(),
            next=common.back(""),
            oidc=current_app.extensions.get("wams_oidc") is not None,
        ),
        status,
    )


@bp.post("/login")
@public
def login_post() -> Any:
    username = request.form.get("username", "").strip()
    sent = request.form.get("login_token", "")
    expected = session.get("login_csrf")
    if not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
        return _login_page(gettext("The login page had expired. Please try again."), username, 400)
    try:
        result = accounts.login(common.uow(), username, request.form.get("password", ""))
    except NotAuthenticated as error:
        record_refusal(error, 401, login_name=username)
        return _login_page(gettext("Unknown username or wrong password."), username, 401)
    start_session(result)
    return redirect(common.back(url_for("web.home")))


@bp.post("/logout")
def logout() -> Any:
    common.actor()  # checks the CSRF token
    end_session()
    flash(gettext("You are logged out."), "info")
    return redirect(url_for("web.login"))


@bp.get("/language/<string:code>")
@public
def language(code: str) -> Any:
    response = make_response(redirect(common.back(url_for("web.home"))))
    if code in LANGUAGES:
        response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


@bp.get("/")
def home() -> Any:
    """Managers land on the dashboard, designers in the designer, everyone else in the inbox."""
    who = common.actor()
    if who.has(Role.MANAGER):
        return redirect(url_for("web.dashboard"))
    if who.has(Role.PROCESS_DESIGNER) and not who.has(Role.MELDPUNT, Role.ASSESSOR, Role.COORDINATOR):
        return redirect(url_for("web.designer"))
    return redirect(url_for("web.inbox"))
