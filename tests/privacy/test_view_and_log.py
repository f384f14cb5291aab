"""`case_view` applies the procedure's policy and writes one processing-log line per data subject it
disclosed, durably, even from a read-only unit of work."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.errors import NotAuthorized
from engine.privacy import trace
from engine.privacy.medical import release_facts
from engine.privacy.models import FactRelease
from engine.procedures.view import case_view
from tests.privacy.conftest import ARTS, COORDINATOR, FG, GGZ, MANAGER, MELDPUNT, UWV, WONEN, log_lines


def _fields(services, actor, case_id, **kwargs) -> set[str]:
    with services.uow(readonly=True) as unit:
        return {f.field for f in case_view(unit, actor, case_id, **kwargs).shown_facts}


def test_each_reader_sees_what_the_policy_grants_in_the_current_phase(services, case):
    assert _fields(services, MELDPUNT, case.id) == {
        "naam", "bsn", "zorgen", "huurschuld", "hulpverlening", "relatie",
    }  # fmt: skip
    case.to_research()
    case.complete("answer", {"behandeling": "ambulant", "schulden": 1200}, GGZ.username)
    assert case.procedure().phase == "onderzoek"
    # The meldpunt's rule ends with the toestemming phase; the coordinator does not see the health
    # answer the GGZ's contact gave (no medical professional released it).
    assert _fields(services, MELDPUNT, case.id) == set()
    coordinator = _fields(services, COORDINATOR, case.id)
    assert {"schulden", "zorgen", "school"} <= coordinator and "behandeling" not in coordinator
    assert _fields(services, MANAGER, case.id) == {"naam", "bsn", "relatie", "hulpverlening", "school"}
    assert _fields(services, FG, case.id) == set()
    # The GGZ sees what it provided itself and the client's name; WONEN and UWV only the name.
    assert _fields(services, GGZ, case.id) == {"naam", "behandeling", "schulden"}
    assert _fields(services, WONEN, case.id) == {"naam"}
    assert _fields(services, UWV, case.id) == {"naam"}
    case.complete("medical", {"besluit": "deels_delen", "diagnose": "depressie"}, ARTS.username)
    # Recorded by the medical professional in their own task: released by that act.
    assert "diagnose" in _fields(services, COORDINATOR, case.id)
    assert "diagnose" not in _fields(services, MANAGER, case.id)


def test_in_the_aanpak_parties_see_their_domain_and_enforcement_parties_get_conditions(services, case):
    case.to_plan()
    assert case.procedure().phase == "aanpak"  # the plan task is open
    with services.uow(readonly=True) as unit:
        wonen = {f.field: f for f in case_view(unit, WONEN, case.id).shown_facts}
        uwv = {f.field: f for f in case_view(unit, UWV, case.id).shown_facts}
        ggz = {f.field for f in case_view(unit, GGZ, case.id).shown_facts}
    assert set(wonen) == {"naam", "huurschuld"}
    assert set(uwv) == {"naam", "schulden", "huurschuld"}
    assert all(
        f.conditions and "niet voor handhaving" in f.conditions for f in [*wonen.values(), *uwv.values()]
    )
    # The answer's own conditions travel with it, before the general ones.
    assert uwv["schulden"].conditions.startswith("alleen voor het plan — ")
    # The housing corporation never gets special categories, even in its own domain's phase.
    assert "zorgen" in ggz and "zorgen" not in wonen


def test_medical_data_only_as_released_by_the_medical_professional(services, case):
    case.to_plan()
    behandeling = case.facts()["behandeling"]
    with pytest.raises(NotAuthorized):
        release_facts(services.uow(), GGZ, case.id, [behandeling.id], "share", "zelf besloten")
    release_facts(
        services.uow(), ARTS, case.id, [behandeling.id], "share", "Noodzakelijk voor het plan, stap 5."
    )
    assert "behandeling" in _fields(services, COORDINATOR, case.id)
    assert "behandeling" not in _fields(services, MANAGER, case.id)  # not a medical role
    diagnose = case.facts()["diagnose"]
    release_facts(services.uow(), ARTS, case.id, [diagnose.id], "withhold", "Bij nader inzien niet nodig.")
    assert "diagnose" not in _fields(services, COORDINATOR, case.id)
    with services.uow(readonly=True) as unit:
        assert len(unit.session.scalars(select(FactRelease)).all()) == 2


def test_one_log_line_per_subject_disclosed_with_purpose_ground_and_trace(services, case):
    before = len(log_lines(services))
    token = trace.begin_request("4bf92f3577b34da6a3ce929d0e0e4736", "GET /api/v1/procedures/<id>")
    try:
        with services.uow(readonly=True) as unit:
            view = case_view(unit, COORDINATOR, case.id)
    finally:
        trace.end_request(token)
    lines = log_lines(services)[before:]
    subjects = {s.pseudonym: s for s in view.subjects if s.facts}
    assert {line.subject_pseudonym for line in lines} == set(subjects) and len(lines) == 2
    client = next(line for line in lines if line.subject_kind == "client")
    assert client.operation == "read"
    assert (client.actor, client.roles, client.party) == (COORDINATOR.username, "coordinator", None)
    assert client.procedure_id == case.id and client.activity == "privacy_wams"
    assert client.categories == ["financial", "general", "health", "identifying"]
    assert client.fact_count == len(next(s for s in view.subjects if s.kind == "client").facts)
    assert client.purpose == "Onderzoek en gecoördineerde aanpak (Wams)"
    assert client.legal_grounds == ["meldpunt (Wmo 2015 art. 2.2.5)"]
    assert client.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert client.action == "GET /api/v1/procedures/<id>"
    # No personal value ever reaches the log.
    assert "Sanne" not in repr([line.__dict__ for line in lines])


def test_a_party_read_is_a_disclosure_and_nothing_disclosed_writes_nothing(services, case):
    before = len(log_lines(services))
    with services.uow(readonly=True) as unit:
        case_view(unit, WONEN, case.id, purpose="Voorbereiding casusoverleg", trace_id="a" * 32)
        case_view(unit, FG, case.id)
    [line] = log_lines(services)[before:]
    assert (line.operation, line.party, line.purpose, line.trace_id) == (
        "disclose",
        "woningcorporatie",
        "Voorbereiding casusoverleg",
        "a" * 32,
    )


def test_the_log_of_a_read_is_committed_when_the_read_only_unit_of_work_closes(services, case):
    before = len(log_lines(services))
    unit = services.uow(readonly=True)
    with unit:
        case_view(unit, COORDINATOR, case.id)
        case_view(unit, WONEN, case.id)
        assert len(log_lines(services)) == before  # kept until the reader's transaction is over
    # Committed by the time the block hands out what it read: another connection sees it.
    assert len(log_lines(services)) == before + 3
    # A read that fails hands out nothing, and logs nothing.
    with pytest.raises(RuntimeError), services.uow(readonly=True) as failing:
        case_view(failing, COORDINATOR, case.id)
        raise RuntimeError("the response could not be built")
    assert len(log_lines(services)) == before + 3
    # A writing unit of work: the lines commit with the command.
    with services.uow() as writer:
        case_view(writer, COORDINATOR, case.id)
        writer.commit()
    assert len(log_lines(services)) == before + 5


def test_after_closure_parties_see_nothing(services, case):
    case.close()
    assert case.procedure().status == "closed"
    for party in (GGZ, ARTS, WONEN, UWV):
        assert _fields(services, party, case.id) == set()
    assert "naam" in _fields(services, COORDINATOR, case.id)


def test_the_clients_scope_binds_what_is_shown_too(services, case):
    assert {"huurschuld", "zorgen"} <= _fields(services, COORDINATOR, case.id)
    # Excluded after the melding recorded them: from then on nobody sees them.
    case.complete("consent", {"toestemming": True, "uitgesloten_domeinen": ["wonen", "ggz"]})
    shown = _fields(services, COORDINATOR, case.id)
    assert "huurschuld" not in shown and "zorgen" not in shown and "naam" in shown
