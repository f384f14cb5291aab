"""A procedure's page after closure says how long its personal data are kept, and after the retention
sweep that they were erased: no name any more, and no suggestion that nothing was ever recorded."""

from __future__ import annotations

import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

from engine.privacy.retention import erase_procedure
from engine.procedures.models import Procedure
from engine.roles import Role

from .test_pages import _start


def test_the_page_says_when_the_data_go_and_that_they_went(browser, other_browser, uow, clock) -> None:
    browser.login(Role.MELDPUNT)
    procedure_id = _start(browser)
    browser = other_browser
    browser.login(Role.COORDINATOR)
    page = browser.get(f"/procedures/{procedure_id}", headers={"Accept-Language": "nl"})
    assert "Sanne Bakker" in page.text and "Bewaard tot" not in page.text

    # Closed with its retention date set (as closure does), then erased (as the sweep does after it).
    with uow() as unit:
        procedure = unit.session.get(Procedure, uuid.UUID(procedure_id))
        procedure.status, procedure.ended_at = "closed", clock.now()
        procedure.retention_until = clock.now() + timedelta(days=5 * 365)
        unit.commit()
    page = browser.get(f"/procedures/{procedure_id}", headers={"Accept-Language": "nl"})
    assert 'data-testid="retention-until"' in page.text and "Bewaard tot" in page.text
    assert 'data-testid="erased"' not in page.text

    with uow() as unit:
        erase_procedure(unit, unit.session.get(Procedure, uuid.UUID(procedure_id)))
        unit.commit()
    page = browser.get(f"/procedures/{procedure_id}", headers={"Accept-Language": "nl"})
    assert 'data-testid="erased"' in page.text
    assert "zijn op" in page.text and "vernietigd: de bewaartermijn was verstreken" in page.text
    assert "Vernietigd na afloop van de bewaartermijn." in page.text
    assert "Sanne Bakker" not in page.text and "111222333" not in page.text
    assert "Bewaard tot" not in page.text
    # The timeline says it too, last: when, and why (the retention period, and until when it ran).
    timeline = page.text.split('id="h-timeline"', 1)[1].split("</ol>", 1)[0]
    last = timeline.rsplit("<li>", 1)[1]
    assert "Persoonsgegevens gewist" in last and 'data-testid="erasure-ground"' in last
    until = (clock.now() + timedelta(days=5 * 365)).astimezone(ZoneInfo("Europe/Amsterdam"))
    assert f"Grond: de bewaartermijn was verstreken (bewaard tot {until:%d-%m-%Y, %H:%M})" in last
