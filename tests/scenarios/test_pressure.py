"""A party's request for an onderzoek shortly after the client refused: a possible means of pressure
(*drukmiddel*). The melding is flagged, a manager decides with reasons before anything is asked of
anyone, and the signal and the decision are counted in the monitoring."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.monitoring.service import indicators
from engine.privacy.models import ProcessingLogEntry

from . import answers as a
from .api_walk import ApiWalk
from .phases import assess
from .walk import ASSESSOR, COORDINATOR, MANAGER, MELDPUNT, OpenTask, Walk

OTHER_BSN = "123456782"


def refused(walk: Walk, bsn: str = a.CLIENT_BSN) -> None:
    """A procedure in which the client refuses consent, taken through to its closure."""
    walk.start(ASSESSOR, a.melding(client={"naam": a.CLIENT_NAME, "bsn": bsn}))
    assess(walk)
    walk.complete("task_informeren", as_=COORDINATOR, **a.informeren(clientondersteuning_gebruikt="nee"))
    walk.complete("task_toestemming_reikwijdte", as_=COORDINATOR, **a.toestemming(toestemming="nee"))
    walk.complete("task_afsluiting", as_=COORDINATOR, **a.afsluiting("geen_aanpak"))
    assert walk.procedure().stop_reason == "client_weigert"


def party_request(bsn: str = a.CLIENT_BSN, **overrides: object) -> dict[str, object]:
    return a.melding(
        ingang="verzoek_partij",
        verzoekende_partij="uwv",
        melder={"naam": "K. de Groot", "organisatie": "UWV"},
        client={"naam": a.CLIENT_NAME, "bsn": bsn},
        **overrides,
    )


def test_a_party_request_after_a_refusal_waits_for_the_manager_who_stops_it(walk: Walk) -> None:
    refused(walk)
    earlier = walk.id
    walk.clock.advance(timedelta(days=60))
    walk.start(MELDPUNT, party_request())

    # The manager decides first: no assessment, nothing requested from any party.
    assert walk.open() == [OpenTask("task_drukmiddel_besluit", "manager")]
    assert walk.due_days("task_drukmiddel_besluit") == 7
    assert walk.indicators()["drukmiddel_signaal"] == [True]
    [line] = walk.events("drukmiddel_signaal")
    assert line.detail == {"ingang": "verzoek_partij", "termijn": "P6M"}
    assert a.CLIENT_BSN not in str(line.detail) and a.CLIENT_NAME not in str(line.detail)
    # Reading the earlier client's number to compare it is logged against that procedure.
    with walk.uow(readonly=True) as unit:
        [read] = unit.session.scalars(
            select(ProcessingLogEntry).where(
                ProcessingLogEntry.procedure_id == earlier, ProcessingLogEntry.operation == "read"
            )
        )
    assert (read.actor, read.categories, read.fact_count) == (MELDPUNT.username, ["identifying"], 1)
    assert "drukmiddel" in (read.purpose or "")
    assert read.legal_grounds and read.legal_grounds[0].startswith("onderzoek_verzoek_partij")

    # Only a manager decides, and only with reasons.
    assert "Manager" in walk.forbidden(
        "task_drukmiddel_besluit", as_=COORDINATOR, drukmiddel_besluit="doorgaan", drukmiddel_motivering="x"
    )
    assert walk.refused("task_drukmiddel_besluit", as_=MANAGER, drukmiddel_besluit="niet_doorgaan") == [
        ("drukmiddel_motivering", "required")
    ]
    walk.complete(
        "task_drukmiddel_besluit",
        as_=MANAGER,
        drukmiddel_besluit="niet_doorgaan",
        drukmiddel_motivering="Het verzoek volgt twee maanden na de weigering zonder nieuwe feiten.",
    )
    # The motivation is a fact about the client, not process state.
    assert "zonder nieuwe feiten" not in walk.state()

    assert walk.open() == [OpenTask("task_afsluiting", "coordinator")]
    walk.complete("task_afsluiting", as_=COORDINATOR, **a.afsluiting("geen_aanpak"))
    closed = walk.procedure()
    assert (closed.status, closed.stop_reason) == ("closed", "drukmiddel")
    assert walk.indicators()["drukmiddel_besluit"] == ["niet_doorgaan"]
    assert not walk.tasks("task_beoordeling_checklist") and not walk.tasks("task_verzoek_opstellen")
    walk.assert_every_task_had_role_and_due_date()

    # The monitoring counts the signal and the decision in the period.
    now = walk.now()
    report = indicators(walk.uow(), MANAGER, now - timedelta(days=30), now + timedelta(days=1))
    assert report.drukmiddel == {"signaal": 1, "niet_doorgaan": 1}
    assert report.outcomes["stopreden"]["drukmiddel"] == 1


def test_the_manager_lets_it_continue_to_the_assessment(walk: Walk) -> None:
    refused(walk)
    walk.clock.advance(timedelta(days=10))
    walk.start(MELDPUNT, party_request())
    walk.complete(
        "task_drukmiddel_besluit",
        as_=MANAGER,
        drukmiddel_besluit="doorgaan",
        drukmiddel_motivering="Nieuwe zorgen: dreigende huisuitzetting sinds de weigering.",
    )
    assert walk.open() == [OpenTask("task_beoordeling_checklist", "assessor")]
    assert walk.procedure().stop_reason is None
    assess(walk)
    assert walk.open() == [OpenTask("task_informeren", "coordinator")]


@pytest.mark.parametrize(
    ("days", "melding"),
    [
        pytest.param(200, party_request(), id="after the period"),
        pytest.param(10, party_request(OTHER_BSN), id="another client"),
        pytest.param(
            10,
            a.melding(ingang="melding_professional", melder={"naam": "R. Smit", "organisatie": "Politie"}),
            id="not a party's request",
        ),
    ],
)
def test_not_flagged(walk: Walk, days: int, melding: dict[str, object]) -> None:
    refused(walk)
    walk.clock.advance(timedelta(days=days))
    walk.start(MELDPUNT, melding)
    assert walk.open() == [OpenTask("task_beoordeling_checklist", "assessor")]
    assert "drukmiddel_signaal" not in walk.indicators()
    assert not walk.events("drukmiddel_signaal")


def test_the_municipality_sets_its_own_period(walk: Walk) -> None:
    walk.configure(**{"termijn.drukmiddel": "P1M"})
    refused(walk)
    walk.clock.advance(timedelta(days=40))
    walk.start(MELDPUNT, party_request())
    assert walk.open() == [OpenTask("task_beoordeling_checklist", "assessor")]

    walk.configure(**{"termijn.drukmiddel": "P2M"})
    walk.start(MELDPUNT, party_request())
    assert walk.open() == [OpenTask("task_drukmiddel_besluit", "manager")]


def test_over_the_api_the_manager_sees_the_signal_and_the_monitoring_counts_it(api_walk: ApiWalk) -> None:
    walk = api_walk
    walk.start(ASSESSOR, a.melding())
    assess(walk)  # type: ignore[arg-type]  # the phase helpers walk either driver
    walk.complete("task_informeren", as_=COORDINATOR, **a.informeren())
    walk.complete("task_toestemming_reikwijdte", as_=COORDINATOR, **a.toestemming(toestemming="nee"))
    walk.complete("task_afsluiting", as_=COORDINATOR, **a.afsluiting("geen_aanpak"))
    walk.advance("P30D")

    walk.start(MELDPUNT, party_request())
    assert walk.open() == [("task_drukmiddel_besluit", "manager", None)]
    seen = walk.procedure(MANAGER)
    [line] = [e for e in seen["timeline"] if e["type"] == "drukmiddel_signaal"]
    assert line["detail"] == {"ingang": "verzoek_partij", "termijn": "P6M"}

    day = walk.now().date()
    period = f"start={day - timedelta(days=1)}&end={day + timedelta(days=1)}"
    body = walk.ok("GET", f"/monitoring/indicators?{period}", MANAGER)
    assert body["drukmiddel"] == {"signaal": 1}
    rows = walk.call("GET", f"/monitoring/indicators.csv?{period}", MANAGER).text.splitlines()
    assert "drukmiddel,signaal,1" in rows
