"""The canary test (tests/privacy/canary.py): a marker in every free-text field of one procedure,
every page and API answer read as every account of both municipalities, in the onderzoek, in the
evaluation and after closure. Each marker may surface only where the policy grants it; every answer
that shows a party's or the municipality's recorded data has its processing-log line."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from engine.privacy.models import ProcessingLogEntry
from engine.procedures.models import Procedure
from tests.scenarios import answers as a

from .canary import ACCOUNTS, CLIENT_BSN, TENANTS, Canary, Seen, account


@pytest.fixture
def canary(services, uow, clock) -> Iterator[Canary]:
    from api.app import create_app

    app = create_app(services.settings, services=services)
    app.config["TESTING"] = True
    found = Canary(app, services, uow, clock)
    found.setup()
    yield found
    found.smtp.close()


def _leaks(canary: Canary, seen: list[Seen]) -> list[str]:
    allowed = {(account(k, t)): canary.allowed(k, t) for t in TENANTS for k in ACCOUNTS}
    return sorted(
        {
            f"{s.account} saw {s.marker} ({_what(canary, s.marker)}) at {s.route}"
            for s in seen
            if s.marker not in allowed[s.account]
        }
    )


def _what(canary: Canary, marker: str) -> str:
    if marker.startswith("party:"):
        return "that this party takes part"
    if marker == CLIENT_BSN:
        return "the client's BSN"
    planted = canary.planted.get(marker)
    return f"{planted.element}.{planted.field}" if planted else "?"


def _phase(canary: Canary) -> tuple[str, str | None]:
    with canary.uow(readonly=True) as unit:
        procedure = unit.session.get(Procedure, uuid.UUID(canary.procedure_id))
        assert procedure is not None
        return procedure.status, procedure.phase


def _log_covers(canary: Canary, seen: list[Seen]) -> list[str]:
    """Every account that was shown a recorded fact has a processing-log line for its category."""
    facts = canary.facts_by_marker()
    with canary.uow(readonly=True) as unit:
        lines = list(
            unit.session.scalars(
                select(ProcessingLogEntry).where(
                    ProcessingLogEntry.procedure_id == uuid.UUID(canary.procedure_id)
                )
            )
        )
    logged = {(line.actor, category) for line in lines for category in line.categories}
    missing = set()
    for s in seen:
        if s.marker in facts and (s.account, facts[s.marker][0].category) not in logged:
            missing.add(f"{s.account} was shown {facts[s.marker][0].category} data at {s.route}: not logged")
    return sorted(missing)


def test_no_page_or_answer_tells_anyone_more_than_the_policy_allows(canary: Canary) -> None:
    c = canary
    c.start()
    c.complete("task_beoordeling_checklist", "assessor", a.checklist())
    c.complete("task_beoordeling_besluit", "assessor", a.besluit())
    c.complete("task_informeren", "coordinator", a.informeren())
    c.complete("task_toestemming_reikwijdte", "coordinator", a.toestemming())
    for member in ("lid-1", "lid-2"):
        c.complete("task_gezinslid_toestemming", "coordinator", a.gezinslid(True), subject=member)
    c.complete("task_onderzoek_opzet", "coordinator", a.onderzoek_opzet(*PARTIES_ASKED))
    for _ in PARTIES_ASKED:
        c.complete("task_verzoek_opstellen", "coordinator", a.verzoek("general", "housing", "health"))
    c.complete("task_partij_antwoord", "wijkteam", a.antwoord(), party="wijkteam")
    c.complete(
        "task_partij_antwoord_handhavend",
        "woningcorporatie",
        a.antwoord_handhavend(),
        party="woningcorporatie",
    )
    c.complete(
        "task_medische_afweging", "ggz", a.medisch_delen(informatie_algemeen="x"), party="ggz_instelling"
    )

    # The onderzoek: the parties answered; the GGZ institution shared part of its health information.
    assert _phase(c) == ("open", "onderzoek")
    seen, statuses = c.read_everything()
    assert {s.marker for s in seen if s.account == "coordinator.utrecht"} >= set(c.facts_by_marker()), (
        "the coordinator must see every recorded fact: else the canary cannot see anything"
    )
    assert any(s.account == "wijkteam.utrecht" for s in seen), "a party must see what it supplied"
    leaks = _leaks(c, seen)
    assert not leaks, "\n".join(leaks)
    unlogged = _log_covers(c, seen)
    assert not unlogged, "\n".join(unlogged)

    c.complete("task_onderzoek_conclusie", "coordinator", a.conclusie(casusoverleg_nodig=True))
    c.complete("task_casusoverleg", "coordinator", a.casusoverleg(*PARTIES_ASKED))
    c.complete("task_coordinator_aanwijzen", "manager", a.coordinator(account("coordinator", c.tenant)))
    c.complete("task_aanpak_plan", "coordinator", a.aanpak(*PARTIES_ASKED))
    c.later(days=91)  # the first evaluation period ends: every party reports its progress
    for key, code in (
        ("wijkteam", "wijkteam"),
        ("woningcorporatie", "woningcorporatie"),
        ("ggz_contact", "ggz_instelling"),
    ):
        c.complete("task_voortgang_partij", key, a.voortgang(), party=code)

    assert _phase(c) == ("open", "evaluatie")
    seen, _ = c.read_everything()
    leaks = _leaks(c, seen)
    assert not leaks, "\n".join(leaks)
    unlogged = _log_covers(c, seen)
    assert not unlogged, "\n".join(unlogged)

    # The evaluation runs late: it escalates by e-mail, and no mail carries anyone's data.
    c.later(days=30)
    assert c.smtp.received, "the late evaluation must escalate by e-mail: else no mail was checked"
    assert not c.mails(), "\n".join(f"{s.account} got {s.marker} by e-mail" for s in c.mails())

    c.complete("task_evaluatie", "coordinator", a.evaluatie("doelen_bereikt"))
    c.complete("task_afsluiting", "coordinator", a.afsluiting("doelen_bereikt"))

    # Closed: sharing stops. Parties find nothing of it any more; the municipality keeps its file.
    assert _phase(c)[0] == "closed"
    seen, _ = c.read_everything()
    leaks = _leaks(c, seen)
    assert not leaks, "\n".join(leaks)
    assert not [
        s
        for s in seen
        if s.account.split(".")[0] in ("wijkteam", "woningcorporatie", "ggz", "ggz_contact")
        and not s.marker.startswith("party:")
    ]
    detail = c.call("GET", f"/api/v1/procedures/{c.procedure_id}", "wijkteam")
    assert detail.status_code == 404
    assert statuses  # every route answered something (a status per call was counted)


PARTIES_ASKED = ("wijkteam", "woningcorporatie", "ggz_instelling")
