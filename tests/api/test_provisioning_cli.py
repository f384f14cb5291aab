"""`wams tenant create`, `wams user create` and `wams token create`: a municipality and its first
administrator from the console; deploying for a tenant that does not exist says so."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from api.cli import main
from engine.accounts.models import User
from engine.accounts.passwords import verify_password
from engine.tenancy import Tenant
from tests.conftest import REPO


def _env(monkeypatch, database_url, tmp_path) -> None:
    monkeypatch.setenv("WAMS_DATABASE_URL", database_url)
    monkeypatch.setenv("WAMS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("WAMS_NEW_USER_PASSWORD", raising=False)


def _run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def test_deploy_for_a_tenant_that_does_not_exist_says_so(db, database_url, monkeypatch, tmp_path):
    _env(monkeypatch, database_url, tmp_path)
    result = _run("deploy", str(REPO / "workflows"), "--tenant", "zuidstad", "--forms", str(REPO / "forms"))
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "the tenant 'zuidstad' does not exist" in result.output
    assert "wams tenant create zuidstad --name" in result.output
    assert "Traceback" not in result.output and "ForeignKeyViolation" not in result.output


def test_a_municipality_and_its_first_administrator(db, uow, database_url, monkeypatch, tmp_path):
    _env(monkeypatch, database_url, tmp_path)
    result = _run("tenant", "create", "zuidstad", "--name", "Gemeente Zuidstad")
    assert result.exit_code == 0, result.output
    assert "tenant zuidstad (Gemeente Zuidstad, production) created" in result.output
    result = _run("tenant", "create", "oefenstad", "--name", "Oefengemeente", "--rehearsal")
    assert result.exit_code == 0, result.output

    # The password from stdin, never from the command line.
    result = _run(
        "user", "create", "beheerder.zuidstad", "--tenant", "zuidstad", "--role", "admin",
        "--email", "beheer@zuidstad.example", "--password-stdin",
        input="een-lang-wachtwoord\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "een-lang-wachtwoord" not in result.output
    with uow(readonly=True) as unit:
        kinds = {t.id: t.kind for t in unit.session.scalars(select(Tenant))}
        admin = unit.session.scalar(select(User).where(User.username == "beheerder.zuidstad"))
        assert kinds == {"zuidstad": "production", "oefenstad": "rehearsal"}
        assert admin.tenant_id == "zuidstad" and admin.roles == ["admin"]
        assert verify_password("een-lang-wachtwoord", admin.password_hash)

    result = _run("deploy", str(REPO / "workflows"), "--tenant", "zuidstad", "--forms", str(REPO / "forms"))
    assert result.exit_code == 0, result.output
    assert "zuidstad: wams_procedure v1 (new version)" in result.output

    result = _run("token", "create", "beheerder.zuidstad", "--name", "first-run")
    assert result.exit_code == 0, result.output
    assert result.output.strip().startswith("wams_") and len(result.output.strip()) > 40


def test_the_password_from_the_environment_or_asked_twice(db, uow, database_url, monkeypatch, tmp_path):
    _env(monkeypatch, database_url, tmp_path)
    assert _run("tenant", "create", "zuidstad", "--name", "Gemeente Zuidstad").exit_code == 0
    monkeypatch.setenv("WAMS_NEW_USER_PASSWORD", "uit-de-omgeving")
    result = _run("user", "create", "a.zuidstad", "--tenant", "zuidstad", "--role", "admin")
    assert result.exit_code == 0, result.output
    monkeypatch.delenv("WAMS_NEW_USER_PASSWORD")
    result = _run(
        "user", "create", "b.zuidstad", "--tenant", "zuidstad", "--role", "manager", input="gevraagd-wachtwoord\n" * 2
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with uow(readonly=True) as unit:
        users = {u.username: u for u in unit.session.scalars(select(User))}
    assert verify_password("uit-de-omgeving", users["a.zuidstad"].password_hash)
    assert verify_password("gevraagd-wachtwoord", users["b.zuidstad"].password_hash)
    assert "--password " not in _run("user", "create", "--help").output  # no way to put it in argv


def test_mistakes_are_named_not_tracebacks(db, database_url, monkeypatch, tmp_path):
    _env(monkeypatch, database_url, tmp_path)
    assert _run("tenant", "create", "zuidstad", "--name", "Gemeente Zuidstad").exit_code == 0
    cases = [
        (("tenant", "create", "zuidstad", "--name", "Nog eens"), "exists already"),
        (("tenant", "create", "Zuid Stad", "--name", "X"), "a tenant code is"),
        (("user", "create", "x", "--tenant", "elders", "--role", "admin", "--no-password"), "does not exist"),
        (
            ("user", "create", "x", "--tenant", "zuidstad", "--role", "koning", "--no-password"),
            "unknown role",
        ),
        (
            ("user", "create", "x", "--tenant", "zuidstad", "--role", "admin", "--password-stdin"),
            "at least 8",
        ),
        (("token", "create", "niemand"), "no active account"),
    ]
    for args, message in cases:
        result = _run(*args, input="kort\n")
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output, (args, result.output)
        assert isinstance(result.exception, SystemExit), (args, result.exception)
