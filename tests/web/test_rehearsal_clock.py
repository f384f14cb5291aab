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
        for role in (Role.PROCESS_DESIGNER, Role.COORDINATOR, Role.ADMIN, Role.PRIVACY_OFFICER):
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


def test_a_designer_sets_the_clock_to_a_chosen_later_moment(browser, oefen, clock) -> None:
    """Years in one step (past a retention period), in the municipality's own time zone; never back."""
    browser.login(Role.PROCESS_DESIGNER, OEFEN, PASSWORD)
    page = browser.get("/designer", headers={"Accept-Language": "nl"})
    assert "of de klok zetten op" in page.text and "Klok zetten" in page.text
    assert 'min="2027-01-04T10:00"' in page.text  # now, as Amsterdam's wall clock shows it
    moved = browser.post("/clock/set", {"moment": "2032-06-01T10:30", "next": "/designer"})
    assert moved.status_code == 302 and moved.headers["Location"].endswith("/designer")
    after = browser.get("/designer", headers={"Accept-Language": "nl"})
    assert 'datetime="2032-06-01T08:30:00+00:00"' in after.text  # summer time: UTC+2
    # Pages show Amsterdam's time, the time the control takes (not UTC).
    assert "De klok staat nu op dinsdag 1 juni 2032, 10:30:00 Midden-Europese zomertijd" in after.text
    for refused in ("2030-01-01T09:00", "volgend jaar", ""):
        answer = browser.post("/clock/set", {"moment": refused, "next": "/designer"})
        assert answer.status_code == 302, refused
        assert 'datetime="2032-06-01T08:30:00+00:00"' in browser.get("/designer").text


def test_only_movers_set_the_clock_and_never_in_production(browser, other_browser, oefen) -> None:
    browser.login(Role.COORDINATOR, OEFEN, PASSWORD)
    assert browser.post("/clock/set", {"moment": "2032-06-01T10:30"}).status_code == 403
    other_browser.login(Role.ADMIN)
    assert other_browser.post("/clock/set", {"moment": "2032-06-01T10:30"}).status_code == 403


def test_the_privacy_officer_reads_that_the_log_times_are_rehearsal_time(
    browser, other_browser, oefen
) -> None:
    browser.login(Role.PRIVACY_OFFICER, OEFEN, PASSWORD)
    page = browser.get("/privacy/log", headers={"Accept-Language": "nl"})
    assert page.status_code == 200 and 'data-testid="rehearsal-time"' in page.text
    assert "De tijden in dit log zijn oefentijd" in page.text
    other_browser.login(Role.PRIVACY_OFFICER)  # a production municipality: real time, no note
    assert 'data-testid="rehearsal-time"' not in other_browser.get("/privacy/log").text
