"""Readable diagrams in a real browser: the heatmap and the practice-against-the-model diagram open
zoomed on the step that matters with labels of a readable size, zoom by keyboard and buttons, show a
legend, and every badge passes axe-core's contrast check."""

from __future__ import annotations

import re

import pytest

from engine.accounts.service import actor_of, find_user
from engine.procedures.service import start_procedure

pytestmark = pytest.mark.e2e

MELDING = {
    "ingang": "meldpunt",
    "client": {"naam": "Jan de Vries"},
    "melder": {"naam": "Buurvrouw"},
    "aanleiding": "Vervuilde woning en schulden.",
    "gezinsleden": [],
}


def _scale(page, container: str) -> float:
    return float(
        page.evaluate(
            f"() => document.getElementById('{container}')._wamsViewer.get('canvas').viewbox().scale"
        )
    )


def test_heatmap_opens_readable_on_the_busiest_step_and_zooms_by_keyboard(ui) -> None:
    services = ui.server.services
    with services.uow(readonly=True) as uow:
        meldpunt = actor_of(find_user(uow, "zuidstad", "meldpunt.zuidstad"))
    started = [start_procedure(services.uow(), services.runtime, meldpunt, MELDING) for _ in range(2)]
    page = ui.page
    ui.login("manager")
    page.wait_for_url(re.compile(r".*/dashboard$"))
    heatmap = page.locator("#heatmap[data-ready='true']")
    heatmap.wait_for()
    focus = heatmap.get_attribute("data-focus")
    assert focus, "the heatmap names the step it opened on"
    assert "Geopend bij de stap waar het meeste werk wacht" in page.locator("#heatmap-text").inner_text()

    # The focused step is in view and its label is readable (not fit-to-page at 3.5 px).
    label = page.locator(f'#heatmap [data-element-id="{focus}"] text').first
    box = label.bounding_box()
    frame = heatmap.bounding_box()
    assert box is not None and frame is not None
    assert box["height"] >= 10, box
    assert frame["x"] <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"]
    assert _scale(page, "heatmap") >= 1

    # Keyboard on the focused diagram: + zooms in, - out, 0 back; arrows pan.
    page.locator("#heatmap svg").first.focus()
    before = _scale(page, "heatmap")
    page.keyboard.press("+")
    assert _scale(page, "heatmap") > before
    page.keyboard.press("-")
    page.keyboard.press("-")
    assert _scale(page, "heatmap") < before
    page.keyboard.press("0")
    assert _scale(page, "heatmap") == pytest.approx(before)
    viewbox = "() => document.getElementById('heatmap')._wamsViewer.get('canvas').viewbox().x"
    x = page.evaluate(viewbox)
    page.keyboard.press("ArrowRight")
    assert page.evaluate(viewbox) > x
    # The buttons do the same for the mouse.
    page.get_by_role("button", name="Inzoomen").first.click()
    assert _scale(page, "heatmap") > before

    assert page.get_by_test_id("heatmap-legend").is_visible()
    assert page.get_by_test_id("conformance-legend").is_visible()

    # Practice against the model: the procedures followed it so far; the gateway's split is drawn.
    page.locator("#conformance[data-ready='true']").wait_for()
    summary = page.get_by_test_id("conformance-summary").inner_text()
    assert re.search(r"(\d+) van de \1 procedures volgden het model", summary), summary
    assert page.locator("#conformance .split").count() >= 1
    assert page.get_by_test_id("variants").locator("tbody tr").count() >= 1
    ui.check("dashboard-diagrams")  # axe-core: no serious contrast or other violation on any badge

    # The indicators per month, as the monitor would read them.
    with page.expect_download() as download:
        page.get_by_role("link", name="Per maand (CSV)").click()
    with open(download.value.path(), encoding="utf-8") as handle:
        assert handle.readline().strip() == "period_start,period_end,indicator,category,value,unit"

    # A procedure's diagram opens on the step it waits at, readable.
    ui.go(f"/procedures/{started[0].id}")
    diagram = page.locator("#diagram[data-ready='true']")
    diagram.wait_for()
    current = diagram.get_attribute("data-focus")
    assert current == "task_beoordeling_checklist"
    box = page.locator(f'#diagram [data-element-id="{current}"] text').first.bounding_box()
    assert box is not None and box["height"] >= 10, box
    ui.check("procedure-diagram")
    assert not ui.console_errors, ui.console_errors
