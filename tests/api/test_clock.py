"""The clock of a rehearsal municipality over the API: production tenants refuse every clock
operation (and the attempt is a security event), rehearsal time only moves forward, and a jump over
several cycle periods lets the scheduler open them one after another in due-time order, each once,
also with two schedulers racing."""

from __future__ import annotations

import itertools
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from engine.accounts.service import add_token, add_user
from engine.privacy.models import SecurityEvent
from engine.rehearsal import REHEARSAL
from engine.roles import Role
from engine.scheduler.runner import Scheduler
from engine.tenancy import ensure_tenant
from tests.api.conftest import PARTIES, ROLES, TENANT, token_of, username
from tests.factories import deploy_bundle, fixture_bundle
from tests.racing import race_schedulers

OEFEN = "oefendorp"


@pytest.fixture
def oefen(uow, world):
    """A rehearsal municipality beside the production ones, one account per role."""
    with uow() as unit:
        ensure_tenant(unit, OEFEN, "Oefengemeente Oefendorp", kind=REHEARSAL)
        for role in ROLES:
            user = add_user(unit, OEFEN, username(role, OEFEN), roles=[role], party=PARTIES.get(role))
            add_token(unit, user, "test", created_by="tests", secret=token_of(user.username))
        unit.commit()
    for bundle in ("three_tasks", "evaluation_cycle"):
        deploy_bundle(uow, fixture_bundle(bundle), OEFEN)
    return OEFEN


def _now(response) -> datetime:
    return datetime.fromisoformat(response.get_json()["now"])


def test_a_production_tenant_refuses_every_clock_operation_and_logs_it(api, clock, caplog, services):
    caplog.set_level(logging.WARNING, logger="wams.security")
    attempts = [
        api.get("/api/v1/clock", as_=Role.ADMIN),
        api.call("PUT", "/api/v1/clock", as_=Role.ADMIN, json={"now": "2030-01-01T00:00:00+00:00"}),
        api.post("/api/v1/clock/advance", as_=Role.PROCESS_DESIGNER, json={"duration": "P3M"}),
    ]
    for response in attempts:
        assert response.status_code == 403
        assert response.content_type == "application/problem+json"
        assert response.get_json()["code"] == "not_a_rehearsal"
    refused = [r for r in caplog.records if r.name == "wams.security"]
    assert len(refused) == 3 and all(TENANT in r.getMessage() for r in refused)
    # Each attempt is a security event in the municipality's hash-chained security log.
    with services.uow(readonly=True) as unit:
        events = list(
            unit.session.scalars(
                select(SecurityEvent).where(SecurityEvent.tenant_id == TENANT).order_by(SecurityEvent.seq)
            )
        )
    assert [(e.target, e.status, e.outcome != "") for e in events] == [
        ("/api/v1/clock", 403, True),
        ("/api/v1/clock", 403, True),
        ("/api/v1/clock/advance", 403, True),
    ]
    # Nothing moved: the production tenant's work still runs on the real clock.
    started = api.post("/api/v1/procedures", as_=Role.MELDPUNT, json={"process_id": "three_tasks"})
    [task] = api.get(
        f"/api/v1/tasks?scope=all&procedure_id={started.get_json()['id']}", as_=Role.MELDPUNT
    ).get_json()["items"]
    assert datetime.fromisoformat(task["created_at"]) == clock.now()


def test_rehearsal_time_moves_forward_only_and_only_for_admins_and_designers(api, oefen, clock):
    read = api.get("/api/v1/clock", as_=Role.MELDPUNT, tenant=OEFEN)
    assert read.status_code == 200 and _now(read) == clock.now()
    advanced = api.post(
        "/api/v1/clock/advance", as_=Role.PROCESS_DESIGNER, tenant=OEFEN, json={"duration": "P3M"}
    )
    assert advanced.status_code == 200, advanced.get_json()
    assert _now(advanced) == datetime(2027, 4, 4, 9, 0, tzinfo=UTC)  # month-aware, from 4 January
    clock.advance(minutes=5)  # real time passes; the rehearsal clock runs on with it
    assert _now(api.get("/api/v1/clock", as_=Role.COORDINATOR, tenant=OEFEN)) == datetime(
        2027, 4, 4, 9, 5, tzinfo=UTC
    )

    backwards = api.call(
        "PUT", "/api/v1/clock", as_=Role.ADMIN, tenant=OEFEN, json={"now": "2027-02-01T09:00:00Z"}
    )
    assert backwards.status_code == 422 and backwards.get_json()["code"] == "clock_backwards"
    assert (
        api.post("/api/v1/clock/advance", as_=Role.ADMIN, tenant=OEFEN, json={"duration": "-P1D"}).status_code
        == 422
    )
    assert (
        api.post("/api/v1/clock/advance", as_=Role.ADMIN, tenant=OEFEN, json={"duration": "drie"}).status_code
        == 422
    )
    assert (
        api.post(
            "/api/v1/clock/advance", as_=Role.MELDPUNT, tenant=OEFEN, json={"duration": "P1D"}
        ).status_code
        == 403
    )
    pinned = api.call(
        "PUT", "/api/v1/clock", as_=Role.ADMIN, tenant=OEFEN, json={"now": "2027-06-01T08:00:00+02:00"}
    )
    assert pinned.status_code == 200 and _now(pinned) == datetime(2027, 6, 1, 6, 0, tzinfo=UTC)

    # The rehearsal tenant's commands read its clock; the production tenant's do not.
    started = api.post(
        "/api/v1/procedures", as_=Role.MELDPUNT, tenant=OEFEN, json={"process_id": "three_tasks"}
    )
    [task] = api.get(
        f"/api/v1/tasks?scope=all&procedure_id={started.get_json()['id']}", as_=Role.MELDPUNT, tenant=OEFEN
    ).get_json()["items"]
    assert datetime.fromisoformat(task["created_at"]) == datetime(2027, 6, 1, 6, 0, tzinfo=UTC)
    assert datetime.fromisoformat(task["due_at"]) == datetime(2027, 6, 3, 6, 0, tzinfo=UTC)  # dueDate P2D


def _start_traject(api) -> str:
    started = api.post(
        "/api/v1/procedures", as_=Role.MELDPUNT, tenant=OEFEN, json={"process_id": "evaluation_cycle"}
    )
    assert started.status_code == 201, started.get_json()
    return str(started.get_json()["id"])


def _evaluations(api, procedure_id: str) -> list[datetime]:
    items = api.get(
        f"/api/v1/tasks?scope=all&status=any&element_id=evaluatie&procedure_id={procedure_id}&sort=created",
        as_=Role.COORDINATOR,
        tenant=OEFEN,
    ).get_json()["items"]
    return [datetime.fromisoformat(item["created_at"]) for item in items]


def _in_rhythm(opened: list[datetime]) -> bool:
    """Four rounds, the first three months after the start (4 January), each one period (SpiffWorkflow
    fixes P3M at the first round's 90 days) after the one before, to the second."""
    gaps = [later - earlier for earlier, later in itertools.pairwise(opened)]
    return (
        len(opened) == 4
        and opened[0].date() == datetime(2027, 4, 4).date()
        and all(abs(gap - timedelta(days=90)) < timedelta(seconds=1) for gap in gaps)
    )


def test_a_jump_over_several_cycle_periods_opens_them_one_after_another(api, oefen, services, clock):
    procedure_id = _start_traject(api)  # a traject with an evaluation every quarter (R4/P3M)
    clock.advance(minutes=1)
    jumped = api.post("/api/v1/clock/advance", as_=Role.ADMIN, tenant=OEFEN, json={"duration": "P1Y"})
    assert jumped.status_code == 200
    assert _evaluations(api, procedure_id) == []  # nothing happens before the scheduler's tick

    report = Scheduler(services, mailer=None).tick()

    opened = _evaluations(api, procedure_id)
    # Four evaluations, each at its own moment in the model's rhythm, not four at the moment of the jump.
    assert _in_rhythm(opened), opened
    assert all(moment < _now(jumped) - timedelta(hours=1) for moment in opened)
    assert report.rehearsal.fired == 4
    # One tick caught up: a second one finds nothing left.
    assert Scheduler(services, mailer=None).tick().rehearsal.fired == 0
    assert len(_evaluations(api, procedure_id)) == 4


def test_two_schedulers_during_an_advance_fire_each_timer_once(api, oefen, services, clock, database_url):
    procedures = [_start_traject(api) for _ in range(4)]
    clock.advance(minutes=1)
    assert (
        api.post("/api/v1/clock/advance", as_=Role.ADMIN, tenant=OEFEN, json={"duration": "P1Y"}).status_code
        == 200
    )
    reports = race_schedulers(database_url, clock, timeout=120)
    # Whatever one scheduler left (held by the other) the next tick finishes, still once each.
    Scheduler(services, mailer=None).tick()
    for procedure_id in procedures:
        assert _in_rhythm(_evaluations(api, procedure_id))
    assert sum(r.rehearsal.fired for r in reports) <= 16


def test_the_command_line_moves_and_resets_a_rehearsal_tenant_only(
    api, oefen, clock, database_url, monkeypatch, tmp_path
):
    from click.testing import CliRunner

    from api.cli import main

    monkeypatch.setenv("WAMS_DATABASE_URL", database_url)
    monkeypatch.setenv("WAMS_INSTANCE_PATH", str(tmp_path))
    started = api.post(
        "/api/v1/procedures", as_=Role.MELDPUNT, tenant=OEFEN, json={"process_id": "three_tasks"}
    )
    assert started.status_code == 201
    cli = CliRunner()
    refused = cli.invoke(main, ["clock", "advance", "P1M", "--tenant", TENANT])
    assert refused.exit_code == 1 and "not_a_rehearsal" in refused.output
    assert cli.invoke(main, ["tenant", "reset", "--tenant", TENANT]).exit_code == 1
    assert api.get("/api/v1/procedures", as_=Role.COORDINATOR).status_code == 200

    # The CLI runs on the system clock, the API test on a frozen one: compare offsets, not moments.
    shown = cli.invoke(main, ["clock", "advance", "P1M", "--tenant", OEFEN])
    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith(f"{OEFEN}: ") and "rehearsal time" in shown.output
    assert api.get("/api/v1/clock", as_=Role.ADMIN, tenant=OEFEN).get_json()["offset_seconds"] > 27 * 86400
    assert cli.invoke(main, ["clock", "set", "2000-01-01T00:00:00+00:00", "--tenant", OEFEN]).exit_code == 1

    # The manager's conformance view keeps the procedure's replay outcome: the reset deletes it too.
    viewed = api.get("/api/v1/monitoring/conformance?entry=three_tasks", as_=Role.MANAGER, tenant=OEFEN)
    assert viewed.status_code == 200 and viewed.get_json()["procedures"] == 1
    reset = cli.invoke(main, ["tenant", "reset", "--tenant", OEFEN])
    assert reset.exit_code == 0, reset.output
    assert "procedures" in reset.output and "conformance_summaries" in reset.output
    # Empty, and the clock is the real time again; accounts and models stay.
    assert api.get("/api/v1/procedures", as_=Role.COORDINATOR, tenant=OEFEN).get_json()["items"] == []
    assert _now(api.get("/api/v1/clock", as_=Role.ADMIN, tenant=OEFEN)) == clock.now()
    again = api.post(
        "/api/v1/procedures", as_=Role.MELDPUNT, tenant=OEFEN, json={"process_id": "three_tasks"}
    )
    assert again.status_code == 201


def test_a_timer_held_by_someone_else_waits_for_the_next_tick_without_a_busy_loop(
    api, oefen, services, clock, backend
):
    if backend != "postgresql":
        pytest.skip("a row lock the scheduler skips is PostgreSQL's (SQLite has one writer at a time)")
    import uuid

    from sqlalchemy import select

    from engine.runtime.models import ProcessInstance

    procedure_id = _start_traject(api)
    clock.advance(minutes=1)
    assert (
        api.post("/api/v1/clock/advance", as_=Role.ADMIN, tenant=OEFEN, json={"duration": "P1Y"}).status_code
        == 200
    )
    with services.uow() as busy:  # a user command holds the procedure meanwhile
        busy.session.execute(
            select(ProcessInstance).where(ProcessInstance.id == uuid.UUID(procedure_id)).with_for_update()
        )
        held = Scheduler(services, mailer=None).tick()
    # Nothing fired, and the tick does not ask to run again at once (the runner would spin).
    assert (held.rehearsal.fired, held.rehearsal.stuck, held.more) == (0, 1, False)
    assert Scheduler(services, mailer=None).tick().rehearsal.fired == 4
    assert _in_rhythm(_evaluations(api, procedure_id))
