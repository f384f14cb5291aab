"""Error pages for people: the same errors as `api.errors`, as an HTML page when a browser asks for one.

Content negotiation decides: a request outside the REST API (`/api/…`) whose `Accept` header prefers
`text/html` over JSON (every browser's navigation does; curl's `*/*` does not) gets a page with a title,
the page language and the site's layout; everything else keeps `application/problem+json`.
"""

from __future__ import annotations

from typing import Any

from flask import g, render_template, request
from flask_babel import lazy_gettext

# Pages (error pages too) load scripts and styles only from this server (npm packages included);
# bpmn-js and htmx set inline style attributes, hence 'unsafe-inline' for styles only.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

# Paths that are machine interfaces whatever the client accepts.
MACHINE_PREFIXES = ("/api/", "/healthz", "/readyz", "/metrics")
_OFFERS = ("application/problem+json", "application/json", "text/html")

PAGE_TITLES: dict[int, Any] = {
    400: lazy_gettext("The request is not valid"),
    401: lazy_gettext("Log in first"),
    403: lazy_gettext("Not allowed"),
    404: lazy_gettext("Page not found"),
    405: lazy_gettext("Not possible on this page"),
    410: lazy_gettext("No longer available"),
    413: lazy_gettext("The upload is too large"),
    429: lazy_gettext("Too many attempts"),
    500: lazy_gettext("Something went wrong on our side"),
    503: lazy_gettext("The service is unavailable"),
}
EXPLANATIONS: dict[int, Any] = {
    401: lazy_gettext("This page is only for people who are logged in."),
    403: lazy_gettext("You may not do or see this with your role. Ask your manager if you think you should."),
    404: lazy_gettext(
        "The page or item does not exist, or it belongs to another municipality. Check the address."
    ),
    410: lazy_gettext(
        "This item existed but has been removed, for example because its retention period ended."
    ),
    429: lazy_gettext("Wait a quarter of an hour and try again."),
    500: lazy_gettext(
        "The error has been recorded. Nothing you typed was saved; go back and try again in a moment."
    ),
    503: lazy_gettext("Try again in a moment."),
}


def wants_html() -> bool:
    """A browser asking for a page (not the REST API, not a script asking for JSON)."""
    if request.path.startswith(MACHINE_PREFIXES) or request.path.endswith(".json") or request.is_json:
        return False
    if request.headers.get("HX-Request") == "true":
        return False
    best = request.accept_mimetypes.best_match(_OFFERS)
    return best == "text/html"


def page_title(status: int) -> str:
    found = PAGE_TITLES.get(status) or PAGE_TITLES.get(500 if status >= 500 else 400)
    return str(found)


def error_page(status: int, message: str | None = None, code: str | None = None) -> tuple[str, int]:
    """The error page for `status`; `message` (already in the reader's language) replaces the title
    when the error says more than its status (e.g. "Someone else has this task")."""
    g.wams_error_page = True  # the layout shows who is logged in on pages outside the web blueprint too
    explanation = EXPLANATIONS.get(status) or EXPLANATIONS.get(500 if status >= 500 else 0)
    html = render_template(
        "web/error.html",
        status=status,
        title=message or page_title(status),
        explanation=str(explanation) if explanation else None,
        code=code,
    )
    return html, status


def page_headers() -> dict[str, str]:
    """What every page sends (the web blueprint adds the same to its own responses)."""
    return {
        "Content-Security-Policy": CSP,
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }
