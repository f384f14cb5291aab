"""Who may see and do which task: the rules in Python and their SQL twins give the same answers."""

from __future__ import annotations

import itertools
import uuid

import pytest
from sqlalchemy import select

from engine.access import Actor
from engine.errors import NotAuthorized
from engine.roles import Role
from engine.runtime.models import Task
from engine.runtime.service import Runtime
from engine.tasks.rules import (
    TaskClaimedByOther,
    can_see,
    is_for_role,
    is_for_role_clause,
    may_work_on,
    require_can_work_on,
    visible_clause,
)
from tests.factories import deploy_bundle, fixture_bundle, make_tenant

ANNA = Actor("anna", "utrecht", frozenset({Role.MELDPUNT}))
PIM = Actor("pim", "utrecht", frozenset({Role.PARTY_CONTACT}), party="wijkteam")
MIA = Actor("mia", "utrecht", frozenset({Role.MANAGER}))


def task(**kwargs) -> Task:
    values = {"role": "meldpunt", "party": None, "assignee": None, "claimed_by": None, "completed_by": None}
    return Task(id=uuid.uuid4(), tenant_id="utrecht", **{**values, **kwargs})


def test_a_task_is_for_its_role_and_party():
    assert is_for_role(ANNA, task())
    assert not is_for_role(ANNA, task(role="assessor"))
    assert not is_for_role(ANNA, task(role=None))
    assert is_for_role(PIM, task(role="party_contact", party="wijkteam"))
    assert not is_for_role(PIM, task(role="party_contact", party="ggz_instelling"))
    assert not is_for_role(ANNA, task(party="wijkteam"))


def test_an_owned_task_is_only_its_owners():
    assert may_work_on(ANNA, task(claimed_by="anna"))
    assert not may_work_on(ANNA, task(claimed_by="bob"))
    assert not may_work_on(ANNA, task(assignee="bob"))
    assert may_work_on(ANNA, task(assignee="anna"))
    with pytest.raises(TaskClaimedByOther):
        require_can_work_on(ANNA, task(claimed_by="bob"))
    with pytest.raises(NotAuthorized):
        require_can_work_on(ANNA, task(role="assessor"))
    # A manager sees all work but does only their own role's.
    assert can_see(MIA, task(role="assessor")) and not may_work_on(MIA, task(role="assessor"))


ROLES = ["meldpunt", "party_contact", "assessor", None]
PARTIES = [None, "wijkteam", "ggz_instelling"]
PEOPLE = [None, "anna", "pim", "bob"]


@pytest.fixture
def many_tasks(uow):
    """One real instance, and tasks with every combination of role, party, assignee and claimant."""
    make_tenant(uow)
    deploy_bundle(uow, fixture_bundle("three_tasks"))
    with uow() as unit:
        instance = Runtime().start(unit, "utrecht", "three_tasks", {}, "t").instance
        unit.commit()
    with uow() as unit:
        [template] = unit.session.scalars(select(Task).where(Task.instance_id == instance.id))
        columns = {c.name: getattr(template, c.name) for c in Task.__table__.columns if c.name != "id"}
        for role, party, assignee, claimed in itertools.product(ROLES, PARTIES, PEOPLE, PEOPLE):
            changes = {"role": role, "party": party, "assignee": assignee, "claimed_by": claimed}
            unit.session.add(Task(id=uuid.uuid4(), **{**columns, **changes}))
        unit.commit()
    with uow(readonly=True) as unit:
        return list(unit.session.scalars(select(Task)))


@pytest.mark.parametrize("actor", [ANNA, PIM, MIA], ids=lambda a: a.username)
def test_sql_and_python_rules_agree(uow, many_tasks, actor):
    with uow(readonly=True) as unit:
        visible = set(
            unit.session.scalars(select(Task.id).where(Task.tenant_id == "utrecht", visible_clause(actor)))
        )
        for_role = set(unit.session.scalars(select(Task.id).where(is_for_role_clause(actor))))
    assert len(many_tasks) > 100
    assert visible == {t.id for t in many_tasks if can_see(actor, t)}
    assert for_role == {t.id for t in many_tasks if is_for_role(actor, t)}
    assert 0 < len(for_role) <= len(visible) < len(many_tasks) or actor is MIA
