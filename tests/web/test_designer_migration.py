"""The designer does versions and migration in the browser: the draft's changes before deploying,
then a plan, a dry run and a batch on the migration page, in Dutch; other roles are refused."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from engine.access import Actor
from engine.procedures.service import start_procedure
from engine.roles import Role
from engine.runtime.models import ProcessInstance
from tests.factories import deploy_bundle
from tests.migration.models import version_one, version_two
from tests.migration.test_engine_migration import _complete
from tests.web.conftest import TENANT


def _procedure(services, uow, steps: int) -> uuid.UUID:
    """A procedure of `mig` (with its case row, so its page exists), `steps` tasks on."""
    meldpunt = Actor(f"meldpunt.{TENANT}", TENANT, frozenset({Role.MELDPUNT}))
    procedure = start_procedure(services.uow(), services.runtime, meldpunt, {}, process_id="mig").id
    for _ in range(steps):
        _complete(uow, services.runtime, procedure)
    return procedure


def _setup(services, uow) -> tuple[uuid.UUID, uuid.UUID]:
    deploy_bundle(uow, version_one(), TENANT)
    moving, staying = _procedure(services, uow, 1), _procedure(services, uow, 2)
    deploy_bundle(uow, version_two(), TENANT)
    return moving, staying


def test_the_draft_shows_its_changes_before_deploying(browser, uow):
    deploy_bundle(uow, version_one(), TENANT)
    browser.login(Role.PROCESS_DESIGNER)
    edit = browser.get("/designer/mig/edit")
    assert edit.status_code == 200 and "Wijzigingen bekijken" in edit.text
    draft = version_two().files["mig.bpmn"].decode()
    answer = browser.post_json("/designer/mig/changes", {"file": "mig.bpmn", "xml": draft})
    assert answer.status_code == 200
    assert "Toegevoegd" in answer.text and "Nieuwe stap" in answer.text
    assert "Gewijzigd" in answer.text and "termijn: P2D → P5D" in answer.text
    assert "rol: meldpunt → coordinator" in answer.text
    assert "grondslag: (geen) → test.grond" in answer.text


def test_plan_dry_run_and_batch_in_the_browser(browser, other_browser, services, uow):
    moving, staying = _setup(services, uow)
    browser.login(Role.PROCESS_DESIGNER)
    page = browser.get("/designer/mig/migrate?from=1&to=2")
    assert page.status_code == 200, page.text
    assert "Lopende procedures verplaatsen" in page.text
    assert 'name="map.b"' in page.text and 'name="map.c"' in page.text
    form = {"source_version": "1", "target_version": "2", "map.a": "a", "map.b": "b2", "map.c": ""}

    dry = browser.post("/designer/mig/migrate", {**form, "action": "dry-run"})
    assert dry.status_code == 200, dry.text
    assert "1 procedure(s) kunnen verplaatst worden, 1 niet." in dry.text
    assert "Wacht bij een stap die de nieuwe versie niet heeft" in dry.text
    with uow(readonly=True) as unit:
        assert len({i.definition_id for i in unit.session.scalars(select(ProcessInstance))}) == 1

    run = browser.post("/designer/mig/migrate", {**form, "action": "run", "batch_size": "50"})
    assert run.status_code == 200, run.text
    assert "1 procedure(s) verplaatst, 1 kon(den) niet verplaatst worden." in run.text
    with uow(readonly=True) as unit:
        moved = unit.session.get(ProcessInstance, moving)
        stayed = unit.session.get(ProcessInstance, staying)
        assert moved.definition_id != stayed.definition_id
    other_browser.login(Role.COORDINATOR)
    timeline = other_browser.get(f"/procedures/{moving}")
    assert timeline.status_code == 200
    assert "Verplaatst naar een nieuwe versie van het proces" in timeline.text


def test_only_designers_and_administrators(browser, services, uow):
    _setup(services, uow)
    browser.login(Role.MANAGER)
    assert browser.get("/designer/mig/migrate").status_code == 403
    assert (
        browser.post("/designer/mig/migrate", {"source_version": "1", "target_version": "2"}).status_code
        == 403
    )
