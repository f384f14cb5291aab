"""The designer and the modeler are for process designers and administrators: every designer page,
the model files it loads, its validate and deploy calls and the modeler's scripts are called as every
role (and without a login); everyone else is refused, and the refusal is in the security log."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from engine.privacy.models import SecurityEvent
from engine.roles import Role

from .conftest import TENANT, Browser

PAGES = [
    "/designer",
    "/designer/wams_procedure",
    "/designer/wams_procedure/edit",
    "/designer/wams_procedure/versions/1/files/wams_procedure.bpmn",
    "/designer/wams_procedure/forms/melding/preview",
]
CALLS = ["/designer/wams_procedure/validate", "/designer/wams_procedure/deploy"]
ASSETS = [
    "/static/js/designer.js",
    "/vendor/bpmn-js/dist/bpmn-modeler.production.min.js",
    "/vendor/dmn-js/dist/dmn-modeler.production.min.js",
    "/vendor/dmn-js/dist/assets/dmn-js-shared.css",
    "/vendor/bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css",
    "/vendor/.wams/bpmnlint.js",
    "/vendor/.wams/bpmn-modeler.js",
    "/vendor/.wams/bpmn-modeler.css",
    "/vendor/.wams/dmn-modeler.js",
]
OPENERS = {Role.PROCESS_DESIGNER, Role.ADMIN}
NODE_MODULES = Path(__file__).parent.parent.parent / "node_modules"
# What a broken model answers (nothing is deployed); an administrator may look but not deploy.
BROKEN = {"file": "wams_procedure.bpmn", "xml": "<nope/>"}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_designer_pages_and_assets_by_role(app, role):
    browser = Browser(app.test_client())
    browser.login(role)
    for page in PAGES:
        assert browser.get(page).status_code == (200 if role in OPENERS else 403), page
    for call in CALLS:
        status = browser.post_json(call, BROKEN).status_code
        if role == Role.PROCESS_DESIGNER:
            assert status in (200, 422), call
        else:
            assert status == 403, call
    for asset in ASSETS:
        status = browser.client.get(asset).status_code
        if role in OPENERS:
            on_disk = asset.startswith("/static") or (NODE_MODULES / asset.removeprefix("/vendor/")).is_file()
            assert status == (200 if on_disk else 404), asset
        else:
            assert status == 403, asset
    # What every page needs stays open to every logged-in role (the procedure diagram, the inbox).
    assert browser.client.get("/vendor/htmx.org/dist/htmx.min.js").status_code in (200, 404)
    assert browser.client.get("/static/js/diagram.js").status_code == 200
    nav = browser.get("/inbox").text
    assert ('href="/designer"' in nav) == (role in OPENERS)


def test_without_login(app, services):
    client = app.test_client()
    for page in PAGES:
        assert client.get(page).status_code == 302  # to the login page
    for asset in ASSETS:
        assert client.get(asset).status_code == 401
    assert client.get("/static/css/wams.css").status_code == 200  # the login page needs it


def test_a_refused_designer_page_is_a_security_event(app, services):
    browser = Browser(app.test_client())
    browser.login(Role.MELDPUNT)
    assert browser.get("/designer/wams_procedure/edit").status_code == 403
    with services.uow(readonly=True) as unit:
        [event] = unit.session.scalars(select(SecurityEvent)).all()
    assert (event.actor, event.outcome, event.target, event.target_ids) == (
        f"meldpunt.{TENANT}",
        "not_authorized",
        "/designer/<string:process_id>/edit",
        {"process_id": "wams_procedure"},
    )
