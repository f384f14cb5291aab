"""`wams audit verify`, `wams privacy matrix` and `wams retention sweep`: the processing and security
logs' chains, the need-to-know matrix, and erasure after the retention period, from the command line."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from engine.services import Services


def register(main: click.Group, services: Callable[[], Services]) -> None:
    @main.group()
    def audit() -> None:
        """The processing log (verwerkingenlogging) and the security log."""

    @audit.command("verify")
    @click.option("--tenant", "tenants", multiple=True, help="tenant id (repeatable); default: every tenant")
    def audit_verify(tenants: tuple[str, ...]) -> None:
        """Recompute every tenant's hash chain of the processing log, then every chain of the security
        log ("security <tenant>"; "security -": refusals without a municipality); exit 1 when a line was
        edited, deleted, inserted or written after the head, naming the first wrong line of each. Prints
        each chain's head (sequence number and hash): keep it elsewhere to detect a rewritten chain later."""
        from engine.privacy.queries import verify_all
        from engine.privacy.security import verify_all_events

        found = services()
        reports = [("", r) for r in verify_all(found.uow(readonly=True))]
        reports += [("security ", r) for r in verify_all_events(found.uow(readonly=True))]
        broken = 0
        for label, report in reports:
            if tenants and report.tenant_id not in tenants:
                continue
            state = "ok" if report.ok else f"{len(report.problems)} problem(s)"
            head = f"head {report.head_seq} {report.head_hash}"
            click.echo(f"{label}{report.tenant_id}: {report.entries} line(s), {head}: {state}")
            for problem in report.problems:
                click.echo(f"  line {problem.seq}: {problem.kind}: {problem.message}", err=True)
            broken += not report.ok
        if broken:
            sys.exit(1)

    @main.group()
    def privacy() -> None:
        """The need-to-know policy."""

    @privacy.command("matrix")
    @click.argument("bundle", default="workflows", type=click.Path(exists=True, file_okay=False))
    def privacy_matrix(bundle: str) -> None:
        """Print who sees which data categories per phase under BUNDLE's policy (Markdown, as in
        docs/privacy.md), derived from the policy file by the same rules that screen every read."""
        from engine.privacy.matrix import markdown_for_bundle

        click.echo(markdown_for_bundle(Path(bundle)))

    @main.group()
    def retention() -> None:
        """Erasing personal data after the retention period."""

    @retention.command("sweep")
    @click.option("--limit", default=500, show_default=True, help="at most this many procedures per run")
    def retention_sweep(limit: int) -> None:
        """Erase or anonymise the personal data of every procedure whose retention period has passed."""
        from engine.privacy.retention import sweep_retention

        report = sweep_retention(services().uow, limit=limit)
        click.echo(
            f"erased {report.facts} fact(s) of {report.procedures} procedure(s); {report.errors} error(s)"
            + ("; more to do" if report.more else "")
        )
        if report.errors:
            sys.exit(1)
