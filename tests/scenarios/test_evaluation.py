"""Uitvoering en evaluatie: periods of three months, each a fresh instance (continue as new); the
approach stops when it proves ineffective; the maximum duration forces a manager's review."""

from __future__ import annotations

from datetime import timedelta

from . import answers as a
from .phases import period, to_approach
from .walk import COORDINATOR, MANAGER, OpenTask, Walk


def test_the_approach_ends_when_it_proves_ineffective(walk: Walk) -> None:
    to_approach(walk, "wijkteam", "uwv")
    assert walk.chain() == ["wams_procedure", "wams_evaluatie"]
    # Waiting for the first evaluation moment (no task open) is the evaluation phase, not "aanpak".
    assert walk.open() == [] and walk.procedure().phase == "evaluatie"

    # Period 1: the parties do not report in time; their progress tasks lapse and the coordinator evaluates.
    period(walk, progress=False)
    lapsed = walk.tasks("task_voortgang_partij")
    assert sorted((t.party, t.status) for t in lapsed) == [("uwv", "cancelled"), ("wijkteam", "cancelled")]
    assert walk.open() == [OpenTask("task_evaluatie", "coordinator", assignee="c.devries")]
    # Continuing needs data sharing to be still necessary.
    assert walk.refused(
        "task_evaluatie", as_=COORDINATOR, **a.evaluatie(gegevensdeling_nog_noodzakelijk=False)
    ) == [("gegevensdeling_nog_noodzakelijk", "const")]
    walk.complete("task_evaluatie", as_=COORDINATOR, **a.evaluatie("voortzetten"))

    # Period 2: a fresh instance of the same process; the parties report; the approach is ineffective.
    assert walk.chain() == ["wams_procedure", "wams_evaluatie", "wams_evaluatie"]
    period(walk)
    walk.complete("task_evaluatie", as_=COORDINATOR, **a.evaluatie("aanpak_niet_effectief"))
    walk.complete("task_afsluiting", as_=COORDINATOR, **a.afsluiting("niet_bereikt"))

    closed = walk.procedure()
    assert (closed.status, closed.phase, closed.outcome, closed.stop_reason) == (
        "closed",
        "afgesloten",
        "niet_bereikt",
        "aanpak_niet_effectief",
    )
    assert walk.instance().segment == 4  # procedure, two periods, closure
    indicators = walk.indicators()
    assert indicators["evaluatie"] == ["voortzetten", "aanpak_niet_effectief"]
    assert indicators["voortgang"] == ["volgens_afspraak", "volgens_afspraak"]
    assert indicators["stopreden"] == ["aanpak_niet_effectief"]
    assert "task_maximale_duur_toets" not in {t.element_id for t in walk.tasks()}
    walk.assert_every_task_had_role_and_due_date()


def test_the_maximum_duration_forces_a_review(walk: Walk) -> None:
    # The law leaves the maximum open: this municipality sets half a year (default P1Y in settings.yaml).
    walk.configure(**{"termijn.maximale_duur": "P6M"})
    started = walk.now()
    to_approach(walk, "wijkteam")

    period(walk)  # April: within half a year, no review
    walk.complete("task_evaluatie", as_=COORDINATOR, **a.evaluatie())
    period(walk)  # July: past the maximum duration; the evaluation is followed by the manager's review
    walk.complete("task_evaluatie", as_=COORDINATOR, **a.evaluatie())
    assert walk.now() > started + timedelta(days=181)
    assert walk.open() == [OpenTask("task_maximale_duur_toets", "manager")]
    assert walk.due_days("task_maximale_duur_toets") == 14
    assert walk.procedure().phase == "evaluatie"

    # Extending must state that the approach does not turn into monitoring the person.
    assert walk.refused("task_maximale_duur_toets", as_=MANAGER, **a.toets(geen_monitoring=None)) == [
        ("geen_monitoring", "required")
    ]
    walk.complete("task_maximale_duur_toets", as_=MANAGER, **a.toets("verlengen"))
    reviewed = walk.now()

    period(walk)  # October: within the extension (P6M from the review), no review
    walk.complete("task_evaluatie", as_=COORDINATOR, **a.evaluatie())
    assert walk.open() == []
    period(walk)  # January: the extension has passed; the second review ends the procedure
    walk.complete("task_evaluatie", as_=COORDINATOR, **a.evaluatie())
    assert walk.now() > reviewed + timedelta(days=182)
    walk.complete(
        "task_maximale_duur_toets",
        as_=MANAGER,
        **a.toets("beeindigen", toets_motivering="Geen noodzaak meer"),
    )
    walk.complete("task_afsluiting", as_=COORDINATOR, **a.afsluiting("gedeeltelijk_bereikt"))

    closed = walk.procedure()
    assert (closed.status, closed.outcome, closed.stop_reason) == (
        "closed",
        "gedeeltelijk_bereikt",
        "maximale_duur",
    )
    indicators = walk.indicators()
    assert indicators["maximale_duur_toets"] == ["verlengen", "beeindigen"]
    assert indicators["evaluatie"] == ["voortzetten"] * 4
    assert indicators["stopreden"] == ["maximale_duur"]
    assert walk.chain().count("wams_evaluatie") == 4
    walk.assert_every_task_had_role_and_due_date()
