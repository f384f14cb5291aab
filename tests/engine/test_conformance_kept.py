"""Conformance over a municipality's whole period, with each procedure's replay outcome kept: every
procedure of the period counts (no longer the newest 2,000), a procedure that did not move is not
replayed again, and what is kept stays right when a procedure moves on, a new version is deployed, a
procedure is migrated, and between municipalities."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update

from engine.access import Actor
from engine.migration.batch import run_batch
from engine.migration.plan import MigrationPlan
from engine.monitoring import summaries
from engine.monitoring.conformance import conformance
from engine.monitoring.models import ConformanceOutcome, ConformanceSummary
from engine.roles import Role
from engine.runtime.models import ProcessEvent, ProcessInstance, Task
from engine.runtime.service import Runtime
from engine.status import TaskStatus
from tests.factories import deploy_bundle, fixture_bundle, make_tenant
from tests.migration.models import version_one, version_two

MANAGER = Actor("manager", "utrecht", frozenset({Role.MANAGER}))
OTHER = Actor("manager", "amersfoort", frozenset({Role.MANAGER}))
DESIGNER = Actor("designer", "utrecht", frozenset({Role.PROCESS_DESIGNER}))


@pytest.fixture
def runtime(uow):
    make_tenant(uow)
    make_tenant(uow, "amersfoort")
    deploy_bundle(uow, fixture_bundle("conformance"))
    deploy_bundle(uow, fixture_bundle("conformance"), "amersfoort")
    return Runtime()


def _start(uow, runtime, process_id: str = "conformance", tenant: str = "utrecht") -> uuid.UUID:
    with uow() as unit:
        instance_id = runtime.start(unit, tenant, process_id, {}, "a").instance.id
        unit.commit()
    return instance_id


def _complete(uow, runtime, instance_id, data: dict[str, Any], tenant: str = "utrecht") -> None:
    with uow(readonly=True) as unit:
        [task] = unit.session.scalars(
            select(Task).where(Task.instance_id == instance_id, Task.status == TaskStatus.OPEN)
        ).all()
    with uow() as unit:
        runtime.complete_task(unit, tenant, task.id, data, "a")
        unit.commit()


def _finish(uow, runtime, instance_id, route: str, tenant: str = "utrecht") -> None:
    _complete(uow, runtime, instance_id, {"keuze": route}, tenant)
    _complete(uow, runtime, instance_id, {}, tenant)
    _complete(uow, runtime, instance_id, {}, tenant)


def _period(clock):
    return clock.now() - timedelta(days=1), clock.now() + timedelta(days=30)


def _view(uow, clock, actor=MANAGER, entry="conformance", keep=True):
    return conformance(uow(readonly=True), actor, entry, *_period(clock), keep=uow() if keep else None)


def _kept(uow, tenant: str | None = None) -> dict[uuid.UUID, ConformanceSummary]:
    with uow(readonly=True) as unit:
        query = select(ConformanceSummary)
        if tenant is not None:
            query = query.where(ConformanceSummary.tenant_id == tenant)
        return {row.instance_id: row for row in unit.session.scalars(query)}


def _forget_all(uow) -> None:
    with uow() as unit:
        unit.session.execute(delete(ConformanceSummary))
        unit.commit()


@pytest.fixture
def replays(monkeypatch):
    """The procedures replayed by each read (the kept ones are not)."""
    seen: list[str] = []
    real = summaries.outcome_of

    def counting(history, status, version, entry):
        seen.append(status)
        return real(history, status, version, entry)

    monkeypatch.setattr(summaries, "outcome_of", counting)
    return seen


def test_every_procedure_of_the_period_counts_past_the_old_bound_of_2000(uow, runtime, clock):
    # Two procedures through the engine, copied (as the bench does) to 2,100: the old read counted the
    # newest 2,000 and said "truncated".
    finished, running = _start(uow, runtime), _start(uow, runtime)
    _finish(uow, runtime, finished, "a")
    _complete(uow, runtime, running, {"keuze": "b"})
    with uow() as unit:
        originals = list(unit.session.scalars(select(ProcessInstance)))
        events = list(unit.session.scalars(select(ProcessEvent).order_by(ProcessEvent.id)))
        columns = [c.key for c in ProcessInstance.__table__.columns]
        event_columns = [c.key for c in ProcessEvent.__table__.columns if c.key != "id"]
        copies, copied_events = [], []
        for n in range(1049):
            for original in originals:
                row = {c: getattr(original, c) for c in columns}
                row.update(id=uuid.uuid4(), started_at=original.started_at - timedelta(seconds=n + 1))
                copies.append(row)
                copied_events.extend(
                    {**{c: getattr(e, c) for c in event_columns}, "instance_id": row["id"]}
                    for e in events
                    if e.instance_id == original.id
                )
        unit.session.execute(insert(ProcessInstance), copies)
        unit.session.execute(insert(ProcessEvent), copied_events)
        unit.commit()
    found = _view(uow, clock)
    assert (found.procedures, found.truncated, found.fitting) == (2100, False, 2100)
    variants = {tuple(v.steps): (v.count, v.finished) for v in found.variants}
    assert variants == {("intake", "task_a", "close"): (1050, 1050), ("intake",): (1050, 0)}
    [route] = found.gateways
    assert {f.flow_id: f.count for f in route.flows} == {"f_a": 1050, "f_b": 1050}
    assert len(_kept(uow)) == 2100
    with uow(readonly=True) as unit:  # two distinct outcomes, each stored once
        assert len(unit.session.scalars(select(ConformanceOutcome.id)).all()) == 2
    # From what was kept, the same figures.
    assert _view(uow, clock) == found


def test_a_procedure_is_replayed_only_when_it_moved(uow, runtime, clock, replays):
    done, waiting = _start(uow, runtime), _start(uow, runtime)
    _finish(uow, runtime, done, "a")
    _complete(uow, runtime, waiting, {"keuze": "b"})
    first = _view(uow, clock)
    assert sorted(replays) == ["completed", "running"]
    assert set(_kept(uow)) == {done, waiting}

    replays.clear()
    assert _view(uow, clock) == first
    assert replays == []  # nothing moved: nothing replayed

    clock.advance(days=3)
    _complete(uow, runtime, waiting, {})
    _complete(uow, runtime, waiting, {})
    clock.advance(days=-3)
    replays.clear()
    moved = _view(uow, clock)
    assert replays == ["completed"]  # only the one that moved on
    variants = {tuple(v.steps): v for v in moved.variants}
    assert variants[("intake", "task_b", "close")].duration_days_median == 3.0
    assert variants[("intake", "task_b", "close")].finished == 1
    # The kept figures are those of a read that keeps nothing and replays everything.
    _forget_all(uow)
    assert _view(uow, clock, keep=False) == moved
    assert _kept(uow) == {}  # without a writer, a read writes nothing


def test_kept_outcomes_stay_right_after_a_new_version_and_a_migration(uow, runtime, clock, replays):
    deploy_bundle(uow, version_one())
    done, waiting = _start(uow, runtime, "mig"), _start(uow, runtime, "mig")
    for _ in range(3):
        _complete(uow, runtime, done, {"akkoord": True})
    _complete(uow, runtime, waiting, {"akkoord": True})  # now at b
    _view(uow, clock, entry="mig")
    v1 = _kept(uow)[waiting].definition_id

    deploy_bundle(uow, version_two())
    newer = _start(uow, runtime, "mig")
    _complete(uow, runtime, newer, {"akkoord": True})
    replays.clear()
    after_deploy = _view(uow, clock, entry="mig")
    assert replays == ["running"]  # only the procedure on the new version; the others are kept
    assert after_deploy.procedures == 3

    report = run_batch(uow, runtime, DESIGNER, MigrationPlan("mig", 1, 2, {"a": "a", "b": "b2"}))
    assert [r.instance_id for r in report.moved] == [waiting]
    replays.clear()
    migrated = _view(uow, clock, entry="mig")
    assert replays == ["running"]  # the migrated procedure, replayed against its new version
    kept = _kept(uow)
    with uow(readonly=True) as unit:
        instance = unit.session.get(ProcessInstance, waiting)
        assert instance is not None
        assert (kept[waiting].definition_id, kept[waiting].instance_version) == (
            instance.definition_id,
            instance.version,
        )
    assert kept[waiting].definition_id != v1
    assert kept[done].definition_id == v1  # a finished procedure stays on the version it ran on
    _forget_all(uow)
    assert _view(uow, clock, entry="mig", keep=False) == migrated


def test_another_municipalitys_rows_never_count(uow, runtime, clock):
    ours = _start(uow, runtime)
    _finish(uow, runtime, ours, "a")
    theirs = [_start(uow, runtime, tenant="amersfoort") for _ in range(2)]
    for instance_id in theirs:
        _finish(uow, runtime, instance_id, "b", "amersfoort")
    found = _view(uow, clock)
    other = _view(uow, clock, actor=OTHER)
    assert (found.procedures, other.procedures) == (1, 2)
    assert set(_kept(uow, "utrecht")) == {ours} and set(_kept(uow, "amersfoort")) == set(theirs)
    # Each municipality's distinct outcomes are its own (route A here, route B there).
    with uow(readonly=True) as unit:
        outcomes = dict(
            unit.session.execute(select(ConformanceOutcome.tenant_id, ConformanceOutcome.id)).all()
        )
    assert set(outcomes) == {"utrecht", "amersfoort"}
    # A kept row that says it is another municipality's, pointing at that one's outcome, is never read.
    with uow() as unit:
        unit.session.execute(
            update(ConformanceSummary)
            .where(ConformanceSummary.instance_id == ours)
            .values(tenant_id="amersfoort", outcome_id=outcomes["amersfoort"])
        )
        unit.commit()
    assert _view(uow, clock) == found
    assert _view(uow, clock, actor=OTHER) == other
