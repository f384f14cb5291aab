"""`wams migrate plan|dry-run|run`: migrating running procedures to another version from the command
line (engine/migration; docs/modelling.md, "Versions and migration"). The command line acts as an
administrator of the tenant it names.

    wams migrate plan wams_procedure --tenant utrecht --from 3 > plan.json   # edit the mapping
    wams migrate dry-run --tenant utrecht --plan plan.json
    wams migrate run --tenant utrecht --plan plan.json --batch-size 200
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from engine.access import Actor
from engine.errors import DomainError
from engine.migration.batch import DEFAULT_BATCH, MigrationReport, dry_run, run_batch
from engine.migration.plan import MigrationPlan, propose
from engine.roles import Role
from engine.services import Services

CLI_USER = "cli"


def _actor(tenant: str) -> Actor:
    return Actor(CLI_USER, tenant, frozenset({Role.ADMIN}))


def _plan_from(
    services: Services,
    tenant: str,
    plan_file: Path | None,
    process_id: str | None,
    source: int | None,
    target: int | None,
    maps: tuple[str, ...],
) -> MigrationPlan:
    if plan_file is not None:
        data = json.loads(plan_file.read_text(encoding="utf-8"))
        plan = MigrationPlan(
            data["process_id"],
            int(data["source_version"]),
            int(data["target_version"]),
            dict(data["mapping"]),
        )
    elif process_id and source:
        plan = propose(services.uow(tenant_id=tenant), _actor(tenant), process_id, source, target).plan
    else:
        raise click.UsageError("give --plan FILE, or PROCESS_ID with --from")
    for item in maps:
        key, _, value = item.partition("=")
        if not key:
            raise click.UsageError(f"--map {item!r}: write SOURCE=TARGET (or SOURCE= to leave it out)")
        if value:
            plan.mapping[key] = value
        else:
            plan.mapping.pop(key, None)
    return plan


def _print(report: MigrationReport, *, verb: str) -> None:
    for result in report.results:
        if result.ok:
            moved = ", ".join(f"{a}→{b}" for a, b in sorted(result.elements.items()))
            click.echo(f"{result.instance_id}: {verb}" + (f" ({moved})" if moved else ""))
        else:
            for blocker in result.blockers:
                where = f" at {blocker.element}" if blocker.element else ""
                click.echo(f"{result.instance_id}: cannot move{where}: {blocker.code}: {blocker.message}")


def register(main: click.Group, services: Callable[[], Services]) -> None:
    def run(action: Callable[[], Any]) -> Any:
        try:
            return action()
        except DomainError as exc:
            raise click.ClickException(f"{exc.code}: {exc.message}") from exc

    plan_options = [
        click.option("--tenant", required=True, help="the municipality's tenant id"),
        click.option(
            "--plan", "plan_file", type=click.Path(exists=True, path_type=Path), help="a plan (JSON)"
        ),
        click.argument("process_id", required=False),
        click.option("--from", "source", type=int, help="source version"),
        click.option("--to", "target", type=int, help="target version (default: the newest)"),
        click.option(
            "--map", "maps", multiple=True, help="SOURCE=TARGET element (repeatable); SOURCE= leaves it out"
        ),
    ]

    def with_plan(command: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(plan_options):
            command = option(command)
        return command

    @main.group()
    def migrate() -> None:
        """Move running procedures to another version of their process."""

    @migrate.command("plan")
    @with_plan
    def migrate_plan(
        tenant: str,
        plan_file: Path | None,
        process_id: str | None,
        source: int | None,
        target: int | None,
        maps: tuple[str, ...],
    ) -> None:
        """Print a plan (JSON) with every element whose id exists in both versions mapped onto itself;
        the elements it leaves out are listed on stderr. Edit it and pass it with --plan."""
        found = services()
        plan = run(lambda: _plan_from(found, tenant, plan_file, process_id, source, target, maps))
        if plan_file is None:
            unit = found.uow(tenant_id=tenant)
            proposal = run(lambda: propose(unit, _actor(tenant), plan.process_id, plan.source_version))
            for element in proposal.source:
                if element.id not in plan.mapping:
                    click.echo(f"not mapped: {element.id} ({element.kind}, {element.name or ''})", err=True)
        click.echo(json.dumps(plan.__dict__, indent=2, sort_keys=True))

    @migrate.command("dry-run")
    @with_plan
    def migrate_dry_run(
        tenant: str,
        plan_file: Path | None,
        process_id: str | None,
        source: int | None,
        target: int | None,
        maps: tuple[str, ...],
    ) -> None:
        """Say per procedure on the source version whether it can move, and why not; nothing is written."""
        found = services()
        plan = run(lambda: _plan_from(found, tenant, plan_file, process_id, source, target, maps))
        units = lambda: found.uow(tenant_id=tenant)  # noqa: E731
        report = run(lambda: dry_run(units, found.runtime, _actor(tenant), plan))
        _print(report, verb="can move")
        click.echo(f"{len(report.moved)} can move, {len(report.refused)} cannot")

    @migrate.command("run")
    @with_plan
    @click.option("--batch-size", default=DEFAULT_BATCH, show_default=True, help="procedures per batch")
    def migrate_run(
        tenant: str,
        plan_file: Path | None,
        process_id: str | None,
        source: int | None,
        target: int | None,
        maps: tuple[str, ...],
        batch_size: int,
    ) -> None:
        """Move every procedure on the source version, batch after batch, each in its own transaction;
        exit 1 if any could not move (they stay whole on their version, with the reason printed)."""
        found = services()
        plan = run(lambda: _plan_from(found, tenant, plan_file, process_id, source, target, maps))
        units = lambda: found.uow(tenant_id=tenant)  # noqa: E731
        refused: list[uuid.UUID] = []
        moved = 0
        actor = _actor(tenant)
        while True:
            skip = tuple(refused)
            report = run(
                lambda: run_batch(units, found.runtime, actor, plan, batch_size=batch_size, skip=skip)  # noqa: B023
            )
            _print(report, verb="moved")
            moved += len(report.moved)
            refused += [r.instance_id for r in report.refused]
            if report.remaining == 0 or not report.results:
                break
        click.echo(f"{moved} moved, {len(refused)} could not move")
        if refused:
            sys.exit(1)
