"""End-to-end fixtures: the real app on a free port (one server per test session, in a thread) over a
temporary SQLite database with the demo data of `make run`, and Debian's chromium driven by Playwright
(no browser download). Every page a test visits can be checked with axe-core and photographed into
`test-artifacts/`.

WAMS_E2E_BACKEND=postgresql runs the same tests on a fresh PostgreSQL database (created on the server
at WAMS_TEST_POSTGRES_URL and dropped afterwards).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from engine.accounts.demo import demo_password, seed_demo_accounts
from engine.config import Settings
from engine.db.migrate import upgrade
from engine.demo import DEMO_TENANTS, seed_demo_data
from engine.services import Services, build_services

REPO = Path(__file__).parent.parent.parent
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = os.environ.get("WAMS_CHROMIUM", "/usr/bin/chromium")
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TENANT = "zuidstad"
# axe-core impacts that fail a test (moderate and minor ones are reported in the artifacts only).
BLOCKING = ("serious", "critical")


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"no chromium at {CHROMIUM} (make test installs Debian's chromium when run as root)"
    for needed in (AXE, REPO / "node_modules" / "bpmn-js" / "dist" / "bpmn-modeler.production.min.js"):
        if not needed.exists():
            return f"{needed.relative_to(REPO)} is missing: run `make node-deps` (npm ci)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (make python-deps)"
    return None


@dataclass
class LiveServer:
    url: str
    services: Services
    secret_key: str
    notes: dict[str, Any] = field(default_factory=dict)

    def password(self, prefix: str, tenant: str = TENANT) -> str:
        return demo_password(self.secret_key, f"{prefix}.{tenant}")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    from werkzeug.serving import make_server

    instance = tmp_path_factory.mktemp("e2e-instance")
    overrides: dict[str, Any] = {
        "instance_path": instance,
        "env": "development",
        "scheduler": "off",
        "secret_key": "e2e-secret-key",
        "workflows_path": REPO / "workflows",
        "forms_path": REPO / "forms",
    }
    postgres = os.environ.get("WAMS_E2E_BACKEND") == "postgresql"
    if postgres:
        overrides["database_url"] = _create_postgres_database()
    settings = Settings.from_env({}, **overrides)
    upgrade(settings.database_url)
    services = build_services(settings)
    seed_demo_data(services)
    with services.uow() as uow:
        for tenant in DEMO_TENANTS:
            seed_demo_accounts(uow, tenant, settings.secret_key)
        uow.commit()
    app = create_app(settings, services=services)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", services, settings.secret_key)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        services.database.dispose()
        if postgres:
            _drop_postgres_database()


E2E_DATABASE = f"wams_e2e_{os.getpid()}"


def _create_postgres_database() -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from tests.conftest import POSTGRES_URL, _postgres_available

    reason = _postgres_available()
    if reason:
        pytest.skip(reason)
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{E2E_DATABASE}"'))
        connection.execute(text(f'CREATE DATABASE "{E2E_DATABASE}"'))
    admin.dispose()
    return make_url(POSTGRES_URL).set(database=E2E_DATABASE).render_as_string(hide_password=False)


def _drop_postgres_database() -> None:
    from sqlalchemy import create_engine, text

    from tests.conftest import POSTGRES_URL

    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{E2E_DATABASE}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def browser(live_server: LiveServer) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS / "e2e", ignore_errors=True)
    (ARTIFACTS / "e2e").mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@functools.cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8") + "\n;undefined"


class Ui:
    """One browser tab with the helpers the tests share: log in, check accessibility, photograph."""

    def __init__(self, page: Any, server: LiveServer) -> None:
        self.page = page
        self.server = server
        self.console_errors: list[str] = []
        # Statuses a test provokes on purpose (a refused form answers 422); the browser logs them.
        self.expected_statuses = {422}
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        if any(f"status of {status} " in message.text for status in self.expected_statuses):
            return
        self.console_errors.append(message.text)

    def go(self, path: str) -> Any:
        return self.page.goto(self.server.url + path)

    def login(self, prefix: str, tenant: str = TENANT) -> None:
        self.go("/login")
        self.page.get_by_label("Gebruikersnaam").fill(f"{prefix}.{tenant}")
        self.page.get_by_label("Wachtwoord").fill(self.server.password(prefix, tenant))
        self.page.get_by_role("button", name="Inloggen").click()
        self.page.wait_for_load_state()
        assert "/login" not in self.page.url, "login failed"

    def logout(self) -> None:
        self.page.get_by_role("button", name="Uitloggen").click()
        self.page.wait_for_url(re.compile(r".*/login.*"))

    def check(self, name: str, *, exclude: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """Screenshot the page to test-artifacts/e2e/<name>.png and run axe-core on it (without the
        elements matching `exclude`); fails on serious or critical violations, and writes every
        violation to test-artifacts/e2e/<name>.axe.txt."""
        self.page.screenshot(path=str(ARTIFACTS / "e2e" / f"{name}.png"), full_page=True)
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            # Evaluated through the DevTools protocol: the page's CSP (script-src 'self') stays on.
            self.page.evaluate(_axe_source())
        results = self.page.evaluate(
            "(exclude) => axe.run(exclude.length ? {include: [document], exclude: exclude.map(s => [s])} : document,"
            " {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})",
            list(exclude),
        )
        violations = results["violations"]
        lines = [
            f"{v['impact']}: {v['id']} — {v['help']} ({len(v['nodes'])}×): "
            + "; ".join(
                n["target"][0] if isinstance(n["target"][0], str) else str(n["target"])
                for n in v["nodes"][:5]
            )
            for v in violations
        ]
        (ARTIFACTS / "e2e" / f"{name}.axe.txt").write_text("\n".join(lines) + "\n")
        blocking = [line for line, v in zip(lines, violations, strict=True) if v["impact"] in BLOCKING]
        assert not blocking, f"axe-core on {name}:\n" + "\n".join(blocking)
        return violations


@pytest.fixture
def ui(browser: Any, live_server: LiveServer) -> Iterator[Ui]:
    context = browser.new_context(locale="nl-NL", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield Ui(page, live_server)
    context.close()
