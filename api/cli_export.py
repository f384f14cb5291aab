"""`wams export indicators --tenant … [--start --end --per --format]`: a municipality's indicators per
month, quarter or year as CSV or JSON (engine/monitoring/exports.py; definitions in docs/indicators.md),
the same figures as the API and the dashboard's download. Attaches to the `export` group, created here
when no other module made it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import click

from engine.access import Actor
from engine.errors import DomainError
from engine.monitoring import exports
from engine.municipal_time import days_to_period, municipal_zone, this_year_to_today
from engine.roles import Role
from engine.services import Services

# The command line reads the figures as the municipality's manager would.
CLI_USER = "cli"


def export_group(main: click.Group) -> click.Group:
    found = main.commands.get("export")
    if isinstance(found, click.Group):
        return found

    @main.group("export")
    def export() -> None:
        """Exports of a municipality's figures and event logs."""

    return export


def register(main: click.Group, services: Callable[[], Services]) -> None:
    group = export_group(main)

    @group.command("indicators")
    @click.option("--tenant", required=True, help="the municipality's tenant id")
    @click.option("--start", type=click.DateTime(["%Y-%m-%d"]), help="first day (default: 1 January)")
    @click.option("--end", type=click.DateTime(["%Y-%m-%d"]), help="last day, inclusive (default: today)")
    @click.option("--per", type=click.Choice(exports.PERIODS), default="month", show_default=True)
    @click.option("--format", "format_", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
    @click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="file (default: stdout)")
    def export_indicators(
        tenant: str,
        start: datetime | None,
        end: datetime | None,
        per: str,
        format_: str,
        output: Path | None,
    ) -> None:
        """The indicators of each month, quarter or year of the period (municipal time, end inclusive)."""
        found = services()
        actor = Actor(CLI_USER, tenant, frozenset({Role.MANAGER}))
        with found.uow(tenant_id=tenant, readonly=True) as unit:
            first, today = this_year_to_today(unit.now())
        period = days_to_period(start.date() if start else first, end.date() if end else today)
        try:
            series = exports.indicator_series(
                lambda: found.uow(tenant_id=tenant, readonly=True),
                actor,
                *period,
                per,
                municipal_zone(),
            )
        except DomainError as exc:
            raise click.ClickException(f"{exc.code}: {exc.message}") from exc
        if format_ == "json":
            text = json.dumps(exports.series_json(series), ensure_ascii=False, indent=2) + "\n"
        else:
            text = exports.series_csv(series)
        if output is None:
            click.echo(text, nl=False)
        else:
            output.write_text(text, encoding="utf-8")
            click.echo(f"{len(series.periods)} period(s) written to {output}", err=True)
