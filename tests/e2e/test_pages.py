"""Every page as each demo role meets it, at a phone's width (390 px) and a laptop's (1366 px), over
procedures in every phase (tests/e2e/seed.py): nothing wider than the window, no raw key of the bundle's
catalogues or username on screen, no serious or critical axe violation; and the error pages, the form
errors and the English switch as a browser shows them. One browser, one login per role."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from .conftest import ARTIFACTS, TENANT, LiveServer, Ui
from .seed import Seeded, seed_procedures

pytestmark = pytest.mark.e2e

REPO = Path(__file__).parent.parent.parent
WIDTHS = (390, 1366)
# One account per kind of reader (engine/accounts/demo.py); the designer edits the keys, so its pages
# may show them.
ROLES = ("meldpunt", "beoordelaar", "coordinator", "uwv", "woning", "arts", "manager", "fg")
TASKS_PER_ROLE = 2
WORKERS_NEVER_SEE = "te verifiëren"


def _catalogue_keys() -> set[str]:
    """Codes a person should never read: legal-ground and party keys, and the values of form choices.
    Only codes with an underscore: plain codes ("uwv", "school") are also ordinary words."""
    workflows = REPO / "workflows"
    keys = set(yaml.safe_load((workflows / "legal-grounds.yaml").read_text(encoding="utf-8")))
    keys |= set(yaml.safe_load((workflows / "parties.yaml").read_text(encoding="utf-8"))["partijen"])
    for form in (REPO / "forms").glob("*.json"):
        keys |= {m for m in re.findall(r'"const":\s*"([^"]+)"', form.read_text(encoding="utf-8"))}
    return {k for k in keys if "_" in k}


KEYS = _catalogue_keys()
KEY_PATTERN = re.compile(
    r"(?<![\w-])(" + "|".join(sorted(map(re.escape, KEYS), key=len, reverse=True)) + r")(?![\w-])"
)
USERNAME = re.compile(r"\b[a-z]+\." + TENANT + r"\b")


@pytest.fixture(scope="module")
def seeded(live_server: LiveServer) -> Seeded:
    return seed_procedures(live_server.services, TENANT)


def _overflow(ui: Ui) -> int:
    return int(ui.page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth"))


def _broken_figures(ui: Ui) -> list[str]:
    """Summary cards whose value (a phase name) does not fit: a word wider than its card."""
    return list(
        ui.page.evaluate(
            "() => [...document.querySelectorAll('.card .figure')]"
            ".filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent.trim())"
        )
    )


def _look(ui: Ui, name: str, *, keys_allowed: bool = False) -> list[str]:
    """Problems of the page on screen at the current width (axe fails the test itself)."""
    problems: list[str] = []
    ui.page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    overflow = _overflow(ui)
    if overflow > 0:
        problems.append(f"{name}: {overflow}px wider than the window")
    broken = _broken_figures(ui)
    if broken:
        problems.append(f"{name}: words do not fit their card: {broken}")
    text = ui.page.locator("body").inner_text()
    if not keys_allowed:
        raw = sorted(set(KEY_PATTERN.findall(text)))
        if raw:
            problems.append(f"{name}: raw keys on screen: {raw}")
    users = sorted(set(USERNAME.findall(text)))
    if users:
        problems.append(f"{name}: usernames on screen: {users}")
    # The diagram canvas (hundreds of SVG shapes) is checked by test_worker; here it would only cost time.
    ui.check(name, exclude=(".djs-container",))
    return problems


def _links(ui: Ui, prefix: str, limit: int | None = None) -> list[str]:
    hrefs: list[str] = ui.page.eval_on_selector_all(
        f"main a[href^='{prefix}']", "els => els.map(e => e.getAttribute('href'))"
    )
    found: list[str] = []
    for href in hrefs:
        if re.fullmatch(prefix + r"[0-9a-f-]{36}", href) and href not in found:
            found.append(href)
    return found[:limit] if limit else found


def test_every_page_for_every_role_at_phone_and_laptop_width(ui: Ui, seeded: Seeded) -> None:
    problems: list[str] = []
    for role in ROLES:
        ui.page.set_viewport_size({"width": 1366, "height": 900})
        ui.login(role)
        ui.go("/inbox")
        pages = ["/inbox", "/procedures", *_links(ui, "/tasks/", TASKS_PER_ROLE)]
        ui.go("/procedures")
        pages += _links(ui, "/procedures/")
        if role == "manager":
            pages.append("/dashboard")
        for path in pages:
            ui.go(path)
            for width in WIDTHS:
                ui.page.set_viewport_size({"width": width, "height": 900})
                slug = re.sub(r"[^a-z0-9]+", "-", path.strip("/"))[:40] or "home"
                problems += _look(ui, f"pages-{role}-{slug}-{width}")
            if role not in ("ontwerper", "fg") and WORKERS_NEVER_SEE in ui.page.locator("main").inner_text():
                problems.append(f"{role} {path}: an unverified article is presented to a worker")
        ui.logout()
    # The designer works with the keys (they are what the models say), so those pages may show them.
    ui.page.set_viewport_size({"width": 1366, "height": 900})
    ui.login("ontwerper")
    for path in ("/inbox", "/designer", "/designer/wams_procedure"):
        ui.go(path)
        for width in WIDTHS:
            ui.page.set_viewport_size({"width": width, "height": 900})
            slug = re.sub(r"[^a-z0-9]+", "-", path.strip("/"))
            problems += _look(ui, f"pages-ontwerper-{slug}-{width}", keys_allowed=True)
    assert problems == []


def test_error_pages_are_pages(ui: Ui) -> None:
    ui.expected_statuses |= {403, 404}
    for width in WIDTHS:
        ui.page.set_viewport_size({"width": width, "height": 900})
        response = ui.go("/bestaat-niet")
        assert response.status == 404 and response.headers["content-type"].startswith("text/html")
        assert ui.page.title().startswith("Pagina niet gevonden")
        assert ui.page.get_attribute("html", "lang") == "nl"
        assert _look(ui, f"error-404-anonymous-{width}") == []
    ui.login("meldpunt")
    for path, status in (("/bestaat/ook/niet", 404), ("/dashboard", 403)):
        response = ui.go(path)
        assert response.status == status
        assert ui.page.get_by_role("link", name="Naar uw werkvoorraad").is_visible()
        assert _look(ui, f"error-{status}-logged-in") == []


def test_form_errors_in_dutch_at_their_field(ui: Ui, seeded: Seeded) -> None:
    ui.login("arts")
    ui.go(f"/procedures/{seeded.onderzoek}")
    ui.go("/inbox")
    ui.page.locator("main a[href^='/tasks/']").first.click()
    page = ui.page
    assert "Medisch beroepsgeheim" in page.locator("h1").inner_text()
    # Sharing without a ground: refused at the ground, in Dutch, and the summary follows the form.
    page.get_by_label("Delen", exact=True).check()
    page.get_by_label("Geen grond: niet delen").check()
    page.get_by_role("button", name="Verzenden en afronden").click()
    grond = page.locator("#f-grond-error")
    assert "Deze keuze past niet bij uw andere antwoorden." in grond.inner_text()
    summary = page.locator("#error-summary li")
    texts = summary.all_inner_texts()
    assert texts and all(re.search(r"[{}']|should|valid", t) is None for t in texts), texts
    targets = [a.get_attribute("href") for a in page.locator("#error-summary li a").all()]
    fields = page.eval_on_selector_all("form.wams [id^='f-']", "els => els.map(e => '#' + e.id)")
    assert targets == sorted(targets, key=fields.index), "the summary is not in the form's order"
    for target in targets:
        assert page.locator(f"{target}-error").count() == 1, f"{target} has no message at the field"
    assert _look(ui, "form-errors-medical") == []


def test_the_english_switch_translates_tasks_forms_and_phases(ui: Ui, seeded: Seeded) -> None:
    ui.login("coordinator")
    ui.go(f"/procedures/{seeded.evaluatie}")
    ui.page.get_by_role("link", name="English").click()  # the switch in the header (sets a cookie)
    assert ui.page.get_by_test_id("phase").inner_text() == "Evaluation"
    task = ui.page.get_by_role("link", name="Evaluate the approach")
    task.click()
    page = ui.page
    assert page.locator("h1").inner_text() == "Evaluate the approach"
    assert page.get_by_role("heading", name="Evaluation of the coordinated approach").is_visible()
    assert page.get_by_text("Outcome of the evaluation").first.is_visible()
    assert page.get_by_label("Continue the approach").count() == 1
    # The task is assigned to the coordinator: give it back, or just do it; claiming is not offered too.
    buttons = page.locator(".actions button").all_inner_texts()
    assert not ({"Claim this task", "Give back to the pool"} <= set(buttons)), buttons
    assert _look(ui, "english-task") == []
    ui.page.get_by_role("link", name="Nederlands").click()
    assert ui.page.locator("h1").inner_text() == "Aanpak evalueren"


def test_the_phase_card_says_evaluation_during_the_evaluation_period(ui: Ui, seeded: Seeded) -> None:
    ui.login("coordinator")
    ui.go(f"/procedures/{seeded.aanpak}")
    assert ui.page.get_by_test_id("phase").inner_text() == "Evaluatie"
    (ARTIFACTS / "e2e" / "keys-searched.json").write_text(json.dumps(sorted(KEYS), indent=1))
