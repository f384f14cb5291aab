"""Parties in the onderzoek: a doctor weighs medical confidentiality and declines; a housing
corporation (enforcement role, no special categories) answers under conditions and never sees health
data."""

from __future__ import annotations

import pytest

from engine.errors import NotFound

from . import answers as a
from .phases import assess, consent
from .walk import ASSESSOR, COORDINATOR, OpenTask, Walk, doctor, party


def _ask(walk: Walk, *parties: str, categories: tuple[str, ...] = ("general", "health")) -> None:
    walk.start(ASSESSOR, a.melding(gezinsleden=[]))
    assess(walk)
    consent(walk)
    walk.complete("task_onderzoek_opzet", as_=COORDINATOR, **a.onderzoek_opzet(*parties))
    for code in parties:
        walk.complete(
            "task_verzoek_opstellen", as_=COORDINATOR, about={"partij": code}, **a.verzoek(*categories)
        )


def test_a_doctor_declines_to_share_and_the_procedure_goes_on(walk: Walk) -> None:
    _ask(walk, "huisarts", "wijkteam")
    # The party rules send the GP's request to a medical professional of that practice, with the step plan.
    assert walk.open() == [
        OpenTask("task_medische_afweging", "medical_professional", party="huisarts"),
        OpenTask("task_partij_antwoord", "party_contact", party="wijkteam"),
    ]
    rules = walk.task_data("task_medische_afweging", party="huisarts")
    assert (rules["medische_afweging"], rules["voorwaarden_verder_gebruik"], rules["nooit_delen"]) == (
        True,
        False,
        [],
    )
    assert "of party huisarts" in walk.forbidden("task_medische_afweging", as_=party("huisarts"))
    # For another party the GP's task does not exist: a refusal would tell it the GP takes part.
    with pytest.raises(NotFound):
        walk.complete("task_medische_afweging", party="huisarts", as_=doctor("ggz_instelling"))
    detail = walk.detail("task_medische_afweging", as_=doctor("huisarts"))
    assert detail.legal_ground is not None and detail.legal_ground["artikel"] == "7:457 BW; 88 Wet BIG"

    # Not sharing means no ground and no information; sharing needs a ground.
    gp = doctor("huisarts")
    assert walk.refused(
        "task_medische_afweging", as_=gp, **a.medisch_niet_delen(informatie_gezondheid="Depressie")
    ) == [("informatie_gezondheid", "must_be_empty")]
    assert walk.refused("task_medische_afweging", as_=gp, **a.medisch_niet_delen(besluit="delen")) == [
        ("grond", "excluded_choice")
    ]
    walk.complete("task_medische_afweging", as_=gp, **a.medisch_niet_delen())
    walk.complete("task_partij_antwoord", as_=party("wijkteam"), **a.antwoord())

    # The refusal does not stop the procedure: the conclusion is next.
    assert walk.open() == [OpenTask("task_onderzoek_conclusie", "coordinator")]
    # Only the doctor's motivation is kept (as health data from the GP, for the disciplinary court).
    from_gp = [(f.field, f.category, f.legal_ground) for f in walk.facts() if f.source_party == "huisarts"]
    assert from_gp == [("motivering", "health", "medisch_beroepsgeheim")]
    assert walk.procedure().phase == "onderzoek"
    walk.complete("task_onderzoek_conclusie", as_=COORDINATOR, **a.conclusie(vervolg="geen_aanpak"))
    walk.complete("task_afsluiting", as_=COORDINATOR, **a.afsluiting("verwezen"))

    indicators = walk.indicators()
    assert (indicators["medisch_besluit"], indicators["doorbrekingsgrond"]) == (["niet_delen"], ["geen"])
    assert indicators["betrokken_partijen"] == [["huisarts", "wijkteam"]]
    assert indicators["betrokken_domeinen"] == [["sociaal_domein", "zorg"]]
    closed = walk.procedure()
    assert (closed.status, closed.outcome, closed.stop_reason) == ("closed", "verwezen", "geen_aanpak_nodig")


def test_a_housing_corporation_never_receives_health_data(walk: Walk) -> None:
    _ask(walk, "ggz_instelling", "woningcorporatie")
    ggz, corporation = doctor("ggz_instelling"), party("woningcorporatie")

    # Party rules: the corporation has an enforcement role and may not process special categories.
    rules = walk.task_data("task_partij_antwoord_handhavend", party="woningcorporatie")
    assert rules["nooit_delen"] == ["health", "criminal"]
    assert (rules["voorwaarden_verder_gebruik"], rules["medische_afweging"]) == (True, False)
    ground = walk.detail("task_partij_antwoord_handhavend", as_=corporation).legal_ground
    assert ground is not None and ground["artikel"] == "5.4.3, vierde lid"

    # The GGZ shares health data after weighing; the corporation answers under conditions of use.
    walk.complete("task_medische_afweging", as_=ggz, **a.medisch_delen())
    assert walk.refused(
        "task_partij_antwoord_handhavend",
        as_=corporation,
        **a.antwoord_handhavend(gebruiksvoorwaarden_aanvaard=None),
    ) == [("gebruiksvoorwaarden_aanvaard", "required")]
    # What the corporation sees while answering: its task's case context holds no health data.
    context = walk.detail("task_partij_antwoord_handhavend", as_=corporation).context
    assert context is not None and {f.category for f in context.shown_facts} == {"general"}
    walk.complete("task_partij_antwoord_handhavend", as_=corporation, **a.antwoord_handhavend())
    [housing] = [f for f in walk.facts() if f.source_party == "woningcorporatie"]
    assert (housing.category, housing.domain, housing.legal_ground, housing.conditions) == (
        "housing",
        "wonen",
        "handhavende_partij",
        a.antwoord_handhavend()["nadere_voorwaarden"],
    )

    # Need-to-know: the coordinator sees the health data; the corporation only its own answer and the
    # client's general identification; the GGZ only its own and the identification.
    health = {"motivering", "informatie_gezondheid"}
    assert health <= {f.field for f in walk.view(COORDINATOR).shown_facts}
    seen_by_corporation = walk.view(corporation).shown_facts
    assert {f.category for f in seen_by_corporation} == {"general", "housing"}
    assert {f.source_party for f in seen_by_corporation} == {None, "woningcorporatie"}
    assert {f.field for f in walk.view(ggz).shown_facts if f.source_party} == health
    assert not {f.field for f in walk.view(party("wijkteam")).shown_facts} & health

    # After the casusoverleg and the plan the corporation still sees no health data.
    walk.complete("task_onderzoek_conclusie", as_=COORDINATOR, **a.conclusie(casusoverleg_nodig=True))
    walk.complete(
        "task_casusoverleg", as_=COORDINATOR, **a.casusoverleg("ggz_instelling", "woningcorporatie")
    )
    assert "health" not in {f.category for f in walk.view(corporation).shown_facts}
    indicators = walk.indicators()
    assert indicators["informatieverstrekking"] == ["delen"]
    assert indicators["medisch_besluit"] == ["gedeeltelijk_delen"]
    assert indicators["doorbrekingsgrond"] == ["toestemming"]
    assert indicators["casusoverleg_partijen"] == [["ggz_instelling", "woningcorporatie"]]
    assert walk.procedure().phase == "aanpak"
