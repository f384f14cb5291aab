"""Screenshots of the pages per role for docs/web-ui.md, made the way a worker sees them.

    .venv/bin/python scripts/screenshots.py            # writes docs/screenshots/*.png

Starts the app on a fresh SQLite database in a temporary folder with the demo data of `make run` and
procedures in every phase (tests/e2e/seed.py), logs in as each demo account in Debian's chromium
(Playwright, WAMS_CHROMIUM to use another) and photographs the first screen of each page at a laptop's
width, and the inbox and a task also at a phone's.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from api.app import create_app  # noqa: E402
from engine.accounts.demo import demo_password  # noqa: E402
from engine.config import Settings  # noqa: E402
from engine.db.migrate import upgrade  # noqa: E402
from engine.demo import seed_demo_data  # noqa: E402
from engine.services import build_services  # noqa: E402
from tests.e2e.seed import seed_procedures  # noqa: E402

OUT = REPO / "docs" / "screenshots"
TENANT = "zuidstad"
SECRET = "screenshots-secret-key"
CHROMIUM = os.environ.get("WAMS_CHROMIUM", "/usr/bin/chromium")
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def _serve(instance: Path) -> tuple[str, Any, Any]:
    from werkzeug.serving import make_server

    settings = Settings.from_env(
        {},
        instance_path=instance,
        env="development",
        scheduler="off",
        secret_key=SECRET,
        workflows_path=REPO / "workflows",
        forms_path=REPO / "forms",
    )
    upgrade(settings.database_url)
    services = build_services(settings)
    seed_demo_data(services)
    seeded = seed_procedures(services, TENANT)
    server = make_server("127.0.0.1", 0, create_app(settings, services=services), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server, seeded


def main() -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        base, server, seeded = _serve(Path(folder))
        shots: list[tuple[str, str, str, dict[str, int]]] = [
            # (file, account, path, viewport)
            ("login", "", "/login", LAPTOP),
            ("inbox-assessor", "beoordelaar", "/inbox", LAPTOP),
            ("inbox-assessor-phone", "beoordelaar", "/inbox", PHONE),
            ("task-party-phone", "uwv", "first-task", PHONE),
            ("task-doctor", "arts", "first-task", LAPTOP),
            ("task-coordinator-evaluation", "coordinator", "first-task", LAPTOP),
            ("procedure-coordinator", "coordinator", f"/procedures/{seeded.evaluatie}", LAPTOP),
            ("procedures-meldpunt", "meldpunt", "/procedures", LAPTOP),
            ("dashboard-manager", "manager", "/dashboard", LAPTOP),
            ("designer", "ontwerper", "/designer", LAPTOP),
            ("error-404", "", "/bestaat-niet", LAPTOP),
        ]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
            for name, account, path, viewport in shots:
                context = browser.new_context(locale="nl-NL", viewport=viewport)
                page = context.new_page()
                if account:
                    username = f"{account}.{TENANT}"
                    page.goto(base + "/login")
                    page.get_by_label("Gebruikersnaam").fill(username)
                    page.get_by_label("Wachtwoord").fill(demo_password(SECRET, username))
                    page.get_by_role("button", name="Inloggen").click()
                    page.wait_for_load_state()
                if path == "first-task":
                    page.goto(base + "/inbox")
                    page.locator("main a[href^='/tasks/']").first.click()
                else:
                    page.goto(base + path)
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(OUT / f"{name}.png"))
                print(f"{name}.png  {account or '(anonymous)'}  {page.url.removeprefix(base)}")
                context.close()
            browser.close()
        server.shutdown()


if __name__ == "__main__":
    main()
