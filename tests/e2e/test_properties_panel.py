"""The designer's properties panel in a real browser: add a new user task to the procedure, set its
role, form (with the preview a worker sees), due date (checked as you type) and legal ground in the
panel, publish, start a procedure and find the task in the assessor's inbox with that due date, and
its page with that legal ground. And: a task made from an element template deploys.

Runs in the municipality Noordveen, so the other browser tests keep their Zuidstad models."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

pytestmark = pytest.mark.e2e

TENANT = "noordveen"
TASK_NAME = "Dossier vooraf doornemen"
FLOW = "flow_melding_to_registratie"  # start_melding → script_registratie: the first step of a procedure


def _panel_select(page, entry: str):
    return page.locator(f"[data-entry-id='wams-{entry}'] select")


def _panel_input(page, entry: str):
    return page.locator(f"[data-entry-id='wams-{entry}'] input")


def test_new_user_task_set_in_the_panel_reaches_the_right_inbox(ui) -> None:
    page = ui.page
    ui.login("ontwerper", TENANT)
    page.goto(ui.server.url + "/designer/wams_procedure/edit")
    page.locator("#editor[data-ready='true']").wait_for()
    assert page.locator("#properties .bio-properties-panel").count() == 1, "no properties panel"

    # Add a task: dropped on the first flow (what the palette's drag and drop does: the flow is split
    # around it), then changed into a user task with the context pad, as a designer does.
    new_id = page.evaluate(
        """(flowId) => {
          const registry = wamsModeler.get('elementRegistry');
          const flow = registry.get(flowId);
          const [a, b] = [flow.waypoints[0], flow.waypoints[flow.waypoints.length - 1]];
          const mid = { x: Math.round((a.x + b.x) / 2), y: Math.round((a.y + b.y) / 2) };
          const shape = wamsModeler.get('elementFactory').createShape({ type: 'bpmn:Task' });
          wamsModeler.get('modeling').createShape(shape, mid, flow);
          // Bring it to the middle of the canvas, clear of the palette.
          const canvas = wamsModeler.get('canvas');
          const box = canvas.viewbox();
          canvas.viewbox({ x: shape.x - 400, y: shape.y - 200, width: box.outer.width, height: box.outer.height });
          const next = registry.get('start_melding').outgoing[0].target;
          return next === shape ? shape.id : null;
        }""",
        FLOW,
    )
    assert new_id, "the new task was not dropped on the flow after the start event"
    page.locator(f".djs-shape[data-element-id='{new_id}']").click()
    page.locator(".djs-context-pad .entry[data-action='replace']").click()
    page.locator(".djs-popup [data-id='replace-with-user-task']").click()
    task_id = page.evaluate(
        "() => wamsModeler.get('elementRegistry').get('start_melding').outgoing[0].target.id"
    )
    assert page.evaluate(f"() => wamsModeler.get('elementRegistry').get('{task_id}').type") == "bpmn:UserTask"
    # Select it (the new shape lies over its neighbours; the panel follows the selection).
    page.evaluate(
        f"() => wamsModeler.get('selection').select(wamsModeler.get('elementRegistry').get('{task_id}'))"
    )

    # The panel: name in "Algemeen", the rest in the Wams group, with Dutch labels.
    page.locator("#properties [data-group-id='group-wams']").wait_for()
    assert "Wams-procedure" in page.locator("#properties [data-group-id='group-wams']").inner_text()
    name = page.locator("#bio-properties-panel-name")
    if not name.is_visible():
        page.locator("#properties [data-group-id='group-general'] .bio-properties-panel-group-header").click()
    name.fill(TASK_NAME)

    roles = _panel_select(page, "role")
    assert "Beoordelaar (assessor)" in roles.inner_text()
    roles.select_option("assessor")
    _panel_select(page, "form").select_option("beoordeling_checklist")

    # The form as the worker will see it.
    page.locator("[data-entry-id='wams-form-preview'] button").click()
    preview = page.get_by_test_id("form-preview")
    preview.wait_for()
    assert preview.locator("fieldset[disabled]").count() == 1
    assert preview.locator("input, select, textarea").count() > 0
    ui.check("designer-panel-preview")
    page.locator("#form-preview-close").click()

    # The due date is checked as it is typed: a wrong period and an unknown setting are named.
    due = _panel_input(page, "due")
    due_error = page.locator("[data-entry-id='wams-due'] .bio-properties-panel-error")
    due.fill("P9X")
    due_error.wait_for()
    assert "Geen termijn" in due_error.inner_text()
    due.fill("config:due.bestaat_niet")
    page.get_by_text("De instellingen kennen due.bestaat_niet niet.").wait_for()
    due.fill("P9D")
    due_error.wait_for(state="detached")

    grounds = _panel_select(page, "legal-ground")
    option = grounds.locator("option[value='onderzoek_hulpvraag_client']")
    assert re.search(r"Wmo 2015.*art\. 2\.3a\.1", option.inner_text()), option.inner_text()
    grounds.select_option("onderzoek_hulpvraag_client")
    _panel_select(page, "phase").select_option("melding")
    _panel_input(page, "about-party").fill("partij")  # unset this early: the inbox names nobody
    page.locator(".djs-container svg").first.click(position={"x": 5, "y": 5})  # leave the fields
    ui.check("designer-panel", exclude=(".djs-container",))

    # What the panel wrote is what the engine reads.
    xml = page.evaluate("() => wamsModeler.saveXML().then(r => r.xml)")
    task_xml = re.search(rf"<bpmn:userTask id=\"{task_id}\"[^>]*>.*?</bpmn:userTask>", xml, re.S).group(0)
    for expected in (
        'camunda:candidateGroups="assessor"',
        'camunda:formKey="beoordeling_checklist"',
        'camunda:dueDate="P9D"',
        '<camunda:property name="legalGround" value="onderzoek_hulpvraag_client" />',
        '<camunda:property name="phase" value="melding" />',
        '<camunda:property name="aboutPartyVariable" value="partij" />',
    ):
        assert expected in task_xml, task_xml

    page.get_by_role("button", name="Controleren op de server").click()
    page.get_by_text("Geen problemen gevonden.").wait_for()
    page.get_by_role("button", name="Publiceren als nieuwe versie").click()
    page.wait_for_url(re.compile(r".*deployed=\d+$"))
    ui.logout()

    # A procedure on the new version: the melding, as the meldpunt registers it.
    ui.login("meldpunt", TENANT)
    page.get_by_role("link", name="Melding registreren").first.click()
    page.get_by_label("Hulpvraag of verzoek van de cliënt zelf").check()
    page.locator("#f-client-naam").fill("Noor de Vries")
    page.locator("#f-client-bsn").fill("111222333")
    page.locator("#f-aanleiding").fill("Schulden en zorgen over de woning.")
    page.get_by_role("button", name="Registreren en procedure starten").click()
    page.wait_for_url(re.compile(r".*/procedures/[0-9a-f-]{36}$"))
    started = datetime.now(UTC)
    reference = page.locator("h1").inner_text().removeprefix("Procedure ").strip()
    ui.logout()

    # The assessor's inbox has the new task, due nine days after it opened.
    ui.login("beoordelaar", TENANT)
    page.goto(ui.server.url + "/inbox")
    row = page.locator("tr", has=page.get_by_role("link", name=reference)).filter(has_text=TASK_NAME)
    assert row.count() == 1, page.locator("main").inner_text()
    assert "Beoordelaar" in row.inner_text()
    due_at = datetime.fromisoformat(row.locator("time").get_attribute("datetime"))
    assert abs(due_at - (started + timedelta(days=9))) < timedelta(hours=1), due_at
    ui.check("panel-task-inbox")
    row.get_by_role("link", name=TASK_NAME).click()
    legal = page.get_by_role("complementary", name="Wettelijke grondslag")
    assert "Wmo 2015" in legal.inner_text() and "2.3a.1" in legal.inner_text(), legal.inner_text()
    ui.logout()

    # Not in another role's inbox.
    ui.login("coordinator", TENANT)
    page.goto(ui.server.url + "/inbox")
    assert page.locator("tr", has_text=TASK_NAME).count() == 0
    assert not ui.console_errors, ui.console_errors


def test_task_from_an_element_template_deploys(ui) -> None:
    page = ui.page
    ui.login("ontwerper", TENANT)
    page.goto(ui.server.url + "/designer/wams_procedure/edit")
    page.locator("#editor[data-ready='true']").wait_for()
    # The modeler's own words are Dutch too: bpmnlint's button.
    lint = page.locator(".bjsl-button")
    lint.wait_for()
    assert re.search(r"Geen opmerkingen|\d+ fouten, \d+ waarschuwingen", lint.inner_text()), lint.inner_text()
    # The template chooser lists the Wams building blocks for a user task.
    page.locator(".djs-shape[data-element-id='task_beoordeling_checklist']").click()
    page.locator("#properties").get_by_role("button", name="Kiezen").first.click()
    chooser = page.locator(".djs-popup")
    chooser.wait_for()
    assert "Wams: procedure afsluiten" in chooser.inner_text()
    assert "Wams: medische afweging (beroepsgeheim)" in chooser.inner_text()
    ui.check("designer-template-chooser", exclude=(".djs-container",))
    chooser.get_by_text("Wams: procedure afsluiten").first.click()
    xml = page.evaluate("() => wamsModeler.saveXML().then(r => r.xml)")
    task_xml = re.search(
        r"<bpmn:userTask id=\"task_beoordeling_checklist\"[^>]*>.*?</bpmn:userTask>", xml, re.S
    )
    assert task_xml and 'camunda:modelerTemplate="nl.wams.afsluiting"' in task_xml.group(0)
    assert '<camunda:property name="legalGround" value="afsluiting_bewaartermijn" />' in task_xml.group(0)
    page.get_by_role("button", name="Controleren op de server").click()
    page.get_by_text("Geen problemen gevonden.").wait_for()
    assert not ui.console_errors, ui.console_errors
