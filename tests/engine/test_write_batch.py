"""Writes held back for a batch (the scheduler firing many timers in one transaction) behave as if
they had been written at once: later reads see them, a stale version still fails, an error writes
nothing, and the writes to one table keep their order."""

from __future__ import annotations

from typing import cast

import pytest
from sqlalchemy import Table, select

from engine.errors import Conflict
from engine.runtime.journal import append as write_events
from engine.runtime.journal import entry as event
from engine.runtime.models import ProcessEvent, ProcessInstance
from engine.runtime.service import Runtime
from engine.runtime.writer import deferred_writes, insert_rows, update_object
from tests.factories import deploy_bundle, fixture_bundle, make_tenant


@pytest.fixture
def instance_id(uow):
    make_tenant(uow)
    deploy_bundle(uow, fixture_bundle("three_tasks"))
    with uow() as unit:
        started = Runtime().start(unit, "utrecht", "three_tasks", {}, "a").instance.id
        unit.commit()
    return started


def _events(unit, instance_id, type_):
    return unit.session.scalars(
        select(ProcessEvent.detail)
        .where(ProcessEvent.instance_id == instance_id, ProcessEvent.type == type_)
        .order_by(ProcessEvent.id)
    ).all()


def _version(uow, instance_id):
    with uow(readonly=True) as unit:
        return unit.session.get(ProcessInstance, instance_id).version


def test_a_read_inside_the_batch_sees_the_writes_held_back(uow, instance_id):
    before = _version(uow, instance_id)
    with uow() as unit:
        instance = unit.session.get(ProcessInstance, instance_id)
        with deferred_writes(unit):
            write_events(unit, [event(instance, "note", None, detail={"n": 1})])
            update_object(unit, instance, {"current_steps": ["x"]}, version="version")
            assert [d["n"] for d in _events(unit, instance_id, "note")] == [1]
            stored = unit.session.execute(
                select(ProcessInstance.current_steps).where(ProcessInstance.id == instance_id)
            ).scalar_one()
            assert stored == ["x"]
        unit.commit()
    assert _version(uow, instance_id) == before + 1


def test_a_stale_version_in_a_batch_is_a_conflict_and_nothing_is_written(uow, instance_id):
    before = _version(uow, instance_id)
    with pytest.raises(Conflict), uow() as unit:
        instance = unit.session.get(ProcessInstance, instance_id)
        with deferred_writes(unit):
            write_events(unit, [event(instance, "note", None, detail={"n": 1})])
            update_object(unit, instance, {"current_steps": ["x"]}, version="version")
            # The second update goes out with the first (one executemany): its version is stale.
            instance.version = before
            update_object(unit, instance, {"current_steps": ["y"]}, version="version")
        unit.commit()
    with uow(readonly=True) as unit:
        assert _events(unit, instance_id, "note") == []
    assert _version(uow, instance_id) == before


def test_an_error_inside_the_batch_writes_nothing(uow, instance_id):
    with pytest.raises(RuntimeError), uow() as unit:
        instance = unit.session.get(ProcessInstance, instance_id)
        with deferred_writes(unit):
            write_events(unit, [event(instance, "note", None, detail={"n": 1})])
            raise RuntimeError("the step failed")
    with uow(readonly=True) as unit:
        assert _events(unit, instance_id, "note") == []


def test_writes_to_one_table_keep_their_order_across_statements(uow, instance_id):
    table = cast(Table, ProcessEvent.__table__)
    with uow() as unit:
        instance = unit.session.get(ProcessInstance, instance_id)
        with deferred_writes(unit):
            for n in range(6):
                row = event(instance, "note", None, detail={"n": n})
                if n % 2:
                    row.pop("actor")  # another column list: another statement for the same table
                insert_rows(unit, table, [row])
        unit.commit()
    with uow(readonly=True) as unit:
        assert [d["n"] for d in _events(unit, instance_id, "note")] == list(range(6))
