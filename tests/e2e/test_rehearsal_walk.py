"""One procedure from melding to erasure through the web pages of the demo's rehearsal municipality
(oefendorp), each step by the person whose work it is, as they would do it: log in, find the task
in the inbox, claim it, fill in the form, submit. Time passes only through the clock control in the
rehearsal banner (as a process designer), and what fell due happens on the scheduler's next tick
(`wams run` ticks every second; here the test ticks). At the end the client's data are erased: the
coordinator's procedure page says so and shows no name, and the privacy officer's processing log
has the erasure line.

The answers are the scenarios' (tests/scenarios/answers.py), in the order of tests/scenarios/phases.py."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from typing import Any

import pytest

from engine.scheduler.runner import Scheduler
from tests.scenarios import answers as a

from .conftest import Ui
from .fill import fill_form

pytestmark = pytest.mark.e2e

OEFEN = "oefendorp"


class Person:
    """The browser tab, logged in as whoever does the next step."""

    def __init__(self, ui: Ui) -> None:
        self.ui = ui
        self.page = ui.page
        self.who: str | None = None
        self.reference = ""
        self.pages = 0

    def be(self, prefix: str) -> None:
        if self.who == prefix:
            return
        if self.who is not None:
            self.ui.logout()
        self.ui.login(prefix, OEFEN)
        self.who = prefix

    def check(self, name: str) -> None:
        self.pages += 1
        self.ui.check(f"walk-{self.pages:02d}-{name}")

    def rows(self, task: str) -> Any:
        """The inbox rows of this procedure's task `task`."""
        procedure = self.page.get_by_role("link", name=self.reference, exact=True)
        return self.page.locator("tbody tr", has=procedure).filter(has_text=task)

    def do(self, prefix: str, task: str, answers: dict[str, Any], *, party: str | None = None) -> None:
        """`prefix` finds the task `task` of this procedure in the inbox (the one for `party`, by the
        name the row shows, when there is one per party), claims it, fills it in and submits it."""
        self.be(prefix)
        page = self.page
        self.ui.go("/inbox")
        row = self.rows(task)
        if party is not None:
            row = row.filter(
                has=page.get_by_test_id("task-party").get_by_text(f"voor partij {party}", exact=True)
            )
        assert row.count() == 1, (
            f"{prefix} does not find {task!r} ({party=}) in the inbox:\n" + page.locator("main").inner_text()
        )
        self.check(f"inbox-{prefix}")
        claim = row.get_by_role("button", name=re.compile("^Oppakken"))
        if claim.count():
            claim.click()
            row.get_by_text("door u opgepakt").wait_for()
        row.get_by_role("link", name=re.compile(f"^({re.escape(task)}|Openen)")).first.click()
        page.get_by_role("button", name="Verzenden en afronden").wait_for()
        if party is not None:  # the task page's heading names the party too
            assert page.get_by_test_id("task-party").inner_text() == f"voor partij {party}"
        fill_form(page, answers)
        self.check(f"task-{prefix}")
        page.get_by_role("button", name="Verzenden en afronden").click()
        page.wait_for_url(re.compile(r".*/done$"))
        assert "afgerond" in page.locator("main").inner_text(), page.locator("main").inner_text()

    def move_clock(self, *, by: str | None = None, to: str | None = None) -> None:
        """A process designer moves the rehearsal clock forward from the banner, by a period or to a
        moment (`2032-03-13T09:00`); then the scheduler ticks, as `wams run` does every second."""
        self.be("ontwerper")
        page = self.page
        before = page.get_by_test_id("rehearsal-now").get_attribute("datetime")
        if by:
            page.get_by_label("Klok vooruitzetten met").select_option(by)
            page.get_by_role("button", name="Klok verzetten").click()
        else:
            page.get_by_label("of de klok zetten op").fill(to or "")
            page.get_by_role("button", name="Klok zetten", exact=True).click()
        page.wait_for_load_state()
        assert "De klok staat nu op" in page.locator(".flash").inner_text()
        assert page.get_by_test_id("rehearsal-now").get_attribute("datetime") > before
        self.check("clock")
        Scheduler(self.ui.server.services, mailer=None).tick()


def test_one_procedure_from_melding_to_erasure_through_the_pages(ui: Ui) -> None:
    began = time.monotonic()
    walk = Person(ui)
    page = ui.page

    # The meldpunt registers the client's own request for help.
    walk.be("meldpunt")
    page.get_by_role("link", name="Melding registreren").first.click()
    fill_form(page, a.melding(gezinsleden=[]))
    walk.check("melding")
    page.get_by_role("button", name="Registreren en procedure starten").click()
    page.wait_for_url(re.compile(r".*/procedures/[0-9a-f-]{36}$"))
    walk.reference = page.locator("h1").inner_text().removeprefix("Procedure ").strip()
    procedure_url = page.url.removeprefix(ui.server.url)

    # Beoordeling.
    walk.do("beoordelaar", "Checklist meervoudige problematiek invullen", a.checklist())
    walk.do("beoordelaar", "Besluiten over meervoudige problematiek", a.besluit())
    # The coordinator informs the client, records consent and scope, and sets up the onderzoek.
    walk.do("coordinator", "Cliënt informeren en cliëntondersteuning aanbieden", a.informeren())
    walk.do("coordinator", "Vrijwilligheid en reikwijdte bespreken", a.toestemming())
    walk.do(
        "coordinator",
        "Onderzoek opzetten: partijen kiezen",
        a.onderzoek_opzet("wijkteam", "schuldhulpverlening"),
    )
    # One request per party, the same step twice: each inbox row says which party it is for.
    walk.be("coordinator")
    ui.go("/inbox")
    requests = walk.rows("Doel en noodzaak van het verzoek vastleggen")
    named = sorted(requests.get_by_test_id("task-party").all_inner_texts())
    assert named == ["voor partij Schuldhulpverlening (gemeente)", "voor partij Sociaal wijkteam"], named
    for name in ("Sociaal wijkteam", "Schuldhulpverlening (gemeente)"):
        walk.do("coordinator", "Doel en noodzaak van het verzoek vastleggen", a.verzoek(), party=name)
    # Each party's contact answers its own request (and sees nothing of the other's).
    walk.do("partij", "Informatieverzoek beantwoorden", a.antwoord(), party="Sociaal wijkteam")
    walk.do(
        "schulden", "Informatieverzoek beantwoorden", a.antwoord(), party="Schuldhulpverlening (gemeente)"
    )
    # Conclusion, the manager appoints the coordinator, the plan.
    walk.do("coordinator", "Conclusie onderzoek en vervolg bepalen", a.conclusie())
    walk.do("manager", "Coördinator aanwijzen", a.coordinator(f"coordinator.{OEFEN}"))
    walk.do("coordinator", "Plan gecoördineerde aanpak opstellen", a.aanpak("wijkteam"))

    # Three months later the party is asked for its progress, and the coordinator evaluates.
    walk.move_clock(by="P3M")
    walk.do("partij", "Voortgang melden (per partij)", a.voortgang())
    walk.do("coordinator", "Aanpak evalueren", a.evaluatie("doelen_bereikt"))
    walk.do("coordinator", "Procedure afsluiten", a.afsluiting("doelen_bereikt"))
    walk.be("coordinator")
    ui.go(procedure_url)
    assert page.get_by_test_id("status").inner_text() == "afgesloten"
    assert a.CLIENT_NAME in page.locator("main").inner_text()
    # The page says until when the data are kept (bewaartermijn P5Y after closure).
    kept = datetime.strptime(page.get_by_test_id("retention-until").inner_text(), "%d-%m-%Y, %H:%M")
    walk.check("closed")

    # The designer sets the clock to the day after, and on the next tick the data are erased.
    walk.move_clock(to=(kept + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    walk.be("coordinator")
    ui.go(procedure_url)
    erased = page.get_by_test_id("erased").inner_text()
    assert "vernietigd" in erased and "bewaartermijn" in erased, erased
    text = page.locator("main").inner_text()
    assert a.CLIENT_NAME not in text and a.CLIENT_BSN not in text
    assert page.get_by_test_id("status").inner_text() == "afgesloten"  # the figures stay
    # The timeline ends with the erasure, and says why.
    last = page.locator("ol.timeline > li").last
    assert "Persoonsgegevens gewist" in last.inner_text(), last.inner_text()
    assert (
        last.get_by_test_id("erasure-ground")
        .inner_text()
        .startswith("Grond: de bewaartermijn was verstreken")
    )
    walk.check("erased")

    # The privacy officer's processing log has the erasure line, in rehearsal time.
    walk.be("fg")
    ui.go("/privacy/log")
    assert "oefentijd" in page.get_by_test_id("rehearsal-time").inner_text()
    erasure = page.locator("tbody tr", has_text=walk.reference).filter(has_text="vernietigd")
    assert erasure.count() >= 1, page.locator("main").inner_text()
    assert a.CLIENT_NAME not in page.locator("main").inner_text()
    walk.check("fg-log")
    assert not ui.console_errors, ui.console_errors
    took = time.monotonic() - began
    print(f"\nmelding to erasure through {walk.pages} pages in {took:.0f} s")
