"""Error pages by content negotiation: a browser asking for a page (Accept: text/html) outside the REST
API gets an HTML page with a title, the page language and the site's layout; the API and clients
asking for JSON keep application/problem+json. (tests/e2e/test_pages.py runs axe on these pages.)"""

from __future__ import annotations

import re

import pytest
from flask import abort

from engine.roles import Role

from .conftest import Browser

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
HTML = {"Accept": BROWSER_ACCEPT}


def _title(text: str) -> str:
    found = re.search(r"<title>(.*?)</title>", text, re.S)
    assert found, text
    return found.group(1).strip()


@pytest.fixture
def failing_app(app):
    """Routes that fail the ways a page can: gone (410) and an unexpected error (500)."""

    def gone() -> None:
        abort(410)

    def boom() -> None:
        raise RuntimeError("a bug")

    app.add_url_rule("/test-gone", "test_gone", gone)
    app.add_url_rule("/test-boom", "test_boom", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def test_unknown_page_for_a_browser_is_an_html_page_logged_in_or_not(browser: Browser) -> None:
    anonymous = browser.client.get("/geen-pagina", headers=HTML)
    assert anonymous.status_code == 404 and anonymous.mimetype == "text/html"
    assert '<html lang="nl">' in anonymous.text
    assert _title(anonymous.text).startswith("Pagina niet gevonden")
    assert "<h1>Pagina niet gevonden</h1>" in anonymous.text
    assert 'href="/login"' in anonymous.text and "Uitloggen" not in anonymous.text
    assert "Content-Security-Policy" in anonymous.headers

    browser.login(Role.COORDINATOR)
    known = browser.client.get("/geen-pagina/ook-niet", headers=HTML)
    assert known.status_code == 404 and known.mimetype == "text/html"
    assert "Naar uw werkvoorraad" in known.text and "Uitloggen" in known.text  # the layout, with the menu
    english = browser.client.get("/geen-pagina?lang=en", headers=HTML)
    assert '<html lang="en">' in english.text and _title(english.text).startswith("Page not found")
    # A page of the web UI whose object does not exist: the same page.
    task = browser.client.get("/tasks/00000000-0000-0000-0000-000000000000", headers=HTML)
    assert task.status_code == 404 and "<h1>Pagina niet gevonden</h1>" in task.text


def test_the_api_and_json_clients_keep_problem_json(browser: Browser) -> None:
    for path, headers in [
        ("/api/v1/geen-pagina", HTML),  # the API answers JSON even to a browser
        ("/geen-pagina", {"Accept": "*/*"}),  # curl
        ("/geen-pagina", {"Accept": "application/json"}),
    ]:
        response = browser.client.get(path, headers=headers)
        assert response.status_code == 404, path
        assert response.mimetype == "application/problem+json", (path, headers)
        assert response.json["code"] == "not_found"


def test_forbidden_page(browser: Browser) -> None:
    browser.login(Role.MELDPUNT)
    response = browser.client.get("/dashboard", headers=HTML)
    assert response.status_code == 403 and response.mimetype == "text/html"
    assert _title(response.text).startswith("Niet toegestaan")
    assert "U mag dit met uw rol niet doen of zien" in response.text


def test_gone_and_unexpected_errors(failing_app, browser: Browser) -> None:
    gone = browser.client.get("/test-gone", headers=HTML)
    assert gone.status_code == 410 and _title(gone.text).startswith("Niet meer beschikbaar")
    boom = browser.client.get("/test-boom", headers=HTML)
    assert boom.status_code == 500 and boom.mimetype == "text/html"
    assert _title(boom.text).startswith("Er ging bij ons iets mis") and "a bug" not in boom.text
    as_json = browser.client.get("/test-boom", headers={"Accept": "application/json"})
    assert as_json.status_code == 500 and as_json.mimetype == "application/problem+json"
