"""The privacy officer's pages: only the FG opens them (an administrator the security log), they show
the processing log per data subject found by BSN, both chains' status, refused access, medical
weighings with their grounds, decision and motivation but never the medical data, rights requests
and the registers; the BSN is not shown back and its look-up is logged."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.privacy import gdpr, medical, registers
from engine.privacy.models import ProcessingLogEntry
from engine.roles import Role
from tests.scenarios import answers as a
from tests.scenarios.phases import assess, consent
from tests.scenarios.walk import ASSESSOR, COORDINATOR, MELDPUNT, Walk, doctor

from .conftest import OTHER, TENANT, Browser

MEDICAL = "MEDISCH-GEHEIM-7Q4Z"  # the medical information a doctor shares: never on an FG page
MOTIVE = "MOTIVERING-AFWEGING-K2P9"  # the doctor's motivation: the FG sees it
WITHHELD = "MOTIVERING-VRIJGAVE-X8N3"  # the motivation of a later release decision
GGZ = "ggz_instelling"
PAGES = [
    "/privacy",
    "/privacy/log",
    "/privacy/security-events",
    "/privacy/medical",
    "/privacy/requests",
    "/privacy/registers",
]
# Who may open each page (an administrator reads the security log, as through the API).
ALLOWED = {page: {Role.PRIVACY_OFFICER} for page in PAGES} | {
    "/privacy/security-events": {Role.PRIVACY_OFFICER, Role.ADMIN}
}


@pytest.fixture
def case(app, services, uow, clock) -> Walk:
    """A procedure in which the GGZ's doctor weighed confidentiality (shared part, with a motivation)
    and later withheld that fact again; an inzage request, a complaint and an incident."""
    walk = Walk(services, uow, clock)
    walk.start(ASSESSOR, a.melding(gezinsleden=[]))
    assess(walk)
    consent(walk)
    walk.complete("task_onderzoek_opzet", as_=COORDINATOR, **a.onderzoek_opzet(GGZ))
    walk.complete(
        "task_verzoek_opstellen", as_=COORDINATOR, about={"partij": GGZ}, **a.verzoek("general", "health")
    )
    walk.complete(
        "task_medische_afweging",
        as_=doctor(GGZ),
        party=GGZ,
        **a.medisch_delen(motivering=MOTIVE, informatie_gezondheid=MEDICAL),
    )
    [fact] = [f for f in walk.facts() if f.field == "informatie_gezondheid"]
    assert fact.value == MEDICAL
    medical.release_facts(services.uow(), doctor(GGZ), walk.id, [fact.id], "withhold", WITHHELD)
    gdpr.register_request(services.uow(), MELDPUNT, walk.id, "inzage", description=f"Wil inzage {MEDICAL}")
    registers.register_complaint(
        services.uow(), MELDPUNT, complainant="client", nature="privacy", description="Niet teruggebeld"
    )
    registers.register_incident(services.uow(), MELDPUNT, description="Mail verkeerd", affected_count=2)
    return walk


def _fg(app) -> Browser:
    browser = Browser(app.test_client())
    assert browser.login(Role.PRIVACY_OFFICER).status_code == 302
    return browser


def test_only_the_privacy_officer_opens_the_pages(app, case):
    for role in Role:
        browser = Browser(app.test_client())
        browser.login(role)
        for page in PAGES:
            response = browser.get(page)
            expected = 200 if role in ALLOWED[page] else 403
            assert response.status_code == expected, (role, page, response.status_code)
        home = browser.get("/inbox").text
        assert ('href="/privacy"' in home) == (role == Role.PRIVACY_OFFICER), role
        assert ('href="/privacy/security-events"' in home) == (role == Role.ADMIN), role
    # Not logged in: the login page.
    assert app.test_client().get("/privacy/medical").status_code == 302


def test_the_pages_are_dutch_and_never_show_medical_data(app, case):
    browser = _fg(app)
    seen = {page: browser.get(page).text for page in PAGES}
    for page, html in seen.items():
        assert MEDICAL not in html, page
        assert a.CLIENT_BSN not in html and a.CLIENT_NAME not in html, page
    weighings = seen["/privacy/medical"]
    assert "Medische afwegingen" in weighings
    # The step plan: ground and decision as recorded, the motivation; then the release decision.
    # Codes read as the form's own choices, the party by its name.
    assert "grond: <strong>Toestemming van de betrokkene</strong>" in weighings
    assert "besluit: <strong>Deels delen</strong>" in weighings
    assert MOTIVE in weighings and WITHHELD in weighings
    assert "besluit: <strong>achtergehouden</strong>" in weighings
    assert "GGZ-instelling" in weighings and ">ggz_instelling<" not in weighings
    assert "Intact" in seen["/privacy"] and 'data-testid="chain-security"' in seen["/privacy"]
    assert "inzage" in seen["/privacy/requests"] and "Wil inzage" not in seen["/privacy/requests"]
    assert "privacy" in seen["/privacy/registers"] and "Niet teruggebeld" not in seen["/privacy/registers"]


def test_processing_log_per_data_subject_by_bsn(app, case, services):
    browser = _fg(app)
    page = browser.post("/privacy/log", {"bsn": a.CLIENT_BSN})
    assert page.status_code == 200
    html = page.text
    assert a.CLIENT_BSN not in html and MEDICAL not in html and a.CLIENT_NAME not in html
    client = case.subjects()["client"]
    reference = case.procedure().reference
    assert f"Procedure {reference}" in html and client.pseudonym in html
    # Every line of the client's pseudonym is on the page (the doctor's reads among them).
    with services.uow(readonly=True) as unit:
        lines = list(
            unit.session.scalars(
                select(ProcessingLogEntry).where(ProcessingLogEntry.subject_pseudonym == client.pseudonym)
            )
        )
    assert lines and f"{len(lines)} regels" in html
    # Read as Dutch: what was done, the categories and the law and article of each ground.
    assert "verzameld (vastgelegd bij melding of aanlevering)" in html and ">collect<" not in html
    assert "identificerend" in html and "identifying" not in html
    assert "Wmo 2015 (gewijzigd door de Wams), art." in html
    # The look-up itself is logged, as the FG's read of identifying data, with the FG's ground.
    [lookup] = [line for line in lines if line.actor == f"privacy_officer.{TENANT}"][:1]
    assert (lookup.operation, lookup.categories, lookup.legal_grounds) == (
        "read",
        ["identifying"],
        ["AVG art. 39"],
    )

    assert "Geen procedure" in browser.post("/privacy/log", {"bsn": "123456782"}).text
    refused = browser.post("/privacy/log", {"bsn": "12ab"})
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.text


def test_another_municipalitys_privacy_officer_finds_nothing(app, case):
    browser = Browser(app.test_client())
    browser.login(Role.PRIVACY_OFFICER, OTHER)
    assert "Geen procedure" in browser.post("/privacy/log", {"bsn": a.CLIENT_BSN}).text
    html = browser.get("/privacy/medical").text
    assert MOTIVE not in html and WITHHELD not in html


def test_refused_access_shows_on_the_security_page(app, case):
    meldpunt = Browser(app.test_client())
    meldpunt.login(Role.MELDPUNT)
    assert meldpunt.get("/privacy/medical").status_code == 403
    html = _fg(app).get("/privacy/security-events").text
    assert "/privacy/medical" in html and "not_authorized (403)" in html and f"meldpunt.{TENANT}" in html
