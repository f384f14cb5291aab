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
    run_simple(host, port, app, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
