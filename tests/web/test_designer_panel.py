"""The designer's properties panel gets its pickers from the page: the role catalogue, the version's
forms, its legal grounds with law and article, the settings a due date may name, its phases and
processes, and the element templates; a form's preview is the worker's form, disabled."""

from __future__ import annotations

import json
import re

from engine.roles import Role

from .conftest import Browser


def _panel(browser: Browser, path: str = "/designer/wams_procedure/edit") -> dict:
    page = browser.get(path)
    assert page.status_code == 200
    found = re.search(r'<script type="application/json" id="wams-panel">(.*?)</script>', page.text, re.S)
    assert found, "the page carries no panel configuration"
    return json.loads(found.group(1))


def test_the_panel_configuration_lists_what_the_engine_reads(app) -> None:
    browser = Browser(app.test_client())
    browser.login(Role.PROCESS_DESIGNER)
    panel = _panel(browser)
    catalogue = panel["catalogue"]

    roles = {r["key"]: r["name"] for r in catalogue["roles"]}
    assert roles["assessor"] == "Beoordelaar" and roles["medical_professional"] == "Medisch professional"
    assert "admin" not in roles and "process_designer" not in roles  # they do no procedure work
    forms = {f["key"]: f["title"] for f in catalogue["forms"]}
    assert "beoordeling_checklist" in forms and forms["beoordeling_checklist"] != "beoordeling_checklist"
    ground = next(g for g in catalogue["legalGrounds"] if g["key"] == "onderzoek_verzoek_partij")
    assert ground["law"].startswith("Wmo 2015") and ground["article"] == "2.3a.4" and ground["verified"]
    assert catalogue["settings"]["due.beoordeling"] == "P14D"
    assert {"key": "beoordeling", "name": "Beoordeling"} in catalogue["phases"]
    assert {"wams_procedure", "wams_evaluatie", "wams_afsluiting"} <= set(catalogue["processes"])
    assert {t["id"] for t in panel["templates"]} >= {"nl.wams.afsluiting", "nl.wams.medische-afweging"}
    # Dutch words, through the catalogue (English is one switch away).
    assert panel["labels"]["due"] == "Termijn"
    assert panel["labels"]["aboutParty"] == "Gaat over partij (variabele)"
    assert panel["labels"]["panelStrings"]["General"] == "Algemeen"
    english = _panel(browser, "/designer/wams_procedure/edit?lang=en")
    assert english["labels"]["due"] == "Due date"


def test_the_form_preview_is_the_workers_form_disabled(app) -> None:
    browser = Browser(app.test_client())
    browser.login(Role.PROCESS_DESIGNER)
    preview = browser.get("/designer/wams_procedure/forms/beoordeling_checklist/preview")
    assert preview.status_code == 200
    assert '<fieldset disabled class="preview-fields">' in preview.text
    assert 'data-testid="form-preview"' in preview.text
    assert "<input" in preview.text or "<select" in preview.text
    assert browser.get("/designer/wams_procedure/forms/bestaat_niet/preview").status_code == 404
