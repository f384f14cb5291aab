"""The long half of the procedure over the REST API, in a rehearsal municipality whose clock the
scenario moves forward: evaluation periods with their stop criteria, the maximum-duration review, the
client's withdrawal during the approach, the review escalation when nobody evaluates, and erasure
after the retention period.

Every step is an HTTP call with the person's own token (api_walk.py); time passes only through
`POST /api/v1/clock/advance` and the scheduler's tick that follows it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import select

from engine.db.models import metadata

from . import answers as a
from .api_walk import PRIVACY_OFFICER, ApiWalk
from .phases import answer, assess, consent, plan
from .walk import ASSESSOR, COORDINATOR, MANAGER, party

PARTIES = ("wijkteam", "uwv")
# The aggregate figures of the years the procedure ran (the rehearsal clock is years on by then).
INDICATORS = "/monitoring/indicators?start=2027-01-01&end=2027-12-31"


def to_approach(walk: ApiWalk, *parties: str) -> None:
    """From the melding to a running gecoördineerde aanpak with `parties`."""
    walk.start(ASSESSOR, a.melding(gezinsleden=[]))
    assess(walk)  # type: ignore[arg-type]  # the phase helpers walk either driver
    consent(walk)  # type: ignore[arg-type]
    walk.complete("task_onderzoek_opzet", as_=COORDINATOR, **a.onderzoek_opzet(*parties))
    # The requests, one per party: the API names the party each is for.
    for code in parties:
        walk.complete("task_verzoek_opstellen", as_=COORDINATOR, party=code, **a.verzoek())
    for code in parties:
        answer(walk, code)  # type: ignore[arg-type]
    plan(walk, *parties)  # type: ignore[arg-type]
    # The plan is made: the procedure runs in its evaluation period until the first evaluation.
    assert walk.procedure()["phase"] == "evaluatie", walk.open()


def reports(walk: ApiWalk, *parties: str) -> None:
    for code in parties:
        walk.complete("task_voortgang_partij", as_=party(code), party=code, **a.voortgang())


def test_two_evaluations_then_the_goals_are_reached(api_walk: ApiWalk) -> None:
    walk = api_walk
    to_approach(walk, *PARTIES)
    planned = walk.now()
    assert walk.open() == []  # the approach runs; nothing to do until the first evaluation

    walk.advance("P3M1D")  # the first period ends: the parties are asked for their progress
    asked = walk.tasks(element="task_voortgang_partij")
    assert sorted(t.party for t in asked) == sorted(PARTIES)
    # Opened when the period ended, three months after the plan, not at the end of the jump.
    assert all(abs(t.created_at - planned - timedelta(days=90)) < timedelta(days=2) for t in asked)
    assert all(t.created_at < walk.now() - timedelta(hours=12) for t in asked)
    reports(walk, *PARTIES)
    walk.complete("task_evaluatie", as_=COORDINATOR, **a.evaluatie("voortzetten"))

    walk.advance("P3M1D")  # the second period
    reports(walk, *PARTIES)
    walk.complete("task_evaluatie", as_=COORDINATOR, **a.evaluatie("doelen_bereikt"))
    walk.complete("task_afsluiting", as_=COORDINATOR, **a.afsluiting("doelen_bereikt"))

    closed = walk.procedure()
    assert (closed["status"], closed["phase"], closed["outcome"], closed["stop_reason"]) == (
        "closed",
        "afgesloten",
        "doelen_bereikt",
        "doelen_bereikt",
    )
    evaluations = walk.tasks(element="task_evaluatie")
    assert [t.status for t in evaluations] == ["completed", "completed"]
    assert evaluations[1].created_at - evaluations[0].created_at > timedelta(days=85)
    assert walk.open() == []


def test_the_approach_ends_when_it_proves_ineffective(api_walk: ApiWalk) -> None:
    walk = api_walk
    to_approach(walk, *PARTIES)
    walk.advance("P3M1D")
    # Nobody reports within termijn.voortgang_reactie (P14D): the requests lapse, the coordinator evaluates.
    assert walk.open() == [
        ("task_voortgang_partij", "party_contact", "uwv"),
        ("task_voortgang_partij", "party_contact", "wijkteam"),
    ]
    walk.advance("P15D")
    lapsed = walk.tasks(element="task_voortgang_partij")
    assert sorted((t.party, t.status) for t in lapsed) == [("uwv", "cancelled"), ("wijkteam", "cancelled")]
    assert walk.open() == [("task_evaluatie", "coordinator", None)]
    walk.complete("task_evaluatie", as_=COORDINATOR, **a.evaluatie("aanpak_niet_effectief"))
    walk.complete("task_afsluiting", as_=COORDINATOR, **a.afsluiting("niet_bereikt"))
    closed = walk.procedure()
    assert (closed["status"], closed["outcome"], closed["stop_reason"]) == (
        "closed",
        "niet_bereikt",
        "aanpak_niet_effectief",
    )


def test_the_client_withdraws_during_the_approach(api_walk: ApiWalk) -> None:
    walk = api_walk
    to_approach(walk, *PARTIES)
    walk.advance("P3M1D")
    walk.complete("task_voortgang_partij", as_=party("wijkteam"), party="wijkteam", **a.voortgang())
    assert walk.open() == [("task_voortgang_partij", "party_contact", "uwv")]
    assert _facts_seen(walk, "wijkteam") != []  # while the approach runs, a party sees what it may

    # A party cannot pass the withdrawal on; the coordinator does.
    assert walk.send(party("uwv"), "client_withdraws", reden="geen_behoefte").status_code == 403
    assert walk.send(COORDINATOR, "client_withdraws", reden="geen_behoefte").status_code == 200

    # Every open task of every party is cancelled; only the coordinator's closure is left.
    assert walk.open() == [("task_afsluiting", "coordinator", None)]
    [report] = [t for t in walk.tasks(element="task_voortgang_partij") if t.party == "uwv"]
    assert report.status == "cancelled"
    assert walk.tasks(party("uwv"), status="open") == []
    walk.complete("task_afsluiting", as_=COORDINATOR, **a.afsluiting("gedeeltelijk_bereikt"))
    closed = walk.procedure()
    assert (closed["status"], closed["stop_reason"]) == ("closed", "client_withdraws")
    # The parties' access is gone: they see no data of the client any more.
    assert [_facts_seen(walk, code) for code in PARTIES] == [[], []]


def _facts_seen(walk: ApiWalk, code: str) -> list[str]:
    """The client's facts the party `code` is shown (nothing when it may not open the procedure)."""
    seen = walk.call("GET", f"/procedures/{walk.id}", party(code))
    if seen.status_code in (403, 404):
        return []
    assert seen.status_code == 200, seen.get_json()
    return [f["field"] for s in seen.get_json()["case"]["subjects"] for f in s["facts"]]


def test_no_review_for_too_long_escalates_once_per_level(api_walk: ApiWalk) -> None:
    walk = api_walk
    to_approach(walk, "wijkteam")
    # Nobody evaluates for a year: the review deadline (escalatie.review P6M) passes, and a week
    # later (escalatie.niveau2_na P7D) it escalates to level 2. One jump, one tick.
    report = walk.advance("P1Y")
    assert report.rehearsal.steps > 1
    escalations = walk.ok("GET", f"/escalations?procedure_id={walk.id}", MANAGER)
    review = sorted((e["level"], e["occurrence"]) for e in escalations if e["rule"] == "review")
    # One review deadline (the approach's; its occurrence counts the periods since the melding), two levels.
    assert [level for level, _ in review] == [1, 2] and review[0][1] == review[1][1]
    levels = [e["raised_at"] for e in sorted(escalations, key=lambda e: e["level"]) if e["rule"] == "review"]
    assert levels[0] < levels[1]  # raised in order, at their own moments
    # Overdue work escalated too: the party's progress report (due after P10D; its escalation lapsed
    # when the report lapsed four days later) and the evaluation nobody did (levels 1 and 2).
    overdue = sorted((e["level"], e["status"]) for e in escalations if e["rule"] == "taak.termijn")
    assert overdue == [(1, "escalated"), (1, "lapsed"), (2, "open")], escalations
    per_subject = [(e["subject_id"], e["rule"], e["level"]) for e in escalations]
    assert len(per_subject) == len(set(per_subject))
    # Each was raised the moment it fell due during the jump, not when the jump ended.
    for e in escalations:
        late = datetime.fromisoformat(e["raised_at"]) - datetime.fromisoformat(e["due_at"])
        assert timedelta(0) < late < timedelta(seconds=1), e
    # Further ticks add nothing.
    walk.tick()
    assert len(walk.ok("GET", f"/escalations?procedure_id={walk.id}", MANAGER)) == len(escalations)
    # The manager sees it on the dashboard's list of unresolved escalations.
    unresolved = walk.ok("GET", "/escalations?unresolved=true", MANAGER)
    assert any(e["rule"] == "review" and e["procedure_id"] == walk.id for e in unresolved)


def _database_text(walk: ApiWalk) -> dict[str, str]:
    """Every row of every table as text: a search of the whole database (reading only)."""
    database = walk.client.application.extensions["wams"].database
    found = {}
    with database.engine.connect() as connection:
        for table in metadata.sorted_tables:
            rows = connection.execute(select(table)).all()
            found[table.name] = json.dumps([[str(v) for v in row] for row in rows], ensure_ascii=False)
    return found


def test_retention_erases_the_personal_data_after_closure(api_walk: ApiWalk) -> None:
    walk = api_walk
    to_approach(walk, "wijkteam")
    walk.advance("P3M1D")
    reports(walk, "wijkteam")
    walk.complete("task_evaluatie", as_=COORDINATOR, **a.evaluatie("doelen_bereikt"))
    walk.complete("task_afsluiting", as_=COORDINATOR, **a.afsluiting("doelen_bereikt"))
    before = walk.ok("GET", INDICATORS, MANAGER)
    secrets = (a.CLIENT_BSN, a.CLIENT_NAME)
    assert all(any(s in text for text in _database_text(walk).values()) for s in secrets)

    kept = walk.procedure()
    assert kept["erased_at"] is None and kept["retention_until"] is not None  # when the data will go
    walk.advance("P4Y")  # within the retention period (bewaartermijn P5Y): nothing erased
    assert all(any(s in text for text in _database_text(walk).values()) for s in secrets)
    report = walk.advance("P1Y1D")
    assert report.rehearsal.erased == 1

    found = {s: [n for n, text in _database_text(walk).items() if s in text] for s in secrets}
    assert found == {s: [] for s in secrets}
    closed = walk.procedure()
    assert (closed["status"], closed["outcome"]) == ("closed", "doelen_bereikt")  # the figures stay
    assert closed["erased_at"] is not None and closed["erased_at"] > kept["retention_until"]
    assert walk.ok("GET", INDICATORS, MANAGER) == before
    log = walk.ok("GET", f"/privacy/log?procedure_id={walk.id}&operation=erase", PRIVACY_OFFICER)
    assert log["rehearsal_time"] is True and log["total"] >= 1


def test_the_maximum_duration_forces_a_review_that_escalates_once_per_level(api_walk: ApiWalk) -> None:
    walk = api_walk
    to_approach(walk, "wijkteam")
    started = walk.now()
    for _ in range(4):  # a year of quarterly evaluations (termijn.maximale_duur: P1Y)
        walk.advance("P3M1D")
        reports(walk, "wijkteam")
        walk.complete("task_evaluatie", as_=COORDINATOR, **a.evaluatie("voortzetten"))
    assert walk.now() > started + timedelta(days=365)
    # Past the maximum duration the manager must decide whether to go on (no permanent monitoring).
    assert walk.open() == [("task_maximale_duur_toets", "manager", None)]
    [toets] = walk.tasks(element="task_maximale_duur_toets")
    assert toets.due_at is not None and toets.due_at - toets.created_at == timedelta(days=14)

    walk.advance("P1M")  # nobody decides: the review runs late and goes up, once per level
    escalated = [
        e
        for e in walk.ok("GET", f"/escalations?procedure_id={walk.id}", MANAGER)
        if e["rule"] == "taak.termijn" and e["subject_id"] == toets.id
    ]
    assert sorted(e["level"] for e in escalated) == [1, 2]
    walk.advance("P1M")
    again = walk.ok("GET", f"/escalations?procedure_id={walk.id}", MANAGER)
    assert sorted(e["level"] for e in again if e["subject_id"] == toets.id) == [1, 2]

    walk.complete("task_maximale_duur_toets", as_=MANAGER, **a.toets("beeindigen", toets_motivering="Klaar"))
    walk.complete("task_afsluiting", as_=COORDINATOR, **a.afsluiting("gedeeltelijk_bereikt"))
    assert walk.procedure()["stop_reason"] == "maximale_duur"
