"""The web UI's pages through Flask's test client, on SQLite and PostgreSQL: login, melding with field
errors, inbox and claim, completing a task, the procedure diagram, the dashboard, the designer's
validate and deploy, CSRF, tenancy and the language switch. The browser tests (tests/e2e) walk the
same pages in Chromium."""

from __future__ import annotations

import re
import uuid

from engine.roles import Role
from tests.factories import wams_bundle

from .conftest import OTHER, Browser

MELDING = [
    ("process_id", "wams_procedure"),
    ("ingang", "client_verzoek"),
    ("client.naam", "Sanne Bakker"),
    ("client.bsn", "123456789"),
    ("aanleiding", "Schulden en huurachterstand."),
    ("__array", "gezinsleden"),
    ("gezinsleden.0.naam", "Tom Bakker"),
    ("gezinsleden.0.relatie", "kind"),
]
CHECKLIST = [
    ("__array", "problemen_sociaal_domein"),
    ("__array", "problemen_aanpalende_domeinen"),
    ("problemen_sociaal_domein", "schulden"),
    ("samenhang", "false"),
    ("voortdurend", "false"),
    ("terugkerend", "false"),
    ("eenmalig_incident", "true"),
    ("reguliere_hulp_volstaat", "true"),
    ("eerdere_weigering", "false"),
]


def _start(browser: Browser, bsn: str = "111222333") -> str:
    form = [(k, bsn if k == "client.bsn" else v) for k, v in MELDING]
    response = browser.post("/procedures/new", form)
    assert response.status_code == 302, response.text
    return str(response.headers["Location"]).rsplit("/", 1)[-1]


def _open_task(browser: Browser, procedure_id: str) -> str:
    page = browser.get(f"/procedures/{procedure_id}")
    return re.findall(r'href="/tasks/([0-9a-f-]{36})"', page.text)[0]


def test_login_required_and_login_errors(browser) -> None:
    response = browser.client.get("/inbox")
    assert response.status_code == 302 and "/login?next=/inbox" in response.headers["Location"]
    refused = browser.login(Role.MELDPUNT, password="wrong password!")
    assert refused.status_code == 401 and "Onbekende gebruikersnaam of verkeerd wachtwoord." in refused.text
    # The login form has its own CSRF token.
    assert (
        browser.client.post("/login", data={"username": "meldpunt.utrecht", "password": "x"}).status_code
        == 400
    )
    assert browser.login(Role.MELDPUNT).status_code == 302
    page = browser.get("/inbox")
    assert page.status_code == 200 and "Gemeente Utrecht" in page.text


def test_melding_errors_next_to_fields_then_start(browser) -> None:
    browser.login(Role.MELDPUNT)
    refused = browser.post("/procedures/new", MELDING)
    assert refused.status_code == 422
    assert re.search(r'id="f-client-bsn-error">.*Geen geldig burgerservicenummer', refused.text, re.S)
    assert 'aria-invalid="true"' in refused.text
    assert 'value="123456789"' in refused.text and 'value="Tom Bakker"' in refused.text  # nothing is lost

    procedure_id = _start(browser)
    page = browser.get(f"/procedures/{procedure_id}")
    assert page.status_code == 200 and "Sanne Bakker" in page.text
    diagram = browser.get(f"/procedures/{procedure_id}/diagram.json").get_json()
    assert diagram["process_id"] == "wams_procedure" and diagram["version"] == 1
    assert diagram["current"] == ["task_beoordeling_checklist"]
    assert "start_melding" in diagram["completed"] and "<bpmn:definitions" in diagram["xml"][:400]
    assert {p["process_id"] for p in diagram["processes"] if p["active"]} == {"wams_procedure"}
    other = browser.get(f"/procedures/{procedure_id}/diagram.json?process=wams_afsluiting").get_json()
    assert other["current"] == [] and other["process_id"] == "wams_afsluiting"


def test_claim_complete_and_what_happens_next(browser, other_browser) -> None:
    browser.login(Role.MELDPUNT)
    procedure_id = _start(browser)
    other_browser.login(Role.ASSESSOR)
    inbox = other_browser.get("/inbox")
    task_id = _open_task(other_browser, procedure_id)
    assert task_id in inbox.text and "Oppakken" in inbox.text
    # A post without the session's CSRF token is refused and changes nothing.
    refused = other_browser.post(f"/tasks/{task_id}/claim", csrf=False)
    assert refused.status_code == 302
    assert "door u opgepakt" not in other_browser.client.get("/inbox").text
    claimed = other_browser.post(
        f"/tasks/{task_id}/claim", {"row": "1", "section": "claimed"}, headers={"HX-Request": "true"}
    )
    assert (
        claimed.status_code == 200
        and "door u opgepakt" in claimed.text
        and claimed.text.lstrip().startswith("<tr")
    )

    page = other_browser.get(f"/tasks/{task_id}")
    assert "Wettelijke grondslag" in page.text and "Wmo 2015" in page.text and "Sanne Bakker" in page.text
    refused = other_browser.post(f"/tasks/{task_id}", CHECKLIST[:3])
    assert refused.status_code == 422 and 'id="f-samenhang-error"' in refused.text
    done = other_browser.post(f"/tasks/{task_id}", CHECKLIST)
    assert done.status_code == 302 and done.headers["Location"].endswith("/done")
    after = other_browser.get(done.headers["Location"])
    assert "Besluiten over meervoudige problematiek" in after.text and "voor u" in after.text
    # Completing twice: the engine says it is done; the page says so instead of failing.
    again = other_browser.post(f"/tasks/{task_id}", CHECKLIST)
    assert again.status_code == 302
    assert "De taak is al afgerond" in other_browser.get(again.headers["Location"]).text


def test_dashboard_for_managers_only(browser, other_browser) -> None:
    browser.login(Role.MELDPUNT)
    _start(browser)
    assert browser.get("/dashboard").status_code == 403
    other_browser.login(Role.MANAGER)
    page = other_browser.get("/dashboard?preset=30d")
    assert page.status_code == 200 and "beoordeling" in page.text and 'data-chart="ingang"' in page.text
    assert "Per maand (CSV)" in page.text and 'data-testid="consent-refused">0<' in page.text
    assert 'data-diagram="conformance"' in page.text and "overgeslagen" in page.text  # the legend
    heat = other_browser.get("/dashboard/heatmap.json").get_json()
    assert [(i["element_id"], i["open"]) for i in heat["items"]] == [("task_beoordeling_checklist", 1)]
    assert other_browser.get("/dashboard/heatmap.json?process=wams_afsluiting").get_json()["items"] == []
    # Practice against the model: the one procedure waits at the assessment, on the path the model drew.
    seen = other_browser.get("/dashboard/conformance.json").get_json()
    assert (seen["procedures"], seen["fitting"], seen["truncated"]) == (1, 1, False)
    assert seen["variants"][0]["count"] == 1 and "<bpmn:definitions" in seen["xml"]
    gateways = {g["gateway_id"]: {f["flow_id"]: f["count"] for f in g["flows"]} for g in seen["gateways"]}
    assert gateways["gw_drukmiddel"]["flow_drukmiddel_nee"] == 1
    assert all(e["skipped"] == e["out_of_order"] == 0 for e in seen["elements"])
    assert browser.get("/dashboard/conformance.json").status_code == 403
    assert (
        other_browser.get("/dashboard?start=2026-02-01&end=2025-01-01").status_code == 302
    )  # refused period


def test_designer_validates_and_deploys_an_edited_diagram(browser) -> None:
    browser.login(Role.PROCESS_DESIGNER)
    xml = wams_bundle().files["wams_procedure.bpmn"].decode()
    assert browser.get("/designer/wams_procedure/edit").status_code == 200
    served = browser.get("/designer/wams_procedure/versions/1/files/wams_procedure.bpmn")
    assert served.text == xml
    broken = xml.replace('camunda:formKey="beoordeling_checklist"', 'camunda:formKey="bestaat_niet"', 1)
    checked = browser.post_json(
        "/designer/wams_procedure/validate", {"file": "wams_procedure.bpmn", "xml": broken}
    )
    assert checked.status_code == 200 and not checked.get_json()["ok"]
    assert [i["element"] for i in checked.get_json()["issues"]] == ["task_beoordeling_checklist"]
    refused = browser.post_json(
        "/designer/wams_procedure/deploy", {"file": "wams_procedure.bpmn", "xml": broken}
    )
    assert refused.status_code == 422
    not_ours = browser.post_json(
        "/designer/wams_procedure/deploy", {"file": "forms/melding.json", "xml": "{}"}
    )
    assert not_ours.status_code == 422

    renamed = xml.replace(
        'name="Checklist meervoudige problematiek invullen"', 'name="Checklist invullen"', 1
    )
    deployed = browser.post_json(
        "/designer/wams_procedure/deploy", {"file": "wams_procedure.bpmn", "xml": renamed}
    )
    assert deployed.get_json()["version"] == 2 and deployed.get_json()["created"]
    same = browser.post_json(
        "/designer/wams_procedure/deploy", {"file": "wams_procedure.bpmn", "xml": renamed}
    )
    assert same.get_json()["version"] == 2 and not same.get_json()["created"]
    history = browser.get("/designer/wams_procedure")
    assert "Versie 2" in history.text and "“Checklist invullen”" in history.text


def test_tenancy_language_and_vendor_files(browser, other_browser) -> None:
    browser.login(Role.MELDPUNT)
    procedure_id = _start(browser)
    other_browser.login(Role.MELDPUNT, tenant=OTHER)
    assert other_browser.get(f"/procedures/{procedure_id}").status_code == 404
    assert other_browser.get(f"/procedures/{uuid.uuid4()}/diagram.json").status_code == 404

    assert "Werkvoorraad" in browser.get("/inbox").text  # Dutch by default
    switched = browser.client.get("/language/en?next=/inbox")
    assert switched.status_code == 302 and "lang=en" in switched.headers["Set-Cookie"]
    assert switched.headers["Location"] == "/inbox"
    english = browser.get("/inbox").text
    assert "Werkvoorraad" not in english and ">Inbox<" in english and '<html lang="en">' in english
    assert browser.client.get("/language/en?next=https://evil.example/").headers["Location"] == "/"

    assert browser.client.get("/vendor/bpmn-js/package.json").status_code == 404
    assert browser.client.get("/vendor/bpmn-js/dist/../package.json").status_code == 404
    assert browser.client.get("/vendor/left-pad/index.js").status_code == 404


def test_steering_suspend_resume_extend_cancel(browser, other_browser) -> None:
    browser.login(Role.MELDPUNT)
    procedure_id = _start(browser)
    page = browser.get(f"/procedures/{procedure_id}")
    assert "/suspend" not in page.text  # the meldpunt does not steer
    assert browser.post(f"/procedures/{procedure_id}/cancel", {"reason": "x"}).status_code == 403

    other_browser.login(Role.COORDINATOR)
    base = f"/procedures/{procedure_id}"
    assert "/suspend" in other_browser.get(base).text
    other_browser.post(f"{base}/suspend", {"reason": ""})
    assert "Niet uitgevoerd" in other_browser.get(base).text  # a reason is required
    other_browser.post(f"{base}/suspend", {"reason": "Cliënt ligt in het ziekenhuis."})
    page = other_browser.get(base)
    assert 'data-testid="status">opgeschort' in page.text and "/resume" in page.text
    other_browser.post(f"{base}/resume", {"reason": ""})
    assert 'data-testid="status">lopend' in other_browser.get(base).text
    other_browser.post(f"{base}/extend", {"period": "P1M", "reason": "Wachten op de school."})
    extended = other_browser.get(base).text
    assert "Termijnen verlengd" in extended, extended[extended.find("flash") :][:300]
    other_browser.post(f"{base}/cancel", {"reason": ""})
    assert "Geef een reden" in other_browser.get(base).text
    other_browser.post(f"{base}/cancel", {"reason": "Cliënt is verhuisd."})
    page = other_browser.get(base)
    assert 'data-testid="status">gestopt' in page.text and "/suspend" not in page.text
    assert "Cliënt is verhuisd." in page.text  # the reason is in the timeline


def test_the_client_withdraws_from_the_procedure_page(browser, other_browser) -> None:
    browser.login(Role.MELDPUNT)
    procedure_id = _start(browser)
    base = f"/procedures/{procedure_id}"
    assert "/messages/client_withdraws" not in browser.get(base).text  # the meldpunt does not steer

    other_browser.login(Role.COORDINATOR)
    page = other_browser.get(base).text
    assert 'data-testid="message-client_withdraws"' in page and "Cliënt trekt zich terug" in page
    assert "Reden (optioneel)" in page  # the message's form, rendered like a task's
    other_browser.post(f"{base}/messages/client_withdraws", {"reden": "iets anders"})
    refused = other_browser.get(base).text
    assert "Niet uitgevoerd" in refused and 'data-testid="status">lopend' in refused
    other_browser.post(f"{base}/messages/client_withdraws", {"reden": "geen_behoefte"})
    page = other_browser.get(base).text
    assert "Doorgegeven: Cliënt trekt zich terug." in page
    assert "/messages/client_withdraws" not in page  # nothing left to withdraw from
    other_browser.post(f"{base}/messages/client_withdraws", {})
    assert "wacht hier niet (meer) op" in other_browser.get(base).text
