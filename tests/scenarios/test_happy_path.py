"""Happy path: the client asks for help herself; the procedure runs through every phase, one
evaluation finds the goals reached and the procedure closes. Every task is completed by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.errors import NotFound

from . import answers as a
from .walk import ASSESSOR, COORDINATOR, MANAGER, MELDPUNT, OpenTask, Walk, party


def test_the_clients_own_request_runs_to_goals_reached(walk: Walk) -> None:
    started = walk.now()

    # 1. Melding: the meldpunt registers the client's own request for help.
    procedure = walk.start(MELDPUNT, a.melding(gezinsleden=[{"naam": "Anna Jansen", "relatie": "partner"}]))
    assert (procedure.reference, procedure.status, procedure.ingang) == (
        "2027-00001",
        "open",
        "client_verzoek",
    )
    assert walk.open() == [OpenTask("task_beoordeling_checklist", "assessor")]
    assert walk.procedure().phase == "beoordeling"
    # The process sees keys, never the person: names and BSN are facts with their legal ground.
    assert a.CLIENT_NAME not in walk.state() and a.CLIENT_BSN not in walk.state()
    bsn = next(f for f in walk.facts() if f.field == "bsn")
    assert (bsn.category, bsn.legal_ground) == ("identifying", "meldpunt")

    # 2. Beoordeling: checklist, the DMN's advice, the assessor's motivated decision.
    assert walk.due_days("task_beoordeling_checklist") == 14
    walk.complete("task_beoordeling_checklist", as_=ASSESSOR, **a.checklist())
    assert walk.task_data("task_beoordeling_besluit")["advies"] == "ja"
    assert "this task is for the role Beoordelaar" in walk.forbidden(
        "task_beoordeling_besluit", as_=COORDINATOR, **a.besluit()
    )
    walk.complete("task_beoordeling_besluit", as_=ASSESSOR, **a.besluit())

    # 3. Informing the client; cliëntondersteuning is offered and used.
    assert walk.open() == [OpenTask("task_informeren", "coordinator")]
    assert walk.due_days("task_informeren") == 7
    walk.complete("task_informeren", as_=COORDINATOR, **a.informeren())

    # 4. Voluntariness and scope: the client consents and excludes nothing.
    walk.complete("task_toestemming_reikwijdte", as_=COORDINATOR, **a.toestemming())

    # 5. The household member is asked separately and takes part.
    assert walk.open() == [OpenTask("task_gezinslid_toestemming", "coordinator", subject="lid-1")]
    walk.complete("task_gezinslid_toestemming", as_=COORDINATOR, subject="lid-1", **a.gezinslid(True))
    assert walk.subjects()["lid-1"].participation == "included"

    # 6. Onderzoek: two parties, a request with purpose and necessity for each, each answers.
    walk.complete(
        "task_onderzoek_opzet", as_=COORDINATOR, **a.onderzoek_opzet("wijkteam", "schuldhulpverlening")
    )
    assert walk.about("task_verzoek_opstellen", "partij") == ["schuldhulpverlening", "wijkteam"]
    for code in ("wijkteam", "schuldhulpverlening"):
        walk.complete("task_verzoek_opstellen", as_=COORDINATOR, about={"partij": code}, **a.verzoek())
    assert walk.open() == [
        OpenTask("task_partij_antwoord", "party_contact", party="schuldhulpverlening"),
        OpenTask("task_partij_antwoord", "party_contact", party="wijkteam"),
    ]
    # Another party's task does not exist for a party: the refusal must not tell it who takes part.
    with pytest.raises(NotFound):
        walk.complete(
            "task_partij_antwoord", party="wijkteam", as_=party("schuldhulpverlening"), **a.antwoord()
        )
    walk.complete("task_partij_antwoord", party="wijkteam", as_=party("wijkteam"), **a.antwoord())
    walk.complete(
        "task_partij_antwoord",
        party="schuldhulpverlening",
        as_=party("schuldhulpverlening"),
        **a.antwoord(informatie_financieel="Schuld van 12.000 euro bij 6 schuldeisers"),
    )
    debt = next(f for f in walk.facts() if f.field == "informatie_financieel")
    assert (debt.category, debt.source_party, debt.legal_ground, debt.purpose) == (
        "financial",
        "schuldhulpverlening",
        "verstrekking_partij",
        a.verzoek()["doel"],
    )

    # 7. Conclusion, casusoverleg, coordinator appointed by the manager, the plan.
    walk.complete("task_onderzoek_conclusie", as_=COORDINATOR, **a.conclusie(casusoverleg_nodig=True))
    walk.complete("task_casusoverleg", as_=COORDINATOR, **a.casusoverleg("wijkteam", "schuldhulpverlening"))
    assert walk.open() == [OpenTask("task_coordinator_aanwijzen", "manager")]
    walk.complete("task_coordinator_aanwijzen", as_=MANAGER, **a.coordinator("c.devries"))
    assert walk.open() == [OpenTask("task_aanpak_plan", "coordinator", assignee="c.devries")]
    walk.complete("task_aanpak_plan", as_=COORDINATOR, **a.aanpak("wijkteam", "schuldhulpverlening"))

    # 8. Uitvoering: the procedure continued as a fresh evaluation instance and waits three months.
    assert walk.chain() == ["wams_procedure", "wams_evaluatie"]
    assert walk.open() == []
    assert walk.instance().next_timer_due == started + timedelta(days=90)  # P3M from 4 January
    walk.later(days=89)
    assert walk.open() == []
    walk.later(days=1, minutes=1)
    assert walk.open() == [
        OpenTask("task_voortgang_partij", "party_contact", party="schuldhulpverlening"),
        OpenTask("task_voortgang_partij", "party_contact", party="wijkteam"),
    ]
    for code in ("wijkteam", "schuldhulpverlening"):
        walk.complete("task_voortgang_partij", party=code, as_=party(code), **a.voortgang())
    assert walk.open() == [OpenTask("task_evaluatie", "coordinator", assignee="c.devries")]
    assert walk.procedure().phase == "evaluatie"

    # 9. Evaluation: goals reached. 10. Closure by the coordinator.
    walk.complete("task_evaluatie", as_=COORDINATOR, **a.evaluatie("doelen_bereikt"))
    assert walk.open() == [OpenTask("task_afsluiting", "coordinator", assignee="c.devries")]
    walk.later(days=3)
    walk.complete("task_afsluiting", as_=COORDINATOR, **a.afsluiting("doelen_bereikt"))

    assert walk.chain() == ["wams_procedure", "wams_evaluatie", "wams_afsluiting"]
    assert walk.open() == []
    closed = walk.procedure()
    assert (closed.status, closed.phase, closed.outcome, closed.stop_reason, closed.coordinator) == (
        "closed",
        "afgesloten",
        "doelen_bereikt",
        "doelen_bereikt",
        "c.devries",
    )
    assert closed.started_at == started and closed.ended_at == started + timedelta(days=93, minutes=1)
    assert closed.retention_until == closed.ended_at.replace(
        year=closed.ended_at.year + 5
    )  # bewaartermijn P5Y
    indicators = walk.indicators()
    assert {key: indicators[key] for key in EXPECTED} == EXPECTED
    # Parties see nothing of a closed procedure; the municipality keeps the file until retention ends.
    assert walk.view(party("wijkteam")).shown_facts == []
    assert any(f.field == "informatie_financieel" for f in walk.view(COORDINATOR).shown_facts)
    assert a.CLIENT_NAME not in walk.state()
    walk.assert_every_task_had_role_and_due_date()


EXPECTED = {
    "ingang": ["client_verzoek"],
    "beoordeling": ["ja"],
    "clientondersteuning": ["ja"],
    "toestemming": ["ja"],
    "gezinslid_deelname": [True],
    "partijen": [["wijkteam", "schuldhulpverlening"]],
    "informatieverstrekking": ["delen", "delen"],
    "betrokken_partijen": [["schuldhulpverlening", "wijkteam"]],
    "betrokken_domeinen": [["sociaal_domein"]],
    "onderzoek_vervolg": ["aanpak"],
    "casusoverleg_partijen": [["wijkteam", "schuldhulpverlening"]],
    "coordinator": ["c.devries"],
    "aanpak_partijen": [["wijkteam", "schuldhulpverlening"]],
    "voortgang": ["volgens_afspraak", "volgens_afspraak"],
    "evaluatie": ["doelen_bereikt"],
    "uitkomst": ["doelen_bereikt"],
    "stopreden": ["doelen_bereikt"],
}
