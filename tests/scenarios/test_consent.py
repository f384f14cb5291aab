"""Voluntariness: the client refuses, the client excludes a domain and a data category, a household
member declines. Each refusal binds every later step."""

from __future__ import annotations

import pytest

from engine.errors import InvalidForm
from engine.tasks.commands import complete_task

from . import answers as a
from .phases import assess, consent, family, request
from .walk import ASSESSOR, COORDINATOR, OpenTask, Walk, party


def test_the_client_refuses_and_the_procedure_ends(walk: Walk) -> None:
    walk.start(
        ASSESSOR,
        a.melding(ingang="melding_professional", melder={"naam": "R. Smit", "organisatie": "Politie"}),
    )
    assess(walk)
    walk.complete("task_informeren", as_=COORDINATOR, **a.informeren(clientondersteuning_gebruikt="nee"))
    walk.complete("task_toestemming_reikwijdte", as_=COORDINATOR, **a.toestemming(toestemming="nee"))

    # No household member is asked, no party is approached: straight to closure by the coordinator pool.
    assert walk.open() == [OpenTask("task_afsluiting", "coordinator")]
    assert walk.chain() == ["wams_procedure", "wams_afsluiting"]
    walk.complete("task_afsluiting", as_=COORDINATOR, **a.afsluiting("geen_aanpak"))

    closed = walk.procedure()
    assert (closed.status, closed.phase, closed.outcome, closed.stop_reason) == (
        "closed",
        "afgesloten",
        "geen_aanpak",
        "client_weigert",
    )
    indicators = walk.indicators()
    assert indicators["ingang"] == ["melding_professional"]
    assert indicators["clientondersteuning"] == ["nee"]
    assert indicators["toestemming"] == ["nee"]
    assert indicators["stopreden"] == ["client_weigert"]
    assert not walk.tasks("task_gezinslid_toestemming") and not walk.tasks("task_onderzoek_opzet")
    walk.assert_every_task_had_role_and_due_date()


def test_the_client_excludes_a_domain_and_a_category(walk: Walk) -> None:
    walk.start(ASSESSOR, a.melding(gezinsleden=[]))
    assess(walk)
    consent(walk, uitgesloten_domeinen=["wonen"], uitgesloten_categorieen=["criminal"])
    assert walk.procedure().scope_exclusions == {"domains": ["wonen"], "categories": ["criminal"]}

    # The housing corporation is in the excluded domain: choosing it is refused, naming the party and
    # the exclusion (not skipped silently later).
    task = walk.task("task_onderzoek_opzet")
    with pytest.raises(InvalidForm) as refused:
        complete_task(
            walk.uow(), walk.runtime, COORDINATOR, task.id, a.onderzoek_opzet("woningcorporatie", "wijkteam")
        )
    [error] = refused.value.errors
    assert (error.field, error.code, error.params) == (
        "partijen",
        "party_excluded",
        {"party": "Woningcorporatie", "domain": "wonen"},
    )
    walk.complete("task_onderzoek_opzet", as_=COORDINATOR, **a.onderzoek_opzet("wijkteam"))
    assert walk.about("task_verzoek_opstellen", "partij") == ["wijkteam"]

    # A request that asks for an excluded category goes back to the coordinator.
    walk.complete("task_verzoek_opstellen", as_=COORDINATOR, **a.verzoek("general", "criminal"))
    assert "gw_categorieen" in walk.path()
    assert walk.open() == [OpenTask("task_verzoek_opstellen", "coordinator")]
    walk.complete("task_verzoek_opstellen", as_=COORDINATOR, **a.verzoek("general", "housing"))

    # The engine refuses facts of the excluded domain or category, whoever supplies them.
    wijkteam = party("wijkteam")
    assert walk.refused(
        "task_partij_antwoord", as_=wijkteam, **a.antwoord(informatie_wonen="Huurachterstand")
    ) == [("informatie_wonen", "out_of_scope")]
    assert walk.refused(
        "task_partij_antwoord", as_=wijkteam, **a.antwoord(informatie_strafrechtelijk="Veroordeeld in 2020")
    ) == [("informatie_strafrechtelijk", "out_of_scope")]
    walk.complete("task_partij_antwoord", as_=wijkteam, **a.antwoord())
    assert {f.category for f in walk.facts()} <= {"general", "identifying"}

    # Only parties and domains actually involved are recorded; then no approach is needed.
    # The refused choice never reached the process: only the party asked has a result.
    assert [
        r["partij"] for r in walk.task_data("task_onderzoek_conclusie")["informatieverzoek_resultaten"]
    ] == ["wijkteam"]
    walk.complete("task_onderzoek_conclusie", as_=COORDINATOR, **a.conclusie(vervolg="geen_aanpak"))
    walk.complete("task_afsluiting", as_=COORDINATOR, **a.afsluiting("geen_aanpak"))

    indicators = walk.indicators()
    assert indicators["betrokken_partijen"] == [["wijkteam"]]
    assert indicators["betrokken_domeinen"] == [["sociaal_domein"]]
    assert not walk.tasks("task_partij_antwoord_handhavend")
    closed = walk.procedure()
    assert (closed.status, closed.outcome, closed.stop_reason) == (
        "closed",
        "geen_aanpak",
        "geen_aanpak_nodig",
    )


def test_a_household_member_declines_and_their_data_stay_out(walk: Walk) -> None:
    walk.start(ASSESSOR, a.melding())  # the client with her son (lid-1) and partner (lid-2)
    assess(walk)
    consent(walk)
    assert walk.open() == [
        OpenTask("task_gezinslid_toestemming", "coordinator", subject="lid-1"),
        OpenTask("task_gezinslid_toestemming", "coordinator", subject="lid-2"),
    ]
    assert {s.participation for k, s in walk.subjects().items() if k.startswith("lid-")} == {"pending"}

    # Nothing about a member who declines may be written down, not even their reasons.
    declines = a.gezinslid(False, toelichting_gezinslid="Wil niet dat school iets hoort")
    assert walk.refused("task_gezinslid_toestemming", as_=COORDINATOR, subject="lid-2", **declines) == [
        ("toelichting_gezinslid", "must_be_empty")
    ]
    family(walk, **{"lid-2": False})
    family(walk, **{"lid-1": True})

    subjects = walk.subjects()
    assert (subjects["lid-1"].participation, subjects["lid-2"].participation) == ("included", "declined")
    partner = [f for f in walk.facts() if f.subject_id == subjects["lid-2"].id]
    assert partner and all(f.value is None and f.erased_at is not None for f in partner)
    seen = {s.key: s for s in walk.view(COORDINATOR).subjects}
    assert seen["lid-2"].facts == [] and seen["lid-2"].participation == "declined"
    assert {f.field for f in seen["lid-1"].facts} == {"naam", "relatie", "geboortedatum"}
    assert "Anna Jansen" not in walk.state()

    # Parties asked for information are told who takes part and who declined.
    request(walk, "wijkteam", answer_all=False)
    asked = walk.task_data("task_partij_antwoord", party="wijkteam")
    assert (asked["deelnemende_gezinsleden"], asked["geweigerde_gezinsleden"]) == (["lid-1"], ["lid-2"])
    assert walk.indicators()["gezinslid_deelname"] == [False, True]
    procedure = walk.procedure()
    assert (procedure.status, procedure.phase, procedure.stop_reason) == ("open", "onderzoek", None)
