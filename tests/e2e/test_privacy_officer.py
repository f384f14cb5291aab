"""The privacy officer's pages in a real browser, checked with axe-core: the overview with both chains,
the processing log found by BSN, the security log (with the refusal a meldpunt account just caused),
medical weighings, rights requests and the registers."""

from __future__ import annotations

import pytest

from engine.accounts.service import actor_of, find_user
from engine.privacy import gdpr, registers
from engine.procedures.service import start_procedure

pytestmark = pytest.mark.e2e

BSN = "111222333"
MELDING = {
    "ingang": "meldpunt",
    "client": {"naam": "Jan de Vries", "bsn": BSN},
    "melder": {"naam": "Buurvrouw"},
    "aanleiding": "Vervuilde woning en schulden.",
    "gezinsleden": [],
}


def _records(server) -> None:
    services = server.services
    with services.uow(readonly=True) as uow:
        meldpunt = actor_of(find_user(uow, "zuidstad", "meldpunt.zuidstad"))
    procedure = start_procedure(services.uow(), services.runtime, meldpunt, MELDING)
    gdpr.register_request(services.uow(), meldpunt, procedure.id, "inzage")
    registers.register_complaint(
        services.uow(), meldpunt, complainant="client", nature="privacy", description="Niet teruggebeld"
    )
    registers.register_incident(services.uow(), meldpunt, description="Mail verkeerd", affected_count=1)


def test_privacy_officer_pages(ui) -> None:
    _records(ui.server)
    page = ui.page
    ui.login("meldpunt")
    ui.expected_statuses.add(403)
    assert ui.go("/privacy/medical").status == 403  # refused, and recorded
    ui.logout()

    ui.login("fg")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Privacy").click()
    page.wait_for_url("**/privacy")
    assert page.get_by_test_id("chain-processing").inner_text().startswith("Intact")
    assert page.get_by_test_id("chain-security").inner_text().startswith("Intact")
    ui.check("privacy-overview")

    page.get_by_role("link", name="Verwerkingenlog").click()
    page.get_by_label("BSN van de betrokkene").fill(BSN)
    page.get_by_role("button", name="Verwerkingen tonen").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Verwerkingen van deze betrokkene").is_visible()
    assert BSN not in page.content()
    ui.check("privacy-log-by-bsn")

    page.get_by_role("link", name="Beveiligingslog").first.click()
    page.wait_for_url("**/privacy/security-events")
    assert "/privacy/medical" in page.locator("table").inner_text()
    ui.check("privacy-security-log")

    for name, path in (
        ("Medische afwegingen", "/privacy/medical"),
        ("AVG-verzoeken", "/privacy/requests"),
        ("Klachten en incidenten", "/privacy/registers"),
    ):
        page.get_by_role("link", name=name).click()
        page.wait_for_url("**" + path)
        ui.check("privacy" + path.replace("/privacy", "").replace("/", "-"))
    assert not ui.console_errors, ui.console_errors
