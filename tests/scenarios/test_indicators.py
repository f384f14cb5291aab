"""The monitoring indicators as docs/indicators.md defines them, each on a scenario of the bundled Wams
models: four procedures (a refusal, an assessment "no", household members who differ, an approach
with parties and a doctor), a complaint; then the figures, the per-period export (CSV and JSON) and the
dashboard's own figures agree."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.monitoring.conformance import conformance
from engine.monitoring.definitions import DEFINITIONS
from engine.monitoring.exports import figures, indicator_series, series_csv, series_json
from engine.monitoring.service import indicators
from engine.privacy.registers import register_complaint
from engine.procedures.service import WAMS_PROCESS

from . import answers as a
from .phases import assess, family, to_approach
from .walk import ASSESSOR, COORDINATOR, MANAGER, Walk

DOCS = Path(__file__).parent.parent.parent / "docs" / "indicators.md"


@pytest.fixture
def year(walk: Walk) -> Walk:
    # 1. Professional's melding; the client refuses after 15 days: consent "nee", the procedure ends.
    walk.start(
        ASSESSOR,
        a.melding(ingang="melding_professional", melder={"naam": "R. Smit", "organisatie": "Politie"}),
    )
    assess(walk)
    walk.complete("task_informeren", as_=COORDINATOR, **a.informeren(clientondersteuning_gebruikt="nee"))
    walk.later(days=15)
    walk.complete("task_toestemming_reikwijdte", as_=COORDINATOR, **a.toestemming(toestemming="nee"))
    walk.complete("task_afsluiting", as_=COORDINATOR, **a.afsluiting("geen_aanpak"))
    # 2. The assessment finds no multiple problems.
    walk.start(ASSESSOR, a.melding(gezinsleden=[]))
    assess(walk, beoordeling_besluit="nee", verwijzing="huisarts")
    walk.complete("task_afsluiting_verwijzing", as_=ASSESSOR, **a.afsluiting_verwijzing())
    # 3. Two household members: one takes part, one declines.
    walk.start(ASSESSOR, a.melding())
    assess(walk)
    walk.complete("task_informeren", as_=COORDINATOR, **a.informeren())
    walk.later(days=9)  # consent takes its time here too
    walk.complete("task_toestemming_reikwijdte", as_=COORDINATOR, **a.toestemming())
    family(walk, **{"lid-1": True, "lid-2": False})
    # 4. The client's own request to an approach with the wijkteam and a doctor.
    to_approach(walk, "wijkteam", "huisarts")
    # A complaint from the family about the sharing of data.
    register_complaint(
        walk.uow(),
        COORDINATOR,
        complainant="family",
        nature="gegevensdeling",
        description="De zoon vindt dat zijn gegevens zonder reden zijn gedeeld",
        procedure_id=walk.id,
    )
    return walk


def _period(walk: Walk) -> tuple[datetime, datetime]:
    now = walk.now()
    return datetime(now.year, 1, 1, tzinfo=UTC), datetime(now.year + 1, 1, 1, tzinfo=UTC)


def test_each_indicator_counts_as_defined(year: Walk) -> None:
    start, end = _period(year)
    found = indicators(year.uow(readonly=True), MANAGER, start, end)
    assert (found.started, found.ended, found.running_at_end) == (4, 2, 2)
    assert found.ingang == {"client_verzoek": 3, "melding_professional": 1}
    assert found.consent == {"ja": 2, "nee": 1}  # how often consent is refused
    assert found.assessment == {"ja": 3, "nee": 1}
    assert found.family_participation == {"ja": 1, "nee": 1}
    assert found.clientondersteuning == {"ja": 2, "nee": 1}
    assert found.parties == {"huisarts": 1, "wijkteam": 1}  # which parties take part
    assert found.party_answers == {"delen": 1} and found.medical_decisions == {"gedeeltelijk_delen": 1}
    assert found.outcomes["stopreden"] == {"client_weigert": 1, "geen_meervoudige_problematiek": 1}
    # How long procedures take: the refusal took 15 days, the assessment "no" none.
    assert (found.duration_days_mean, found.duration_days_median) == (7.5, 7.5)
    # Where they stall: consent waited 15, 9 and 0 days; the first past its 14 days.
    assert found.tasks_completed_by_phase["toestemming"] == 3
    assert found.waiting_days_median_by_phase["toestemming"] == 9.0
    assert max(found.waiting_days_median_by_phase.items(), key=lambda i: i[1])[0] == "toestemming"
    assert found.completed_late_by_phase["toestemming"] == 1
    assert sum(found.completed_late_by_phase.values()) == 1
    assert (found.complaints, found.complaint_nature) == (1, {"gegevensdeling": 1})


def test_every_definition_is_computed_documented_and_exported(year: Walk) -> None:
    start, end = _period(year)
    found = indicators(year.uow(readonly=True), MANAGER, start, end)
    computed = {name for name, _, _ in figures(found)}
    defined = {d.key for d in DEFINITIONS}
    assert computed <= defined, computed - defined  # nothing leaves without a definition
    # Categories without a value in this year are absent; the rest is computed from this scenario.
    assert defined == computed
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", DOCS.read_text(encoding="utf-8"), re.M))
    assert documented == defined, (defined - documented, documented - defined)


def test_the_exports_hold_the_dashboards_figures(year: Walk) -> None:
    start, end = _period(year)
    shown = indicators(year.uow(readonly=True), MANAGER, start, end)
    zone = UTC
    by_year = indicator_series(lambda: year.uow(readonly=True), MANAGER, start, end, "year", zone)
    [only] = by_year.periods
    assert only == shown
    rows = list(csv.DictReader(io.StringIO(series_csv(by_year))))
    assert {(r["indicator"], r["category"], r["value"]) for r in rows} == {
        (n, c, "" if v is None else str(v)) for n, c, v in figures(shown)
    }
    assert {r["unit"] for r in rows if r["indicator"] == "consent"} == {"procedure"}
    data = series_json(by_year)
    assert {(f["indicator"], f["category"], f["value"]) for f in data["periods"][0]["figures"]} == set(
        figures(shown)
    )
    assert {d["key"] for d in data["definitions"]} == {d.key for d in DEFINITIONS}
    # Per month: the months add up to the year for the counts of procedures started.
    monthly = indicator_series(lambda: year.uow(readonly=True), MANAGER, start, end, "month", zone)
    assert len(monthly.periods) == 12
    assert sum(p.started for p in monthly.periods) == shown.started
    assert monthly.periods[0].period_start == start and monthly.periods[-1].period_end == end


def test_variants_of_the_wams_procedure(year: Walk) -> None:
    start, end = _period(year)
    found = conformance(year.uow(readonly=True), MANAGER, WAMS_PROCESS, start, end)
    print(
        [
            (e.element_id, e.skipped, e.repeated, e.out_of_order)
            for e in found.elements
            if e.skipped or e.repeated or e.out_of_order
        ]
    )
    # Every procedure followed the model, also across continuing into evaluation and closure (whose
    # processes share element ids with the procedure's).
    assert found.procedures == 4 and found.fitting == 4
    assert all(e.skipped == e.repeated == e.out_of_order == 0 for e in found.elements)
    ends = {(e.process_id, e.done) for e in found.elements if e.element_id == "end_naar_afsluiting"}
    assert ends == {("wams_procedure", 2)}  # not the evaluation's end event of the same id
    assert sum(v.count for v in found.variants) == 4
    refusal = [
        v for v in found.variants if v.steps[-2:] == ["task_toestemming_reikwijdte", "task_afsluiting"]
    ]
    assert len(refusal) == 1 and refusal[0].finished == 1 and refusal[0].duration_days_median == 15.0
    splits = {g.gateway_id: {f.flow_id: f.count for f in g.flows} for g in found.gateways}
    consent_gateway = splits["gw_toestemming"]
    assert sorted(consent_gateway.values()) == [1, 2]  # refused once, consented twice
