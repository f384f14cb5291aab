"""The process designer in a real browser: open the newest version in the bpmn-js modeler (with
bpmnlint), change a label, check it on the server, deploy it and see version 2 with what changed; a
model the server refuses shows its problems pinned to the elements, in Dutch, as the lint panel is."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e

NEW_LABEL = "Checklist invullen (herzien)"


def test_change_label_and_deploy_version_2(ui) -> None:
    page = ui.page
    ui.login("ontwerper")
    page.wait_for_url(re.compile(r".*/designer$"))
    ui.check("designer")
    page.get_by_role("link", name=re.compile("^Bewerken")).first.click()
    page.locator("#editor[data-ready='true']").wait_for()
    assert page.locator(".bjsl-button").count() == 1, "bpmnlint is not active in the modeler"
    ui.check("designer-modeler")

    # Change a label the way a designer does: double-click the task, type, click elsewhere.
    shape = page.locator("[data-element-id='task_beoordeling_checklist']")
    shape.scroll_into_view_if_needed()
    shape.dblclick()
    editor = page.locator(".djs-direct-editing-parent")
    editor.wait_for()
    page.keyboard.press("Control+A")
    page.keyboard.type(NEW_LABEL)
    page.locator(".djs-container svg").first.click(position={"x": 5, "y": 5})
    assert (
        page.evaluate(
            "() => wamsModeler.get('elementRegistry').get('task_beoordeling_checklist').businessObject.name"
        )
        == NEW_LABEL
    )

    page.get_by_role("button", name="Controleren op de server").click()
    page.get_by_text("Geen problemen gevonden.").wait_for()

    page.get_by_role("button", name="Publiceren als nieuwe versie").click()
    page.wait_for_url(re.compile(r".*deployed=2$"))
    assert page.get_by_test_id("deployed").inner_text() == "Versie 2 is gepubliceerd."
    versions = page.get_by_test_id("versions")
    assert "Versie 2" in versions.inner_text()
    assert f"“Checklist meervoudige problematiek invullen” → “{NEW_LABEL}”" in versions.inner_text()
    ui.check("designer-versions")
    assert not ui.console_errors, ui.console_errors


def test_refused_model_shows_pinned_problems(ui) -> None:
    page = ui.page
    ui.login("ontwerper")
    page.goto(ui.server.url + "/designer/wams_procedure/edit")
    page.locator("#editor[data-ready='true']").wait_for()
    # Point the first user task at a form that does not exist: the server refuses the model.
    page.evaluate(
        """() => {
          const task = wamsModeler.get('elementRegistry').get('task_beoordeling_checklist');
          wamsModeler.get('modeling').updateProperties(task, {'camunda:formKey': 'bestaat_niet'});
        }"""
    )
    page.get_by_role("button", name="Controleren op de server").click()
    problems = page.locator("#issues li")
    problems.first.wait_for()
    pinned = page.locator("#issues li[data-element='task_beoordeling_checklist']")
    assert pinned.count() >= 1, page.locator("#issues").inner_text()
    # The designer reads the server's problems and the lint panel in Dutch.
    assert "formulier 'bestaat_niet' bestaat niet" in pinned.first.inner_text()
    lint = page.locator(".bjsl-button").inner_text()
    assert re.search(r"Geen problemen|\d+ fouten, \d+ waarschuwingen", lint), lint
    assert page.locator(".djs-element.wams-issue[data-element-id='task_beoordeling_checklist']").count() == 1
    assert page.locator(".issue-pin").count() >= 1
    ui.check("designer-problems")
    # Nothing is deployed while the model is refused.
    page.get_by_role("button", name="Publiceren als nieuwe versie").click()
    page.get_by_text(re.compile(r"probleem/problemen gevonden")).wait_for()
    assert "/edit" in page.url

    # The decision tables open in dmn-js from the same page.
    page.get_by_role("link", name="wams_beoordeling_advies.dmn").click()
    page.locator("#editor[data-ready='true']").wait_for()
    assert page.locator(".dmn-decision-table-container").count() == 1
    ui.check("designer-dmn")
