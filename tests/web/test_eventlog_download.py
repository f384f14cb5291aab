"""The dashboard's downloads of the event log (XES, OCEL 2.0): links with the dashboard's period,
served to the manager's session, without the personal data of the melding."""

from __future__ import annotations

import html
import json
import re

from engine.roles import Role

from .test_pages import MELDING, _start


def test_the_manager_downloads_the_event_logs_from_the_dashboard(browser, other_browser) -> None:
    browser.login(Role.MELDPUNT)
    procedure_id = _start(browser)
    other_browser.login(Role.MANAGER)
    page = other_browser.get("/dashboard")
    assert page.status_code == 200
    links = {
        kind: html.unescape(re.findall(rf'href="(/api/v1/monitoring/eventlog\.{kind}\?[^"]+)"', page.text)[0])
        for kind in ("xes", "jsonocel")
    }
    assert "Eventlog als XES" in page.text and "start=" in links["xes"]
    xes = other_browser.get(links["xes"])
    assert xes.status_code == 200 and f'value="{procedure_id}"' in xes.text
    ocel = json.loads(other_browser.get(links["jsonocel"]).text)
    assert f"procedure:{procedure_id}" in {o["id"] for o in ocel["objects"]}
    personal = [v for k, v in MELDING if k.endswith("naam") or k == "aanleiding"] + ["111222333"]
    assert personal and not any(v in xes.text or v in json.dumps(ocel) for v in personal)
    assert browser.get(links["xes"]).status_code == 403
