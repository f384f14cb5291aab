"""Rehearsing in a real browser: in the demo's rehearsal municipality (oefendorp) a designer moves the
clock forward from the banner, the scheduler's tick catches up, and the quarterly evaluation task the
model opens after three months is in the coordinator's inbox; the banner says the new time."""

from __future__ import annotations

import pytest

from engine.accounts.service import actor_of, find_user
from engine.definitions.service import deploy
from engine.procedures.service import start_procedure
from engine.scheduler.runner import Scheduler
from tests.factories import fixture_bundle

pytestmark = pytest.mark.e2e

OEFEN = "oefendorp"


def test_advancing_the_clock_from_the_ui_opens_the_evaluation(ui) -> None:
    services = ui.server.services
    # A model with an evaluation every quarter (R4/P3M), and one procedure on it.
    deploy(services.uow(), OEFEN, fixture_bundle("evaluation_cycle"), "e2e", max_xml_bytes=2**21)
    with services.uow(readonly=True) as uow:
        meldpunt = actor_of(find_user(uow, OEFEN, f"meldpunt.{OEFEN}"))
    start_procedure(services.uow(), services.runtime, meldpunt, {}, process_id="evaluation_cycle")

    page = ui.page
    ui.login("ontwerper", OEFEN)
    banner = page.get_by_test_id("rehearsal-banner")
    assert "Oefenomgeving" in banner.inner_text()
    before = page.get_by_test_id("rehearsal-now").get_attribute("datetime")
    ui.check("rehearsal-banner")
    page.get_by_label("Klok vooruitzetten met").select_option("P6M")
    page.get_by_role("button", name="Klok verzetten").click()
    page.wait_for_load_state()
    assert "De klok staat nu op" in page.locator(".flash").inner_text()
    after = page.get_by_test_id("rehearsal-now").get_attribute("datetime")
    assert after and before and after[:7] > before[:7]  # half a year on
    Scheduler(services, mailer=None).tick()  # `wams run` ticks every second; here the test does
    ui.logout()

    ui.login("coordinator", OEFEN)
    ui.go("/inbox")
    rows = page.get_by_test_id("tasks-available").locator("tbody tr", has_text="Evaluatie")
    assert rows.count() == 2, page.locator("main").inner_text()  # two quarters passed: two evaluations
    ui.check("rehearsal-inbox")
