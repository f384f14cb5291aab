"""The `wams` command line: database migrations, validating and deploying bundles, demo data, and
running the service."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from engine.config import ConfigError, Settings
from engine.db.migrate import upgrade
from engine.definitions.bundle import Bundle
from engine.definitions.service import deploy, validate_bundle
from engine.demo import seed_demo_data
from engine.errors import DomainError, InvalidProcessModel, NotFound
from engine.gc_tuning import collect_garbage_less_often
from engine.logs import configure_logging
from engine.services import Services, build_services
from engine.tenancy import list_tenants

from .cli_eventlog import register as register_eventlog_commands
from .cli_export import register as register_export_commands
from .cli_migrate import register as register_migrate_commands
from .cli_privacy import register as register_privacy_commands
from .cli_rehearsal import register as register_rehearsal_commands


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
        raise click.ClickException(
            "no tenants yet: create one with `wams tenant create <code> --name …` (or `wams demo-data`)"
        )
    for tenant in tenants:
        try:
            deployments = deploy(
                services.uow(), tenant, bundle, "cli", max_xml_bytes=services.settings.max_xml_bytes
            )
        except InvalidProcessModel as exc:
            for issue in exc.issues:
                click.echo(str(issue), err=True)
            raise click.ClickException(exc.message) from exc
        except NotFound as exc:
            raise _tenant_missing(exc, tenant) from exc
        for d in deployments:
            state = "new version" if d.created else "unchanged"
            click.echo(f"{tenant}: {d.definition.process_id} v{d.definition.version} ({state})")


def _tenant_missing(exc: NotFound, tenant: str) -> click.ClickException:
    return click.ClickException(f"{exc.message}; create it first with `wams tenant create {tenant} --name …`")


@main.group()
def tenant() -> None:
    """Municipalities (tenants)."""


@tenant.command("create")
@click.argument("code")
@click.option("--name", required=True, help='the name people read, e.g. "Gemeente Zuidstad"')
@click.option("--rehearsal", is_flag=True, help="a rehearsal (practice) municipality, not production")
def tenant_create(code: str, name: str, rehearsal: bool) -> None:
    """Create a municipality with the code CODE (lower-case letters, digits, '-' and '_')."""
    from engine.provisioning import create_tenant

    try:
        created = create_tenant(_services().uow(), code, name, rehearsal=rehearsal)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"tenant {created.id} ({created.name}, {created.kind}) created")


@tenant.command("list")
def tenant_list() -> None:
    """The municipalities: code, kind and name."""
    with _services().uow(readonly=True) as uow:
        for row in list_tenants(uow):
            click.echo(f"{row.id}\t{row.kind}\t{row.name}")


PASSWORD_ENV = "WAMS_NEW_USER_PASSWORD"  # noqa: S105 - the name of a variable, not a password


def _new_password(from_stdin: bool) -> str:
    """The new account's password: from standard input, the environment, or asked twice; never from
    the command line, where other users of the machine and the shell history would see it."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    value = os.environ.get(PASSWORD_ENV)
    if value:
        return value
    prompted: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return prompted


@main.group()
def user() -> None:
    """Accounts."""


@user.command("create")
@click.argument("username")
@click.option("--tenant", "tenant_id", required=True, help="the municipality's code")
@click.option("--role", "roles", multiple=True, required=True, help="a role (repeatable), e.g. admin")
@click.option("--name", "display_name", help="the name people read (default: the username)")
@click.option("--email", help="where escalation mail reaches this person")
@click.option("--party", help="the party a party contact or medical professional acts for")
@click.option("--password-stdin", is_flag=True, help="read the password from the first line of stdin")
@click.option("--no-password", is_flag=True, help="no password (OIDC or API tokens only)")
def user_create(
    username: str,
    tenant_id: str,
    roles: tuple[str, ...],
    display_name: str | None,
    email: str | None,
    party: str | None,
    password_stdin: bool,
    no_password: bool,
) -> None:
    """Create a local account, e.g. the first administrator of a municipality (`--role admin`).

    The password comes from stdin (--password-stdin), from WAMS_NEW_USER_PASSWORD, or is asked for."""
    from engine.provisioning import create_account

    password = None if no_password else _new_password(password_stdin)
    try:
        created = create_account(
            _services().uow(),
            tenant_id,
            username,
            roles=list(roles),
            password=password,
            display_name=display_name,
            email=email,
            party=party,
        )
    except NotFound as exc:
        raise _tenant_missing(exc, tenant_id) from exc
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"user {created.username} ({', '.join(created.roles)}) created in {created.tenant_id}")


@main.group()
def token() -> None:
    """API tokens."""


@token.command("create")
@click.argument("username")
@click.option("--name", default="console", show_default=True, help="what the token is for")
def token_create(username: str, name: str) -> None:
    """Issue an API token for USERNAME and print only its secret (shown once; keep it safe)."""
    from engine.provisioning import issue_console_token

    try:
        issued = issue_console_token(_services().uow(), username, name)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(issued.secret)


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
@click.option(
    "--metrics-port",
    type=click.IntRange(1, 65535),
    envvar="WAMS_SCHEDULER_METRICS_PORT",
    help="serve GET /metrics (Prometheus) on this port: this scheduler and its fire workers",
)
@click.option(
    "--metrics-host",
    default="127.0.0.1",
    show_default=True,
    envvar="WAMS_SCHEDULER_METRICS_HOST",
    help="address the metrics port listens on (0.0.0.0: every interface, e.g. in a container)",
)
@click.option(
    "--metrics-token",
    envvar="WAMS_SCHEDULER_METRICS_TOKEN",
    help="answer the metrics only with Authorization: Bearer <token>",
)
def scheduler(once: bool, metrics_port: int | None, metrics_host: str, metrics_token: str | None) -> None:
    """Run the scheduler (BPMN timers, escalations) as its own process; several may run side by side."""
    import signal

    from . import scheduler_metrics

    if metrics_port is not None and not once:
        scheduler_metrics.ensure_multiprocess_dir()  # may start this command again (docstring there)

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
    server = None
    if metrics_port is not None:
        server = scheduler_metrics.serve(metrics_host, metrics_port, metrics_token)
        click.echo(f"metrics on http://{metrics_host}:{metrics_port}/metrics")
    click.echo(f"scheduler running every {tick:g}s on {services.database.dialect}")
    try:
        runner.run_forever()
    finally:
        if server is not None:
            server.shutdown()


register_privacy_commands(main, _services)
register_rehearsal_commands(main, _services)
register_migrate_commands(main, _services)
register_export_commands(main, _services)
register_eventlog_commands(main, _services)

if __name__ == "__main__":
    main()
