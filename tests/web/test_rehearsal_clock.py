"""The rehearsal banner and clock control in the web UI: every page of a rehearsal municipality says
what time it is there; admins and designers move the clock forward; production pages show neither."""

from __future__ import annotations

import pytest

from engine.accounts.service import add_user
from engine.rehearsal import REHEARSAL
from engine.roles import Role
from engine.tenancy import ensure_tenant

from .conftest import PASSWORD, _password_hash

OEFEN = "oefendorp"


@pytest.fixture
def oefen(app, uow):
    with uow() as unit:
        ensure_tenant(unit, OEFEN, "Oefengemeente Oefendorp", kind=REHEARSAL)
        for role in (Role.PROCESS_DESIGNER, Role.COORDINATOR, Role.ADMIN):
            add_user(unit, OEFEN, f"{role.value}.{OEFEN}", roles=[role]).password_hash = _password_hash()
        unit.commit()
    return OEFEN


def test_every_page_of_a_rehearsal_tenant_says_what_time_it_is_there(browser, oefen, clock) -> None:
    browser.login(Role.COORDINATOR, OEFEN, PASSWORD)
    for path in ("/inbox", "/procedures"):
        page = browser.get(path, headers={"Accept-Language": "nl"})
        assert 'data-testid="rehearsal-banner"' in page.text, path
        assert "Oefenomgeving" in page.text and f'datetime="{clock.now().isoformat()}"' in page.text
        assert "Klok verzetten" not in page.text  # a coordinator does not move the clock
    assert browser.post("/clock/advance", {"duration": "P3M"}).status_code == 403


def test_a_designer_moves_the_clock_forward_from_any_page(browser, oefen, clock) -> None:
    browser.login(Role.PROCESS_DESIGNER, OEFEN, PASSWORD)
    page = browser.get("/designer", headers={"Accept-Language": "nl"})
    assert "Klok verzetten" in page.text
    moved = browser.post("/clock/advance", {"duration": "P1M", "next": "/designer"})
    assert moved.status_code == 302 and moved.headers["Location"].endswith("/designer")
    after = browser.get("/designer", headers={"Accept-Language": "nl"})
    assert 'datetime="2027-02-04T09:00:00+00:00"' in after.text
    assert "De klok staat nu op" in after.text
    refused = browser.post("/clock/advance", {"duration": "gisteren", "next": "/designer"})
    assert refused.status_code == 302
    assert 'datetime="2027-02-04T09:00:00+00:00"' in browser.get("/designer").text


def test_a_production_tenant_shows_no_banner_and_refuses_the_control(browser) -> None:
    browser.login(Role.ADMIN)
    page = browser.get("/inbox")
    assert 'data-testid="rehearsal-banner"' not in page.text
    assert browser.post("/clock/advance", {"duration": "P3M"}).status_code == 403
