"""`wams clock show|set|advance --tenant` and `wams tenant reset --tenant`: the clock of a rehearsal
municipality from the command line (engine/rehearsal.py). A production tenant refuses each (exit 1)
and the attempt is logged on ``wams.security``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

import click

from engine import rehearsal
from engine.access import Actor
from engine.errors import DomainError
from engine.roles import Role
from engine.services import Services

T = TypeVar("T")
# The command line acts as an administrator of the tenant it names.
CLI_USER = "cli"


def _actor(tenant: str) -> Actor:
    return Actor(CLI_USER, tenant, frozenset({Role.ADMIN}))


def _run(action: Callable[[], T]) -> T:
    try:
        return action()
    except DomainError as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from exc


def _show(reading: rehearsal.ClockReading) -> None:
    click.echo(f"{reading.tenant_id}: {reading.now.isoformat()} (rehearsal time, {reading.offset} ahead)")


def register(main: click.Group, services: Callable[[], Services]) -> None:
    @main.group()
    def clock() -> None:
        """The clock of a rehearsal municipality (oefenomgeving)."""

    @clock.command("show")
    @click.option("--tenant", required=True, help="a rehearsal tenant's id")
    def clock_show(tenant: str) -> None:
        """What time it is in the rehearsal municipality."""
        _show(_run(lambda: rehearsal.read_clock(services().uow(), _actor(tenant))))

    @clock.command("set")
    @click.argument("moment")
    @click.option("--tenant", required=True, help="a rehearsal tenant's id")
    def clock_set(moment: str, tenant: str) -> None:
        """Set the clock to a later MOMENT (ISO 8601 with a time zone, e.g. 2027-06-01T09:00+02:00)."""
        try:
            parsed = datetime.fromisoformat(moment)
        except ValueError as exc:
            raise click.BadParameter(f"not an ISO 8601 date-time: {moment!r}") from exc
        _show(_run(lambda: rehearsal.pin_clock(services().uow(), _actor(tenant), parsed)))

    @clock.command("advance")
    @click.argument("duration")
    @click.option("--tenant", required=True, help="a rehearsal tenant's id")
    def clock_advance(duration: str, tenant: str) -> None:
        """Move the clock forward by an ISO 8601 DURATION (P3M, P1Y, PT4H). The scheduler's next tick
        does what fell due, in due-time order."""
        _show(_run(lambda: rehearsal.advance_clock(services().uow(), _actor(tenant), duration)))

    # `wams tenant` (create, list) exists already: reset joins it.
    tenant = main.commands["tenant"]
    assert isinstance(tenant, click.Group)

    @tenant.command("reset")
    @click.option("--tenant", "tenant_id", required=True, help="a rehearsal tenant's id")
    def tenant_reset(tenant_id: str) -> None:
        """Empty a rehearsal municipality (procedures, tasks, timeline, deadlines, escalations, …; its
        accounts, models and processing log stay) and put its clock back to now."""
        report = _run(lambda: rehearsal.reset_tenant(services().uow(), tenant_id, who=CLI_USER))
        removed = ", ".join(f"{count} {table}" for table, count in sorted(report.rows.items())) or "nothing"
        click.echo(f"{report.tenant_id}: removed {removed}; the clock is back at the real time")
