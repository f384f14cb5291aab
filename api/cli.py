"""The `wams` command line: database migrations, validating and deploying bundles, demo data, and
running the service."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from engine.config import ConfigError, Settings
from engine.db.migrate import upgrade
from engine.definitions.bundle import Bundle
from engine.definitions.service import deploy, validate_bundle
from engine.demo import seed_demo_data
from engine.errors import InvalidProcessModel
from engine.gc_tuning import collect_garbage_less_often
from engine.logs import configure_logging
from engine.services import Services, build_services
from engine.tenancy import list_tenants


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def _services() -> Services:
    return build_services(_settings())


@click.group()
def main() -> None:
    """Wams workflow: BPMN case system for the Wams procedure."""


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations (creates the database on first use)."""
    settings = _settings()
    configure_logging(settings.log_level, settings.log_format)
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    click.echo("database is up to date")


def _bundle(path: Path, forms: Path | None) -> Bundle:
    if not path.exists():
        raise click.ClickException(f"{path} does not exist")
    return Bundle.from_directory(path, forms)


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--forms", type=click.Path(path_type=Path), help="folder with the forms (default: PATH/forms or ./forms)"
)
def validate(path: Path, forms: Path | None) -> None:
    """Validate a bundle (a folder or a .bpmn file) without deploying it."""
    settings = _settings()
    bundle = _bundle(path, forms or _default_forms(path, settings))
    analysis = validate_bundle(bundle, max_xml_bytes=settings.max_xml_bytes)
    for issue in analysis.issues:
        click.echo(str(issue), err=True)
    if not analysis.ok:
        click.echo(f"{len(analysis.errors)} error(s); nothing is deployable", err=True)
        sys.exit(1)
    for entry in analysis.entries.values():
        tasks = sum(len(p["user_tasks"]) for p in entry.summary["processes"].values())
        click.echo(f"ok: {entry.process_id} ({entry.name}): {len(entry.files)} files, {tasks} user tasks")


def _default_forms(path: Path, settings: Settings) -> Path | None:
    base = path if path.is_dir() else path.parent
    if (base / "forms").is_dir():
        return base / "forms"
    return settings.forms_path if settings.forms_path.is_dir() else None


@main.command("deploy")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--tenant", "tenants", multiple=True, help="tenant id (repeatable); default: every tenant")
@click.option("--forms", type=click.Path(path_type=Path))
def deploy_command(path: Path, tenants: tuple[str, ...], forms: Path | None) -> None:
    """Validate and deploy a bundle as new versions (same content = same version)."""
    services = _services()
    bundle = _bundle(path, forms or _default_forms(path, services.settings))
    if not tenants:
        with services.uow(readonly=True) as uow:
            tenants = tuple(t.id for t in list_tenants(uow))
    if not tenants:
        raise click.ClickException("no tenants yet: run `wams demo-data` or pass --tenant")
    for tenant in tenants:
        try:
            deployments = deploy(
                services.uow(), tenant, bundle, "cli", max_xml_bytes=services.settings.max_xml_bytes
            )
        except InvalidProcessModel as exc:
            for issue in exc.issues:
                click.echo(str(issue), err=True)
            raise click.ClickException(exc.message) from exc
        for d in deployments:
            state = "new version" if d.created else "unchanged"
            click.echo(f"{tenant}: {d.definition.process_id} v{d.definition.version} ({state})")


@main.command("demo-data")
def demo_data() -> None:
    """Create the demo municipalities, deploy the bundled workflows for them and print the accounts."""
    services = _services()
    report = seed_demo_data(services)
    click.echo(report)


@main.command()
@click.option("--host", default=None, help="default: WAMS_HOST or 127.0.0.1")
@click.option("--port", default=None, type=int, help="default: WAMS_PORT or 5000")
def run(host: str | None, port: int | None) -> None:
    """Run the service on one machine: migrate, seed demo data on first start, serve with the scheduler."""
    settings = _settings()
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    services = build_services(settings)
    click.echo(seed_demo_data(services))
    from werkzeug.serving import run_simple

    from .app import create_app

    app = create_app(settings, services=services)
    host = host or settings.host
    port = port or settings.port
    click.echo(f"Wams workflow runs at http://{host}:{port}/  (health: http://{host}:{port}/healthz)")
    embedded = None
    if settings.scheduler == "embedded":
        from engine.scheduler.runner import Scheduler

        embedded = Scheduler(services, mode="embedded")
        embedded.start()
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        if embedded is not None:
            embedded.shutdown(wait=False)


@main.command()
@click.option("--once", is_flag=True, help="run one tick (everything due now) and exit")
def scheduler(once: bool) -> None:
    """Run the scheduler (BPMN timers, escalations) as its own process; several may run side by side."""
    import signal

    from engine.scheduler.runner import Scheduler

    services = _services()
    configure_logging(services.settings.log_level, services.settings.log_format)
    runner = Scheduler(services, mode="process")
    if once:
        try:
            report = runner.tick()
        finally:
            runner.shutdown()
        click.echo(
            f"fired {report.timers.fired} timer(s), raised {report.escalations.escalated} escalation(s) "
            f"in {report.ms:.0f} ms"
        )
        return

    collect_garbage_less_often()  # a long-running process that fires timers (unless its workers do)

    def stop(signum: int, _frame: object) -> None:
        click.echo(f"signal {signum}: finishing the current item and stopping")
        runner.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    tick = services.settings.scheduler_tick_seconds
    click.echo(f"scheduler running every {tick:g}s on {services.database.dialect}")
    runner.run_forever()


@main.group()
def audit() -> None:
    """The processing log (verwerkingenlogging)."""


@audit.command("verify")
@click.option("--tenant", "tenants", multiple=True, help="tenant id (repeatable); default: every tenant")
def audit_verify(tenants: tuple[str, ...]) -> None:
    """Recompute every tenant's hash chain; exit 1 when a line was edited or deleted. Prints each
    chain's head (sequence number and hash): keep it elsewhere to detect a rewritten chain later."""
    from engine.privacy.queries import verify_all

    reports = [r for r in verify_all(_services().uow(readonly=True)) if not tenants or r.tenant_id in tenants]
    broken = 0
    for report in reports:
        state = "ok" if report.ok else f"{len(report.problems)} problem(s)"
        head = f"head {report.head_seq} {report.head_hash}"
        click.echo(f"{report.tenant_id}: {report.entries} line(s), {head}: {state}")
        for problem in report.problems:
            click.echo(f"  line {problem.seq}: {problem.kind}: {problem.message}", err=True)
        broken += not report.ok
    if broken:
        sys.exit(1)


@main.group()
def retention() -> None:
    """Erasing personal data after the retention period."""


@retention.command("sweep")
@click.option("--limit", default=500, show_default=True, help="at most this many procedures per run")
def retention_sweep(limit: int) -> None:
    """Erase or anonymise the personal data of every procedure whose retention period has passed."""
    from engine.privacy.retention import sweep_retention

    report = sweep_retention(_services().uow, limit=limit)
    click.echo(
        f"erased {report.facts} fact(s) of {report.procedures} procedure(s); {report.errors} error(s)"
        + ("; more to do" if report.more else "")
    )
    if report.errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
