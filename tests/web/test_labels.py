"""Labels on the pages: an article still to be verified is not presented to a worker as law, but is
shown as such to a process designer; codes are shown by name; the English switch names the task."""

from __future__ import annotations

import re

from engine.accounts.service import add_user
from engine.roles import Role

from .conftest import PASSWORD, TENANT, Browser, _password_hash
from .test_pages import _open_task, _start


def test_unverified_articles_labels_and_english(app, uow, browser: Browser, other_browser: Browser) -> None:
    with uow() as unit:
        user = add_user(
            unit, TENANT, f"designer-assessor.{TENANT}", roles=[Role.ASSESSOR, Role.PROCESS_DESIGNER]
        )
        user.password_hash = _password_hash()
        unit.commit()
    browser.login(Role.MELDPUNT)
    procedure_id = _start(browser)
    other_browser.login(Role.ASSESSOR)
    task_id = _open_task(other_browser, procedure_id)

    worker = other_browser.get(f"/tasks/{task_id}").text
    legal = re.search(r'<aside class="legal".*?</aside>', worker, re.S)
    assert legal and "Wmo 2015 (gewijzigd door de Wams)" in legal.group(0)
    # meervoudige_problematiek: "definitiebepaling (te verifiëren)" is not an article a worker may cite.
    assert "verifi" not in worker and "definitiebepaling" not in worker and "vast te stellen" not in worker
    procedure = other_browser.get(f"/procedures/{procedure_id}").text
    assert "Hulpvraag of verzoek van de cliënt zelf" in procedure and "client_verzoek" not in procedure
    assert "grondslag: meldpunt" not in procedure and "art. 2.2.5" in procedure
    english = other_browser.get(f"/tasks/{task_id}?lang=en").text
    assert "<h1>Fill in the multiple-problems checklist</h1>" in english
    assert "Problems in the social domain" in english

    designer = Browser(app.test_client())
    page = designer.client.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert token
    designer.client.post(
        "/login",
        data={"username": f"designer-assessor.{TENANT}", "password": PASSWORD, "login_token": token.group(1)},
    )
    expert = designer.get(f"/tasks/{task_id}").text
    assert "definitiebepaling (te verifiëren)" in expert and "artikel nog te verifiëren" in expert
