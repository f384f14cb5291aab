"""`wams audit verify` names a broken chain and fails; `wams retention sweep` erases what is due."""

from __future__ import annotations

from datetime import UTC, datetime

from click.testing import CliRunner
from sqlalchemy import text

from api.cli import main
from engine.procedures.models import Procedure
from engine.procedures.view import case_view
from tests.privacy.conftest import COORDINATOR


def _env(monkeypatch, database_url, tmp_path) -> None:
    monkeypatch.setenv("WAMS_DATABASE_URL", database_url)
    monkeypatch.setenv("WAMS_INSTANCE_PATH", str(tmp_path))


def test_wams_audit_verify(services, case, db, database_url, monkeypatch, tmp_path):
    for _ in range(3):
        with services.uow(readonly=True) as unit:
            case_view(unit, COORDINATOR, case.id)
    _env(monkeypatch, database_url, tmp_path)
    result = CliRunner().invoke(main, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    # 2 lines collected at the melding (client, household member), 6 read by the coordinator.
    assert result.output.startswith("utrecht: 8 line(s), head 8 ") and result.output.rstrip().endswith(": ok")
    with db.engine.begin() as connection:
        if db.dialect == "postgresql":
            connection.execute(text("ALTER TABLE processing_log DISABLE TRIGGER USER"))
            connection.execute(text("UPDATE processing_log SET purpose = 'iets anders' WHERE seq = 4"))
            connection.execute(text("ALTER TABLE processing_log ENABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER processing_log_no_update"))
            connection.execute(text("UPDATE processing_log SET purpose = 'iets anders' WHERE seq = 4"))
    result = CliRunner().invoke(main, ["audit", "verify", "--tenant", "utrecht"])
    assert result.exit_code == 1
    assert "line 4: edited" in result.output


def test_wams_retention_sweep(services, case, database_url, monkeypatch, tmp_path):
    case.close()
    _env(monkeypatch, database_url, tmp_path)
    result = CliRunner().invoke(main, ["retention", "sweep"])
    assert result.output.startswith("erased 0 fact(s) of 0 procedure(s)")  # not due yet
    with services.uow() as unit:  # the CLI runs on the real clock: make the period pass for it
        unit.session.get(Procedure, case.id).retention_until = datetime(2001, 1, 1, tzinfo=UTC)
        unit.commit()
    result = CliRunner().invoke(main, ["retention", "sweep", "--limit", "10"])
    assert result.exit_code == 0, result.output
    assert " of 1 procedure(s); 0 error(s)" in result.output
    assert all(f.value is None for f in case.facts().values())
