"""A designer does versions and migration in the browser alone: sees the draft's changes before
publishing, publishes, then plans, tries and carries out the move of the running procedures."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import TENANT
from tests.e2e.seed import seed_procedures

pytestmark = pytest.mark.e2e


def test_changes_before_publishing_then_migrate_the_running_procedures(ui, live_server) -> None:
    # Procedures in every phase, on the version the designer is about to replace.
    seed_procedures(live_server.services, TENANT)
    page = ui.page
    ui.login("ontwerper")
    page.goto(ui.server.url + "/designer/wams_procedure/edit")
    page.locator("#editor[data-ready='true']").wait_for()
    page.evaluate(
        """() => {
          const task = wamsModeler.get('elementRegistry').get('task_beoordeling_checklist');
          wamsModeler.get('modeling').updateProperties(task, {'camunda:dueDate': 'P9D'});
        }"""
    )
    page.get_by_role("button", name="Wijzigingen bekijken").click()
    changes = page.locator("#changes-box")
    changes.get_by_text(re.compile(r"termijn: .* → P9D")).wait_for()
    assert "Gewijzigd" in changes.inner_text()
    ui.check("designer-draft-changes")

    page.get_by_role("button", name="Publiceren als nieuwe versie").click()
    page.wait_for_url(re.compile(r".*deployed=\d+$"))
    page.get_by_role("link", name="Lopende procedures naar een andere versie verplaatsen").click()
    page.get_by_test_id("plan").wait_for()
    assert int(page.locator("#from").input_value()) + 1 == int(page.locator("#to").input_value())
    assert page.locator("#map-task_beoordeling_checklist").input_value() == "task_beoordeling_checklist"
    ui.check("designer-migration-plan")

    page.get_by_role("button", name="Proberen (proef)").click()
    report = page.get_by_test_id("report")
    report.wait_for()
    found = re.search(r"(\d+) procedure\(s\) kunnen verplaatst worden, (\d+) niet", report.inner_text())
    assert found and int(found.group(1)) >= 1, report.inner_text()
    ui.check("designer-migration-dry-run")

    page.get_by_role("button", name="Procedures verplaatsen").click()
    page.get_by_test_id("report").wait_for()
    moved = re.search(
        r"(\d+) procedure\(s\) verplaatst, (\d+) kon", page.get_by_test_id("report").inner_text()
    )
    assert moved and moved.group(1) == found.group(1), page.get_by_test_id("report").inner_text()
    assert not ui.console_errors, ui.console_errors
