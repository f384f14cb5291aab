"""The coordinator's information requests, one per party, say which party each is for: in the inbox
row, on the task page's heading, on the procedure page and in the API's task listing. Naming the
party changes nobody's access: a party's contact still sees only its own party's tasks, never the
coordinator's requests nor another party's work."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from engine.accounts.models import User
from engine.accounts.service import add_token, add_user
from engine.roles import Role
from tests.scenarios import answers as a
from tests.scenarios.phases import assess, consent
from tests.scenarios.walk import ASSESSOR, COORDINATOR, Walk

from .conftest import TENANT, Browser

# Two parties of the same kind: their requests are the same step with the same form.
PARTIES = {"wijkteam": "Sociaal wijkteam", "schuldhulpverlening": "Schuldhulpverlening (gemeente)"}
REQUEST = "Doel en noodzaak van het verzoek vastleggen"
NL = {"Accept-Language": "nl"}


@pytest.fixture
def consented(app, services, uow, clock) -> Walk:
    """A procedure whose client consented: the coordinator sets up the onderzoek next."""
    walk = Walk(services, uow, clock)
    walk.start(ASSESSOR, a.melding(gezinsleden=[]))
    assess(walk)
    consent(walk)
    return walk


@pytest.fixture
def asked(consented: Walk) -> Walk:
    """The onderzoek asks both parties: the coordinator has one request per party."""
    consented.complete("task_onderzoek_opzet", as_=COORDINATOR, **a.onderzoek_opzet(*PARTIES))
    return consented


def _text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def _rows(page: str, name: str) -> dict[str, str]:
    """The inbox rows of the task `name`: task id → the row's visible text."""
    rows = re.findall(r'<tr class="[^"]*" id="task-([0-9a-f-]{36})">(.*?)</tr>', page, re.S)
    return {task_id: _text(row) for task_id, row in rows if name in _text(row)}


def _token(uow, username: str) -> dict[str, str]:
    secret = f"wams_test_{username}"
    with uow() as unit:
        user = unit.session.scalar(select(User).where(User.username == username))
        add_token(unit, user, "test", created_by="tests", secret=secret)
        unit.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_the_coordinator_tells_the_requests_apart_by_party(consented, browser: Browser, uow) -> None:
    browser.login(Role.COORDINATOR)
    # The coordinator chooses both parties on the web; what comes next is a request per party.
    [setup] = [t for t in consented.open_rows() if t.element_id == "task_onderzoek_opzet"]
    form = [("partijen", code) for code in PARTIES]
    form += [("onderzoeksvraag", "Wat speelt er?"), ("reikwijdte_gecontroleerd", "true")]
    done = browser.post(f"/tasks/{setup.id}", form)
    assert done.status_code == 302, done.text
    after = _text(browser.get(done.headers["Location"], headers=NL).text)
    assert all(f"{REQUEST} voor partij {name} — voor u" in after for name in PARTIES.values()), after

    inbox = browser.get("/inbox", headers=NL)
    rows = _rows(inbox.text, REQUEST)
    assert len(rows) == 2, inbox.text
    named = {code for code, name in PARTIES.items() for row in rows.values() if f"voor partij {name}" in row}
    assert named == set(PARTIES), rows
    # The claim buttons differ for a screen reader too (their hidden label names the party).
    assert all(
        any(f"Oppakken : {REQUEST}, voor partij {n}" in r for r in rows.values()) for n in PARTIES.values()
    )

    # The task page's heading says it too, and which one: each request names its own party.
    headings = {}
    for task_id in rows:
        page = browser.get(f"/tasks/{task_id}", headers=NL)
        [heading] = re.findall(r"<h1>(.*?)</h1>", page.text, re.S)
        headings[task_id] = _text(heading)
        assert headings[task_id].startswith(REQUEST)
        # The role card stays the role: the coordinator's, not the party's.
        assert "Coördinator · " not in _text(page.text)
    assert {h.split("voor partij ", 1)[-1] for h in headings.values()} == set(PARTIES.values())
    assert all(h.split("voor partij ", 1)[-1] in rows[i] for i, h in headings.items())

    # The procedure page's open tasks name the party of each request (the role stays the coordinator's).
    procedure = _text(browser.get(f"/procedures/{consented.procedure_id}", headers=NL).text)
    assert all(f"{REQUEST} voor partij {name} Coördinator" in procedure for name in PARTIES.values())

    # The API lists the same tasks with their party.
    listing = browser.client.get(
        "/api/v1/tasks?scope=available&element_id=task_verzoek_opstellen",
        headers=_token(uow, f"coordinator.{TENANT}"),
    )
    assert listing.status_code == 200, listing.get_json()
    items = listing.get_json()["items"]
    assert sorted(i["party"] for i in items) == sorted(PARTIES)
    assert all(i["role"] == "coordinator" and i["can_work"] for i in items)
    detail = browser.client.get(f"/api/v1/tasks/{items[0]['id']}", headers=_token(uow, f"manager.{TENANT}"))
    assert detail.get_json()["task"]["party"] == items[0]["party"]


def test_a_party_still_sees_only_its_own_work(asked, browser: Browser, uow) -> None:
    # The coordinator sends both requests: each party now has its own question to answer.
    for code in PARTIES:
        asked.complete("task_verzoek_opstellen", as_=COORDINATOR, about={"partij": code}, **a.verzoek())
    [ours] = [t for t in asked.open() if t.party == "wijkteam"]
    assert ours.element == "task_partij_antwoord"

    browser.login(Role.PARTY_CONTACT)  # the web's party contact works for the wijkteam
    inbox = _text(browser.get("/inbox", headers=NL).text)
    assert "voor partij Sociaal wijkteam" in inbox
    assert PARTIES["schuldhulpverlening"] not in inbox and REQUEST not in inbox
    procedure = _text(browser.get(f"/procedures/{asked.procedure_id}", headers=NL).text)
    assert PARTIES["schuldhulpverlening"] not in procedure and REQUEST not in procedure

    listing = browser.client.get(
        "/api/v1/tasks?scope=all&status=any", headers=_token(uow, f"party_contact.{TENANT}")
    )
    items = listing.get_json()["items"]
    assert [(i["element_id"], i["party"]) for i in items] == [("task_partij_antwoord", "wijkteam")]
    # The other party's contact (over the API) sees its own request, not the wijkteam's.
    with uow() as unit:
        add_user(unit, TENANT, "contact.schulden", roles=[Role.PARTY_CONTACT], party="schuldhulpverlening")
        unit.commit()
    theirs = browser.client.get("/api/v1/tasks?scope=all&status=any", headers=_token(uow, "contact.schulden"))
    items = theirs.get_json()["items"]
    assert [(i["element_id"], i["party"]) for i in items] == [("task_partij_antwoord", "schuldhulpverlening")]
