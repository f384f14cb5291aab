"""Beoordeling: no multiple problems ends the procedure with a referral; a party's request after an
earlier refusal is flagged (drukmiddel)."""

from __future__ import annotations

import pytest

from engine.errors import InvalidForm

from . import answers as a
from .walk import ASSESSOR, MELDPUNT, OpenTask, Walk, party

NEIGHBOUR = {"naam": "Buurvrouw", "contact": "06-12345678"}


def test_assessment_no_ends_the_procedure_with_a_referral(walk: Walk) -> None:
    walk.start(MELDPUNT, a.melding(ingang="meldpunt", melder=NEIGHBOUR, gezinsleden=[]))
    assert walk.subjects()["melder"].kind == "reporter"

    # A one-off incident of confused behaviour is not multiple problems: the DMN advises "nee".
    walk.complete("task_beoordeling_checklist", as_=ASSESSOR, **a.checklist(eenmalig_incident=True))
    advice = walk.task_data("task_beoordeling_besluit")
    assert advice["advies"] == "nee" and "eenmalig" in advice["advies_toelichting"].lower()

    # "Nee" needs a referral to regular help.
    no = a.besluit(
        beoordeling_besluit="nee", beoordeling_motivering="Eenmalig incident; huisarts is betrokken."
    )
    assert walk.refused("task_beoordeling_besluit", as_=ASSESSOR, **no) == [("verwijzing", "required")]
    walk.complete("task_beoordeling_besluit", as_=ASSESSOR, **no, verwijzing="huisarts")

    # The assessor closes: the client hears the outcome, the reporter that the melding was handled.
    assert walk.open() == [OpenTask("task_afsluiting_verwijzing", "assessor")]
    assert walk.chain() == ["wams_procedure", "wams_afsluiting"]
    assert walk.procedure().phase == "afsluiting"
    walk.complete("task_afsluiting_verwijzing", as_=ASSESSOR, **a.afsluiting_verwijzing())

    closed = walk.procedure()
    assert (closed.status, closed.phase, closed.outcome, closed.stop_reason) == (
        "closed",
        "afgesloten",
        "verwezen",
        "geen_meervoudige_problematiek",
    )
    assert closed.coordinator is None and closed.ended_at == walk.now()
    indicators = walk.indicators()
    assert indicators["ingang"] == ["meldpunt"]
    assert indicators["beoordeling"] == ["nee"]
    assert indicators["stopreden"] == ["geen_meervoudige_problematiek"]
    assert "clientondersteuning" not in indicators  # the client was never approached
    assert sorted(t.element_id for t in walk.tasks()) == [
        "task_afsluiting_verwijzing",
        "task_beoordeling_besluit",
        "task_beoordeling_checklist",
    ]
    walk.assert_every_task_had_role_and_due_date()


def test_a_partys_request_after_an_earlier_refusal_is_flagged_as_possible_leverage(walk: Walk) -> None:
    school = a.melding(
        ingang="verzoek_partij",
        melder={"naam": "Zorgcoördinator", "organisatie": "Het College"},
        gezinsleden=[],
    )
    # A party's request names the party (start form validation).
    with pytest.raises(InvalidForm) as refused:
        walk.start(MELDPUNT, school)
    assert [(e.field, e.code) for e in refused.value.errors] == [("verzoekende_partij", "required")]
    walk.start(MELDPUNT, {**school, "verzoekende_partij": "school"})
    assert walk.procedure().ingang == "verzoek_partij"

    walk.complete("task_beoordeling_checklist", as_=ASSESSOR, **a.checklist(eerdere_weigering=True))
    assert walk.task_data("task_beoordeling_besluit")["advies"] == "twijfel"
    walk.complete(
        "task_beoordeling_besluit",
        as_=ASSESSOR,
        **a.besluit(
            beoordeling_besluit="nee", beoordeling_motivering="Drukmiddel na weigering.", verwijzing="geen"
        ),
    )
    walk.complete(
        "task_afsluiting_verwijzing", as_=ASSESSOR, **a.afsluiting_verwijzing(uitkomst="geen_vervolg")
    )
    closed = walk.procedure()
    assert (closed.status, closed.outcome, closed.stop_reason) == (
        "closed",
        "geen_vervolg",
        "geen_meervoudige_problematiek",
    )
    assert walk.view(party("school")).shown_facts == []  # the requesting party sees nothing of it
    assert walk.indicators()["ingang"] == ["verzoek_partij"]
