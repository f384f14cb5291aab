"""A frontline worker's day in a real browser: register a melding (an invalid BSN is refused next to
its field and nothing typed is lost), then the assessor claims the work from the inbox and walks the
procedure to its closure."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e


def test_melding_to_closure(ui) -> None:
    page = ui.page
    ui.go("/inbox")  # not logged in: the login page, and back here afterwards
    assert "/login" in page.url
    ui.check("login")
    ui.login("meldpunt")
    assert "Mo Meldpunt" in page.get_by_test_id("who").inner_text()
    assert "Gemeente Zuidstad" in page.get_by_test_id("who").inner_text()
    ui.check("inbox-meldpunt")

    # The melding, with a BSN that fails the 11-check.
    page.get_by_role("link", name="Melding registreren").first.click()
    page.get_by_label("Hulpvraag of verzoek van de cliënt zelf").check()
    page.locator("#f-client-naam").fill("Sanne Bakker")
    page.locator("#f-client-bsn").fill("123456789")
    page.locator("#f-aanleiding").fill("Schulden, huurachterstand en zorgen over school.")
    page.get_by_role("button", name="Toevoegen: gezinsleden").click()
    page.locator("#f-gezinsleden-0-naam").fill("Tom Bakker")
    page.locator("#f-gezinsleden-0-relatie").select_option("kind")
    page.get_by_role("button", name="Registreren en procedure starten").click()

    error = page.locator("#f-client-bsn-error")
    assert "Geen geldig burgerservicenummer" in error.inner_text()
    assert page.locator("#f-client-bsn").get_attribute("aria-invalid") == "true"
    assert page.locator("#f-client-bsn").get_attribute("aria-describedby").endswith("f-client-bsn-error")
    # Nothing typed is lost: the other fields and the added row come back as they were posted.
    assert page.locator("#f-client-bsn").input_value() == "123456789"
    assert page.locator("#f-aanleiding").input_value().startswith("Schulden")
    assert page.locator("#f-gezinsleden-0-naam").input_value() == "Tom Bakker"
    assert page.get_by_label("Hulpvraag of verzoek van de cliënt zelf").is_checked()
    assert page.locator("#error-summary").is_visible()
    ui.check("melding-invalid-bsn")

    page.locator("#f-client-bsn").fill("111222333")
    page.get_by_role("button", name="Registreren en procedure starten").click()
    page.wait_for_url(re.compile(r".*/procedures/[0-9a-f-]{36}$"))
    reference = page.locator("h1").inner_text().removeprefix("Procedure ").strip()
    assert re.fullmatch(r"\d{4}-\d{5}", reference)
    page.locator("#diagram[data-ready='true']").wait_for()
    assert page.locator(".djs-element.wams-current").count() >= 1
    assert page.locator(".djs-element.wams-done").count() >= 1
    assert "Checklist" in page.locator("#diagram-text").inner_text()
    ui.check("procedure-started")
    page.get_by_role("link", name="Procedures", exact=True).click()
    assert page.get_by_role("link", name=reference).is_visible()
    ui.check("procedures")
    ui.expected_statuses.add(403)
    ui.go("/dashboard")  # not for the meldpunt: a page that says so
    assert page.get_by_role("heading", name="Niet toegestaan").is_visible()
    ui.check("not-allowed")
    ui.logout()

    # The assessor claims the first task from the inbox in one click.
    ui.login("beoordelaar")
    page.goto(ui.server.url + "/inbox")
    available = page.get_by_test_id("tasks-available")
    row = available.locator("tr", has=page.get_by_role("link", name=reference))
    row.get_by_role("button", name=re.compile("^Oppakken")).click()
    page.get_by_text("door u opgepakt").wait_for()
    ui.check("inbox-claimed")
    page.reload()
    mine = page.get_by_test_id("tasks-mine")
    mine.locator("tr", has=page.get_by_role("link", name=reference)).get_by_role("link").first.click()

    # Checklist: not a case of multiple problems.
    assert "Wettelijke grondslag" in page.locator(".legal").inner_text()
    assert page.get_by_role("heading", name="Casusgegevens die u mag zien").is_visible()
    assert (
        "Sanne Bakker" in page.locator("#h-case + *").inner_text() or page.get_by_text("Sanne Bakker").count()
    )
    ui.check("task-checklist")
    page.get_by_label("Schulden (schuldhulpverlening)").check()
    for question, answer in [
        ("samenhang", "false"),
        ("voortdurend", "false"),
        ("terugkerend", "false"),
        ("eenmalig_incident", "true"),
        ("reguliere_hulp_volstaat", "true"),
        ("eerdere_weigering", "false"),
    ]:
        page.locator(f"input[name='{question}'][value='{answer}']").check()
    page.get_by_role("button", name="Verzenden en afronden").click()
    page.wait_for_url(re.compile(r".*/done$"))
    ui.check("task-done")

    # Decision: no; the next task is for the same assessor.
    page.get_by_role("link", name=re.compile("Besluiten over meervoudige problematiek")).click()
    page.get_by_role("button", name="Verzenden en afronden").click()  # empty: required fields
    assert page.locator(".error-message").count() >= 2
    page.locator("input[name='beoordeling_besluit'][value='nee']").check()
    page.locator("textarea[name='beoordeling_motivering']").fill(
        "Eenmalige situatie; reguliere hulp volstaat."
    )
    page.locator("[name='verwijzing']").first.check() if page.locator(
        "input[type=radio][name='verwijzing']"
    ).count() else page.locator("select[name='verwijzing']").select_option("wijkteam")
    page.get_by_role("button", name="Verzenden en afronden").click()
    page.wait_for_url(re.compile(r".*/done$"))

    # Closure: tell the outcome.
    page.get_by_role("link", name=re.compile("Uitkomst meedelen en afsluiten")).click()
    page.locator("input[name='uitkomst'][value='verwezen']").check()
    page.locator("input[name='client_geinformeerd_afsluiting'][value='true']").check()
    page.locator("input[name='melder_teruggekoppeld'][value='niet_van_toepassing']").check()
    page.get_by_role("button", name="Verzenden en afronden").click()
    page.wait_for_url(re.compile(r".*/done$"))
    assert page.get_by_text("De procedure is beëindigd.").is_visible()

    page.get_by_role("link", name=f"Procedure {reference}").click()
    assert page.get_by_test_id("status").inner_text() == "afgesloten"
    page.locator("#diagram[data-ready='true']").wait_for()
    ui.check("procedure-closed")
    assert not ui.console_errors, ui.console_errors
