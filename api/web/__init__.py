"""The web UI: server-rendered pages for frontline workers, managers and process designers.

Thin views, like the REST API's: each parses its input, calls one engine function with the logged-in
actor and renders the result or maps a domain error to a page or a message. Every page needs a login
except those marked `public`; the session and CSRF rules are the API's (`api.auth`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    redirect,
    request,
    url_for,
)
from flask_babel import gettext
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from engine.errors import DomainError, NotAuthenticated, NotFound
from engine.rehearsal import REHEARSAL
from engine.roles import Role
from engine.tenancy import get_tenant

from ..auth import CsrfFailed, csrf_token, current_actor
from ..error_pages import CSP, error_page
from ..errors import domain_error_response, http_error_response, problem, status_of
from ..security import record_refusal
from . import common, labels, vendor
from .forms import walk

bp = Blueprint("web", __name__)


def _wants_json() -> bool:
    return request.is_json or request.path.endswith(".json")


@bp.before_request
def _require_login() -> Any:
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or getattr(view, "_wams_public", False):
        return None
    try:
        current_actor()
    except NotAuthenticated as error:
        record_refusal(error, 401)
        if _wants_json():
            return problem(401, "not_authenticated")
        return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
    except CsrfFailed as error:
        record_refusal(error, 403)
        message = gettext("Your session has expired or the page was old. Please try again.")
        if _wants_json():
            return problem(403, error.code, message, extra={"message": message})
        flash(message, "error")
        return redirect(common.safe_next(_local(request.referrer), url_for("web.home")))
    return None


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")  # pages hold personal data
    return response


def _local(url: str | None) -> str:
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return ""
    return parts.path + (f"?{parts.query}" if parts.query else "")


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError) -> Any:
    """Domain errors on pages: a login page, a page saying what is wrong, or (after a post that could
    not be done, e.g. someone else claimed the task first) the page before with a message."""
    if isinstance(error, NotAuthenticated):
        record_refusal(error, 401)
        return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
    status = status_of(error)
    if request.url_rule is not None:  # not for a path no page has
        record_refusal(error, status)
    message = common.error_message(error)
    if _wants_json():  # the page's scripts read `message` (and `issues`) beside the problem
        return domain_error_response(error, extra={"message": message})
    if request.method == "POST" and status not in (403, 404):
        flash(message, "error")
        return redirect(common.back(request.path))
    # A plain "not found" or "not allowed" gets its page's own title; a more telling error its message.
    plain = error.code in ("not_found", "not_authorized")
    return error_page(status, None if plain else message, error.code)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Any:
    status = error.code or 500
    if status == 404:
        return _domain_error(NotFound("not found"))
    if _wants_json():
        return http_error_response(error)
    return error_page(status)


@bp.errorhandler(Exception)
def _unexpected(error: Exception) -> Any:
    current_app.logger.exception("unexpected error on %s %s", request.method, request.path, exc_info=error)
    message = gettext("Something went wrong on our side")
    if _wants_json():
        return problem(500, "internal_error", extra={"message": message})
    return error_page(500)


def _tenant_name(tenant_id: str) -> tuple[str, Any]:
    """The municipality's name and, for a rehearsal municipality, what time it is there."""
    try:
        with common.uow(readonly=True) as unit:
            tenant = get_tenant(unit, tenant_id)
            return tenant.name, (unit.now() if tenant.kind == REHEARSAL else None)
    except NotFound:
        return tenant_id, None


def _context() -> dict[str, Any]:
    user = None
    if request.blueprint == "web" or g.get("wams_error_page"):
        try:
            user = current_actor()
        except DomainError:
            user = None
    if user is not None and "wams_tenant_name" not in g:
        g.wams_tenant_name, g.wams_rehearsal_now = _tenant_name(user.tenant_id)
    return {
        "user": user,
        "tenant_name": g.get("wams_tenant_name"),
        # Set in a rehearsal municipality: the banner on every page says what time it is there.
        "rehearsal_now": g.get("wams_rehearsal_now"),
        "clock_steps": common.CLOCK_STEPS,
        "csrf_token": csrf_token,
        "role_name": common.role_name,
        "when": common.when,
        "local_input": common.local_input,
        "hours": common.hours,
        "lang": common.language(),
        "Role": Role,
    }


def register(app: Flask) -> None:
    from . import (  # noqa: F401
        auth_views,
        clock_views,
        dashboard_views,
        designer_panel,
        designer_views,
        migration_views,
        privacy_views,
        procedure_views,
        task_views,
    )

    app.register_blueprint(bp)
    app.register_blueprint(vendor.bp)
    app.context_processor(_context)
    app.add_template_global(walk, "walk")
    labels.install(app)
