"""The client withdraws: every open task is cancelled, wherever it is (a party's progress report in the
approach, information requests inside the called per-party process), and the procedure is closed."""

from __future__ import annotations

import pytest

from engine.errors import InvalidForm, InvalidInput, NotAuthorized
from engine.procedures.messages import awaited_messages

from . import answers as a
from .phases import assess, consent, period, request, to_approach
from .walk import ASSESSOR, COORDINATOR, MANAGER, OpenTask, Walk, party


def test_the_client_withdraws_during_the_approach(walk: Walk) -> None:
    to_approach(walk, "wijkteam", "schuldhulpverlening")
    period(walk, progress=False)  # let the first period's reports lapse; the coordinator evaluates
    walk.complete("task_evaluatie", as_=COORDINATOR, **a.evaluatie())
    walk.next_timer()  # second period: both parties are asked for progress
    walk.complete("task_voortgang_partij", party="wijkteam", as_=party("wijkteam"), **a.voortgang())
    assert walk.open() == [OpenTask("task_voortgang_partij", "party_contact", party="schuldhulpverlening")]

    # The procedure page offers the withdrawal (and its form) to those who may pass it on.
    [offered] = awaited_messages(walk.uow(readonly=True), COORDINATOR, walk.id)
    assert (offered.name, offered.label) == ("client_withdraws", "Cliënt trekt zich terug")
    assert offered.form is not None and list(offered.form["properties"]) == ["reden"]
    assert awaited_messages(walk.uow(readonly=True), party("wijkteam"), walk.id) == []
    # Only the municipality's coordinator or manager passes the client's withdrawal on.
    with pytest.raises(NotAuthorized):
        walk.send(party("wijkteam"), "client_withdraws")
    # Only a category of reason, from the message's form; free text has no place in the process data.
    with pytest.raises(InvalidForm):
        walk.send(COORDINATOR, "client_withdraws", reden="Cliënt is opgenomen in de GGZ-kliniek")
    walk.send(COORDINATOR, "client_withdraws", reden="geen_behoefte")

    # The open report is cancelled; the coordinator closes.
    [report] = [t for t in walk.tasks("task_voortgang_partij") if t.cancelled_at == walk.now()]
    assert (report.party, report.status) == ("schuldhulpverlening", "cancelled")
    assert walk.open() == [OpenTask("task_afsluiting", "coordinator", assignee="c.devries")]
    assert walk.chain()[-2:] == ["wams_evaluatie", "wams_afsluiting"]
    [received] = walk.events("message_received")
    assert (received.detail, received.data_keys) == ({"message": "client_withdraws"}, ["reden"])
    with pytest.raises(InvalidInput):  # nothing left to withdraw from
        walk.send(COORDINATOR, "client_withdraws")
    assert awaited_messages(walk.uow(readonly=True), COORDINATOR, walk.id) == []

    walk.complete("task_afsluiting", as_=COORDINATOR, **a.afsluiting("gedeeltelijk_bereikt"))
    closed = walk.procedure()
    assert (closed.status, closed.phase, closed.outcome, closed.stop_reason) == (
        "closed",
        "afgesloten",
        "gedeeltelijk_bereikt",
        "client_withdraws",
    )
    assert walk.indicators()["stopreden"] == ["client_withdraws"]
    assert walk.view(party("wijkteam")).shown_facts == []


def test_the_client_withdraws_while_parties_are_being_asked(walk: Walk) -> None:
    walk.start(ASSESSOR, a.melding(gezinsleden=[]))
    assess(walk)
    consent(walk)
    walk.complete(
        "task_onderzoek_opzet", as_=COORDINATOR, **a.onderzoek_opzet("ggz_instelling", "wijkteam", "uwv")
    )
    for code in ("ggz_instelling", "wijkteam"):
        walk.complete("task_verzoek_opstellen", as_=COORDINATOR, about={"partij": code}, **a.verzoek())
    assert {(t.element, t.party) for t in walk.open()} == {
        ("task_medische_afweging", "ggz_instelling"),
        ("task_partij_antwoord", "wijkteam"),
        ("task_verzoek_opstellen", None),
    }

    walk.send(COORDINATOR, "client_withdraws")

    # Work in three running instances of the called per-party process is cancelled at once.
    cancelled = {t.element_id for t in walk.tasks() if t.status == "cancelled"}
    assert cancelled == {"task_medische_afweging", "task_partij_antwoord", "task_verzoek_opstellen"}
    assert walk.open() == [
        OpenTask("task_afsluiting", "coordinator")
    ]  # no coordinator appointed yet: the pool
    assert walk.chain() == ["wams_procedure", "wams_afsluiting"]
    walk.complete("task_afsluiting", as_=COORDINATOR, **a.afsluiting("niet_bereikt"))
    closed = walk.procedure()
    assert (closed.status, closed.outcome, closed.stop_reason) == (
        "closed",
        "niet_bereikt",
        "client_withdraws",
    )
    assert "betrokken_partijen" not in walk.indicators()
    walk.assert_every_task_had_role_and_due_date()


def test_the_client_withdraws_while_the_appointed_coordinator_writes_the_plan(walk: Walk) -> None:
    walk.start(ASSESSOR, a.melding(gezinsleden=[]))
    assess(walk)
    consent(walk)
    request(walk, "wijkteam")
    walk.complete("task_onderzoek_conclusie", as_=COORDINATOR, **a.conclusie())
    walk.complete("task_coordinator_aanwijzen", as_=MANAGER, **a.coordinator("c.devries"))
    assert walk.open() == [OpenTask("task_aanpak_plan", "coordinator", assignee="c.devries")]

    walk.send(COORDINATOR, "client_withdraws", reden="geen_vertrouwen")
    # The interrupted subprocess's data are gone, but the appointment is kept at the process level:
    # the appointed coordinator closes, not the pool.
    assert walk.open() == [OpenTask("task_afsluiting", "coordinator", assignee="c.devries")]
