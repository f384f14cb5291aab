"""The manager's dashboard in a real browser: procedures by phase, the bottleneck heatmap on the
diagram, overdue work, workload, indicator charts with a period picker, CSV export."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from engine.accounts.service import actor_of, find_user
from engine.procedures.service import start_procedure
from engine.runtime.models import Task

pytestmark = pytest.mark.e2e

MELDING = {
    "ingang": "meldpunt",
    "client": {"naam": "Jan de Vries"},
    "melder": {"naam": "Buurvrouw"},
    "aanleiding": "Vervuilde woning en schulden.",
    "gezinsleden": [],
}


def _open_work(server) -> list:
    """Two procedures waiting at the assessment, one of them past its due date."""
    services = server.services
    with services.uow(readonly=True) as uow:
        meldpunt = actor_of(find_user(uow, "zuidstad", "meldpunt.zuidstad"))
    started = [start_procedure(services.uow(), services.runtime, meldpunt, MELDING) for _ in range(2)]
    with services.uow() as uow:
        uow.session.execute(
            update(Task)
            .where(Task.instance_id == started[0].id)
            .values(due_at=uow.now() - timedelta(days=3), created_at=uow.now() - timedelta(days=20))
        )
        uow.commit()
    return started


def test_dashboard_and_heatmap(ui) -> None:
    started = _open_work(ui.server)
    page = ui.page
    ui.login("manager")
    page.wait_for_url(re.compile(r".*/dashboard$"))
    assert "Beoordeling" in page.get_by_test_id("phases").inner_text()  # the phase by name
    assert int(page.get_by_test_id("overdue-count").inner_text()) >= 1
    assert page.locator("tr.overdue").count() >= 1

    heatmap = page.locator("#heatmap[data-ready='true']")
    heatmap.wait_for()
    badges = page.locator("#heatmap .heat")
    assert badges.count() >= 1
    assert re.search(r"\d+ open", badges.first.inner_text())
    assert page.locator("#heatmap-table tbody tr").count() >= 1
    assert page.locator("canvas[data-chart='ingang']").count() == 1
    ui.check("dashboard")

    # Another diagram of the version: the heatmap follows.
    page.locator("#heatmap-tabs").get_by_role("button", name=re.compile("Wams afsluiting")).click()
    page.locator("#heatmap[data-ready='true']").wait_for()

    # Period picker and CSV export.
    page.locator("select#preset").select_option("30d")
    page.get_by_role("button", name="Tonen").click()
    assert "Van " in page.get_by_test_id("period").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Indicatoren als CSV").click()
    path = download.value.path()
    with open(path, encoding="utf-8") as handle:
        assert handle.readline().strip() == "indicator,category,value"
    assert page.get_by_test_id("workload").is_visible()

    # A procedure's page offers the manager to steer it, also to pass on the client's withdrawal.
    ui.go(f"/procedures/{started[0].id}")
    withdrawal = page.get_by_test_id("message-client_withdraws")
    assert withdrawal.get_by_role("heading", name="Cliënt trekt zich terug").is_visible()
    assert withdrawal.get_by_role("group", name="Reden (optioneel)").is_visible()  # radios, one per reason
    ui.check("procedure-steer")
    assert not ui.console_errors, ui.console_errors
