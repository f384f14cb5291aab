"""`wams migrate plan|dry-run|run`: a plan to edit, a dry run that names who cannot move, and a run
that moves the others and exits 1 for the one that stays."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import select

from api.cli import main
from engine.runtime.models import ProcessInstance
from engine.runtime.service import Runtime
from tests.factories import deploy_bundle, make_tenant
from tests.migration.models import version_one, version_two
from tests.migration.test_engine_migration import _start


def test_plan_dry_run_and_run(db, uow, database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("WAMS_DATABASE_URL", database_url)
    monkeypatch.setenv("WAMS_INSTANCE_PATH", str(tmp_path))
    make_tenant(uow)
    deploy_bundle(uow, version_one())
    runtime = Runtime()
    moving, staying = _start(uow, runtime, 1), _start(uow, runtime, 2)
    deploy_bundle(uow, version_two())
    runner = CliRunner()

    result = runner.invoke(
        main, ["migrate", "plan", "mig", "--tenant", "utrecht", "--from", "1", "--map", "b=b2"]
    )
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["mapping"] == {"a": "a", "b": "b2"} and plan["target_version"] == 2
    assert "not mapped: c" in result.stderr
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(result.stdout)

    result = runner.invoke(main, ["migrate", "dry-run", "--tenant", "utrecht", "--plan", str(plan_file)])
    assert result.exit_code == 0, result.output
    assert f"{moving}: can move (b→b2)" in result.output
    assert f"{staying}: cannot move at c: element_removed" in result.output

    result = runner.invoke(main, ["migrate", "run", "--tenant", "utrecht", "--plan", str(plan_file)])
    assert result.exit_code == 1
    assert "1 moved, 1 could not move" in result.output
    with uow(readonly=True) as unit:
        assert (
            unit.session.get(ProcessInstance, moving).definition_id
            != unit.session.get(ProcessInstance, staying).definition_id
        )
        assert len(unit.session.scalars(select(ProcessInstance)).all()) == 2
