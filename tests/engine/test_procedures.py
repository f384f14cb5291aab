"""Procedures: the melding becomes subjects and facts, the process gets only control data, and the
client's scope and family members' refusals bind what may be recorded afterwards."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.access import Actor
from engine.config import Settings
from engine.errors import InvalidForm, NotAuthorized
from engine.procedures.models import DataSubject, Fact, Indicator, Procedure
from engine.procedures.service import cancel_procedure, start_procedure
from engine.procedures.view import case_view
from engine.roles import Role
from engine.runtime.models import ProcessInstance, Task
from engine.services import build_services
from engine.status import TaskStatus
from engine.uow import UnitOfWork
from tests.factories import deploy_bundle, fixture_bundle, make_tenant

MELDPUNT = Actor("m.jansen", "utrecht", frozenset({Role.MELDPUNT}))
COORDINATOR = Actor("c.devries", "utrecht", frozenset({Role.COORDINATOR}))
GGZ = Actor("p.ggz", "utrecht", frozenset({Role.PARTY_CONTACT}), party="ggz")
WONEN = Actor("p.wonen", "utrecht", frozenset({Role.PARTY_CONTACT}), party="woningcorporatie")

MELDING = {
    "ingang": "eigen_verzoek",
    "client": {"naam": "Sanne Bakker", "bsn": "111222333"},
    "gezinsleden": [{"naam": "Tim Bakker", "relatie": "zoon"}, {"naam": "Eva Bakker", "relatie": "dochter"}],
    "zorgen": "psychische klachten",
    "partij": "ggz",
    "doel": "zicht op zorg en schulden",
}


@pytest.fixture
def runtime(uow, db, tmp_path):
    make_tenant(uow)
    deploy_bundle(uow, fixture_bundle("mini_wams"))
    settings = Settings.from_env({}, instance_path=tmp_path, env="test")
    return build_services(settings, database=db).runtime


def _start(uow, runtime) -> Procedure:
    return start_procedure(uow(), runtime, MELDPUNT, dict(MELDING), process_id="mini_wams")


def _open(uow, procedure_id) -> list[Task]:
    with uow(readonly=True) as unit:
        return list(
            unit.session.scalars(
                select(Task)
                .where(Task.instance_id == procedure_id, Task.status == TaskStatus.OPEN)
                .order_by(Task.subject)
            )
        )


def _complete(uow, runtime, task, data, actor="someone"):
    unit: UnitOfWork = uow()
    with unit:
        outcome = runtime.complete_task(unit, "utrecht", task.id, data, actor)
        unit.commit()
    return outcome


def _facts(uow, procedure_id) -> list[Fact]:
    with uow(readonly=True) as unit:
        return list(
            unit.session.scalars(select(Fact).where(Fact.procedure_id == procedure_id).order_by(Fact.id))
        )


def test_the_melding_becomes_subjects_and_facts_not_process_data(uow, runtime):
    procedure = _start(uow, runtime)
    assert procedure.reference == "2027-00001"
    assert procedure.ingang == "eigen_verzoek"
    with uow(readonly=True) as unit:
        keys = sorted(
            s.key
            for s in unit.session.scalars(select(DataSubject).where(DataSubject.procedure_id == procedure.id))
        )
        state = unit.session.get(ProcessInstance, procedure.id).state
        ingang = unit.session.scalar(
            select(Indicator.value).where(Indicator.procedure_id == procedure.id, Indicator.key == "ingang")
        )
    assert keys == ["client", "lid-1", "lid-2"]
    assert {(f.field, f.category) for f in _facts(uow, procedure.id)} >= {
        ("naam", "general"),
        ("bsn", "identifying"),
        ("zorgen", "health"),
    }
    # The live process state carries keys, never the personal data itself.
    for secret in ("111222333", "Sanne", "Tim Bakker", "psychische"):
        assert secret not in state
    assert '"gezinsleden":["lid-1","lid-2"]' in state.replace(" ", "")
    assert ingang == "eigen_verzoek"


def test_only_starters_may_register_a_melding(uow, runtime):
    with pytest.raises(NotAuthorized):
        start_procedure(uow(), runtime, GGZ, dict(MELDING), process_id="mini_wams")


def test_an_excluded_domain_refuses_facts_of_that_domain(uow, runtime):
    procedure = _start(uow, runtime)
    [consent] = _open(uow, procedure.id)
    _complete(
        uow,
        runtime,
        consent,
        {"toestemming": True, "clientondersteuning": True, "uitgesloten_domeinen": ["ggz"]},
    )
    for member in _open(uow, procedure.id):
        _complete(uow, runtime, member, {"doet_mee": True})
    [answer] = _open(uow, procedure.id)
    assert answer.party == "ggz"
    with pytest.raises(InvalidForm) as refused:
        _complete(uow, runtime, answer, {"behandeling": "ambulant", "schulden": 1200})
    # The ground is the party rules, not the client's scope: each refusal names its own ground.
    assert [(e.field, e.code) for e in refused.value.errors] == [("behandeling", "out_of_scope")]
    _complete(uow, runtime, answer, {"schulden": 1200, "voorwaarden": "alleen voor het plan"}, "p.ggz")
    [debt] = [f for f in _facts(uow, procedure.id) if f.field == "schulden"]
    assert (debt.source_party, debt.legal_ground, debt.conditions) == (
        "ggz",
        "wams.onderzoek",
        "alleen voor het plan",
    )
    assert debt.purpose == "zicht op zorg en schulden"


def test_a_declining_household_member_leaves_no_data_behind(uow, runtime):
    procedure = _start(uow, runtime)
    [consent] = _open(uow, procedure.id)
    _complete(uow, runtime, consent, {"toestemming": True})
    first, second = _open(uow, procedure.id)
    assert (first.subject, second.subject) == ("lid-1", "lid-2")
    _complete(uow, runtime, first, {"doet_mee": False})
    _complete(uow, runtime, second, {"doet_mee": True, "school": "De Regenboog"})
    with uow(readonly=True) as unit:
        subjects = {
            s.key: s
            for s in unit.session.scalars(select(DataSubject).where(DataSubject.procedure_id == procedure.id))
        }
    assert subjects["lid-1"].participation == "declined"
    facts = _facts(uow, procedure.id)
    declined = [f for f in facts if f.subject_id == subjects["lid-1"].id]
    assert declined and all(f.value is None and f.erased_at is not None for f in declined)
    [school] = [f for f in facts if f.field == "school"]
    assert school.subject_id == subjects["lid-2"].id and school.value == "De Regenboog"


def test_indicators_coordinator_phase_and_closure(uow, runtime, clock):
    procedure = _start(uow, runtime)
    [consent] = _open(uow, procedure.id)
    _complete(uow, runtime, consent, {"toestemming": True, "clientondersteuning": False})
    for member in _open(uow, procedure.id):
        _complete(uow, runtime, member, {"doet_mee": True})
    with uow(readonly=True) as unit:
        assert unit.session.get(Procedure, procedure.id).phase == "onderzoek"
    [answer] = _open(uow, procedure.id)
    _complete(uow, runtime, answer, {"woonsituatie": "huurwoning"})
    [plan] = _open(uow, procedure.id)
    clock.advance(days=3)
    _complete(uow, runtime, plan, {"coordinator": "c.devries"})
    with uow(readonly=True) as unit:
        closed = unit.session.get(Procedure, procedure.id)
        indicators = {
            (i.key, str(i.value))
            for i in unit.session.scalars(select(Indicator).where(Indicator.procedure_id == procedure.id))
        }
    assert closed.coordinator == "c.devries"
    assert (closed.status, closed.phase) == ("closed", "afgesloten")
    assert closed.retention_until == closed.ended_at.replace(year=closed.ended_at.year + 2)
    assert {
        ("ingang", "eigen_verzoek"),
        ("clientondersteuning", "False"),
        ("coordinator", "c.devries"),
    } <= indicators


def test_case_view_gives_each_party_only_what_it_needs(uow, runtime):
    procedure = _start(uow, runtime)
    [consent] = _open(uow, procedure.id)
    _complete(uow, runtime, consent, {"toestemming": True})
    for member in _open(uow, procedure.id):
        _complete(uow, runtime, member, {"doet_mee": True})
    [answer] = _open(uow, procedure.id)
    _complete(uow, runtime, answer, {"behandeling": "ambulant", "schulden": 500}, "p.ggz")
    with uow(readonly=True) as unit:
        coordinator_view = {f.field for f in case_view(unit, COORDINATOR, procedure.id).shown_facts}
        ggz_view = {f.field for f in case_view(unit, GGZ, procedure.id).shown_facts}
        wonen_view = {f.field for f in case_view(unit, WONEN, procedure.id).shown_facts}
    assert {"bsn", "zorgen", "behandeling", "schulden"} <= coordinator_view
    assert ggz_view == {"naam", "behandeling", "schulden"}
    assert wonen_view == {"naam"}
    cancel_procedure(uow(), runtime, COORDINATOR, procedure.id, "test")
    with uow(readonly=True) as unit:
        assert case_view(unit, GGZ, procedure.id).shown_facts == []


def test_a_party_may_not_supply_categories_it_must_never_share(uow, runtime):
    # As the party rules decide for a housing corporation: health data are never shared with or by it.
    procedure = start_procedure(
        uow(), runtime, MELDPUNT, {**MELDING, "nooit_delen": ["health"]}, process_id="mini_wams"
    )
    [consent] = _open(uow, procedure.id)
    _complete(uow, runtime, consent, {"toestemming": True})
    for member in _open(uow, procedure.id):
        _complete(uow, runtime, member, {"doet_mee": True})
    [answer] = _open(uow, procedure.id)
    with pytest.raises(InvalidForm) as refused:
        _complete(uow, runtime, answer, {"behandeling": "ambulant", "schulden": 10})
    # The ground is the party rules, not the client's scope: each refusal names its own ground.
    assert [(e.field, e.code) for e in refused.value.errors] == [("behandeling", "special_category_refused")]
    _complete(uow, runtime, answer, {"schulden": 10})
