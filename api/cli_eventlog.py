"""`wams export xes|ocel`: a municipality's event log for process mining, from the command line
(subcommands of the `export` group that api/cli_export.py makes, beside `export indicators`).

The export acts as a named account of the municipality (`--user`), so the role check and the
processing log are the same as for the API's download."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import click
from sqlalchemy import select

from engine.accounts.models import User
from engine.accounts.service import actor_of
from engine.errors import DomainError
from engine.monitoring.eventlog import open_export
from engine.municipal_time import days_to_period
from engine.services import Services

from .cli_export import export_group


def register(main: click.Group, services: Callable[[], Services]) -> None:
    group = export_group(main)
    for fmt, title in (("xes", "XES (IEEE 1849)"), ("ocel", "OCEL 2.0 JSON")):
        group.add_command(_command(fmt, title, services))


def _command(fmt: str, title: str, services: Callable[[], Services]) -> click.Command:
    @click.command(
        fmt,
        help=f"""Write the event log of the procedures of --tenant started from --from to --to
        as {title}, e.g. `wams export {fmt} --tenant zuidstad --from 2027-01-01 --to 2027-12-31
        --user manager.zuidstad -o zuidstad-2027.{fmt}`; pm4py reads it (pm4py.read_xes /
        pm4py.read_ocel2_json).""",
    )
    @click.option("--tenant", required=True, help="the municipality's code")
    @click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]), help="first day")
    @click.option(
        "--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]), help="last day (inclusive)"
    )
    @click.option("--user", "username", required=True, help="the manager account the export is made as")
    @click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="default: stdout")
    def export(tenant: str, start: datetime, end: datetime, username: str, output: Path | None) -> None:
        found = services()
        with found.uow(readonly=True) as unit:
            user = unit.session.scalar(
                select(User).where(User.username == username, User.tenant_id == tenant, User.active.is_(True))
            )
            if user is None:
                raise click.ClickException(f"no active account {username!r} in {tenant!r}")
            actor = actor_of(user)
        try:
            document = open_export(
                found.uow(tenant_id=tenant),
                found.uow(readonly=True, tenant_id=tenant),
                actor,
                fmt,
                *days_to_period(start.date(), end.date()),
                found.settings.pseudonym_key,
            )
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
        stream = output.open("w", encoding="utf-8") if output else sys.stdout
        try:
            for chunk in document.chunks:
                stream.write(chunk)
        finally:
            if output:
                stream.close()
        if output:
            click.echo(f"{document.filename}: written to {output}", err=True)

    return export
