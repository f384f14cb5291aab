"""The scheduler as it runs: embedded (APScheduler in the web process) with its status in /healthz,
as `wams scheduler --once`, and e-mail through SMTP after the escalation committed."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from api.app import create_app
from api.cli import main
from engine.access import Actor
from engine.accounts.service import add_user
from engine.clock import SYSTEM_CLOCK
from engine.rehearsal import advance_clock
from engine.roles import Role
from engine.runtime.models import ProcessInstance
from engine.scheduler.deadlines import open_overdue_task_deadlines
from engine.scheduler.escalate import raise_escalation
from engine.scheduler.models import Deadline
from engine.scheduler.notify import Mailer
from engine.scheduler.policy import build_policy
from engine.scheduler.runner import Scheduler
from engine.services import build_services
from engine.tenancy import Tenant, TenantKind
from tests.scheduler.conftest import TENANT, escalations, events, instance, set_tenant_settings, start
from tests.scheduler.smtp_server import SmtpServer


@pytest.fixture
def smtp():
    server = SmtpServer()
    yield server
    server.close()


def test_embedded_scheduler_ticks_in_the_background_and_reports_in_healthz(deployed, services, clock):
    instance_id = start(services, "timers", {"herinneringen": 0})
    clock.advance(hours=2, seconds=1)
    services.settings = replace(services.settings, scheduler_tick_seconds=0.05)
    scheduler = Scheduler(services, mailer=None)
    scheduler.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and services.status["scheduler"].get("fired") != 1:
            time.sleep(0.05)
        assert len(events(services, instance_id, "timers_fired")) == 1
        status = services.status["scheduler"]
        assert status["state"] == "running" and status["fired"] == 1
        assert status["last_tick"] == clock.now().isoformat() and status["last_tick_ms"] >= 0
        app = create_app(services.settings, services=services)
        body = app.test_client().get("/healthz").get_json()
        assert body["scheduler"]["state"] == "running" and "escalated" in body["scheduler"]
    finally:
        scheduler.shutdown()
    assert services.status["scheduler"]["state"] == "stopped"


def test_wams_scheduler_once_runs_one_tick(deployed, services, database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("WAMS_DATABASE_URL", database_url)
    monkeypatch.setenv("WAMS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("WAMS_SMTP_HOST", "")
    result = CliRunner().invoke(main, ["scheduler", "--once"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("fired 0 timer(s), raised 0 escalation(s)")


def test_escalation_mail_goes_out_after_commit_and_not_on_rollback(deployed, services, clock, smtp):
    set_tenant_settings(
        services,
        {
            "escalatie.review": "uit",
            "escalatie.fase.beoordeling": "uit",
            "escalatie.taak": "P5D",
            "escalatie.email": "teamleiders@gemeente.example",
        },
    )
    mailer = Mailer(replace(services.settings, smtp_host=smtp.host, smtp_port=smtp.port))
    instance_id = start(services, "deadlines", {"beoordelaar": "anna@gemeente.example"})
    clock.advance(days=5, seconds=1)

    with services.uow() as uow:  # raised, then rolled back: no mail
        instance = uow.session.get(ProcessInstance, instance_id)
        assert open_overdue_task_deadlines(uow, 10) == 1
        [deadline] = uow.session.scalars(
            select(Deadline).where(Deadline.instance_id == instance_id, Deadline.rule == "taak.termijn")
        ).all()
        raise_escalation(uow, instance, deadline, 1, build_policy({"escalatie.email": "x@y.example"}), mailer)
    assert smtp.received == []

    Scheduler(services, mailer=mailer).tick()
    [escalation] = escalations(services, instance_id)
    [mail] = smtp.received
    assert set(mail.recipients) == {"teamleiders@gemeente.example", "anna@gemeente.example"}
    assert "loopt te lang" in mail.message["Subject"]
    assert escalation.reason in mail.message.get_payload(decode=True).decode()


def test_escalation_mail_reaches_the_assignee_and_without_a_team_address_the_managers(
    deployed, services, clock, smtp
):
    set_tenant_settings(
        services, {"escalatie.review": "uit", "escalatie.fase.beoordeling": "uit", "escalatie.taak": "P5D"}
    )
    with services.uow() as uow:
        add_user(uow, TENANT, "anna", roles=["assessor"], email="anna.devries@gemeente.example")
        add_user(uow, TENANT, "teamleider.a", roles=["manager"], email="teamleider.a@gemeente.example")
        add_user(uow, TENANT, "teamleider.b", roles=["manager"])  # no address: in-app only
        add_user(uow, TENANT, "regisseur.c", roles=["coordinator"], email="c@gemeente.example")
        uow.commit()
    mailer = Mailer(replace(services.settings, smtp_host=smtp.host, smtp_port=smtp.port))
    start(services, "deadlines", {"beoordelaar": "anna"})
    clock.advance(days=5, seconds=1)
    Scheduler(services, mailer=mailer).tick()
    [mail] = smtp.received
    assert set(mail.recipients) == {"anna.devries@gemeente.example", "teamleider.a@gemeente.example"}


def test_a_mail_server_that_is_down_does_not_undo_the_escalation(deployed, services, clock, smtp):
    set_tenant_settings(
        services,
        {"escalatie.review": "uit", "escalatie.fase.beoordeling": "uit", "escalatie.taak": "P5D",
         "escalatie.email": ["teamleiders@gemeente.example"]},
    )  # fmt: skip
    port = smtp.port
    smtp.close()
    mailer = Mailer(replace(services.settings, smtp_host="127.0.0.1", smtp_port=port), timeout=2)
    instance_id = start(services, "deadlines", {"beoordelaar": "anna"})
    clock.advance(days=5, seconds=1)
    report = Scheduler(services, mailer=mailer).tick()
    assert report.escalations.escalated == 1
    assert len(escalations(services, instance_id)) == 1
    clock.advance(timedelta(days=1))
    assert Scheduler(services, mailer=mailer).tick().escalations.escalated == 0


def test_a_timer_due_before_the_next_tick_is_fired_on_time(deployed, services, clock, db):
    """With a wall clock: the scheduler wakes for a timer that falls due between two ticks. The tick is
    a minute long, so the margins below tell waking from waiting however busy the machine is."""
    live = build_services(
        replace(services.settings, scheduler_tick_seconds=60), database=db, clock=SYSTEM_CLOCK
    )
    clock.set(datetime.now(UTC) - timedelta(hours=2) + timedelta(seconds=0.5))
    instance_id = start(services, "timers", {"herinneringen": 0})
    due = instance(services, instance_id).next_timer_due
    began = time.monotonic()
    Scheduler(live, mailer=None).run_due()  # one job run of the embedded scheduler
    assert time.monotonic() - began < 30  # it did not wait for the next regular tick
    [fired] = events(services, instance_id, "timers_fired")
    assert timedelta(0) < fired.at - due < timedelta(seconds=30)


class SlowTicks(Scheduler):
    """A tick that takes a second of its clock, as on a loaded machine."""

    def __init__(self, services, clock) -> None:
        super().__init__(services, mailer=None)
        self.clock = clock

    def tick(self):
        report = super().tick()
        self.clock.advance(seconds=1)
        return report


def test_a_timer_that_falls_due_while_the_tick_runs_is_fired_without_waiting_for_the_next(
    deployed, services, clock
):
    """The timer falls due after the tick's sweep read its clock and before the tick ended: it is
    neither fired by that sweep nor in the future any more, and must not wait a whole tick interval."""
    instance_id = start(services, "timers", {"herinneringen": 0})
    clock.advance(hours=2, seconds=-0.5)  # due half a second from now
    SlowTicks(services, clock).run_due()
    assert len(events(services, instance_id, "timers_fired")) == 1


def test_a_rehearsal_municipality_escalates_in_the_app_but_mails_nobody(deployed, services, clock, smtp):
    """A jump of a rehearsal clock can raise many escalations at once; the people behind the addresses
    are real, so a practice municipality's escalations stay in the app."""
    set_tenant_settings(
        services, {"escalatie.review": "uit", "escalatie.fase.beoordeling": "uit", "escalatie.taak": "P5D"}
    )
    with services.uow() as uow:
        add_user(uow, TENANT, "anna", roles=["assessor"], email="anna.devries@gemeente.example")
        add_user(uow, TENANT, "teamleider.a", roles=["manager"], email="teamleider.a@gemeente.example")
        uow.session.get(Tenant, TENANT).kind = TenantKind.REHEARSAL.value
        uow.commit()
    mailer = Mailer(replace(services.settings, smtp_host=smtp.host, smtp_port=smtp.port))
    procedure = start(services, "deadlines", {"beoordelaar": "anna"})
    advance_clock(services.uow(), Actor("trainer", TENANT, frozenset({Role.ADMIN})), "P6D")
    Scheduler(services, mailer=mailer).tick()
    assert [e.level for e in escalations(services, procedure)] == [1]  # raised, in the app
    assert smtp.received == []
