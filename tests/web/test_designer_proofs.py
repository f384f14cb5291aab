"""The designer's check answers in Dutch: the deploy-time proofs and the model checks a designer reads
in the issue list, per element with its line; `/language/en` switches them to English."""

from __future__ import annotations

import re

from engine.roles import Role
from tests.factories import wams_bundle

FILE = "wams_procedure.bpmn"


def _deadlocked() -> str:
    """The procedure with the merge after the casusoverleg choice turned into a parallel join."""
    xml = wams_bundle().files[FILE].decode()
    block = re.compile(
        r'<bpmn:exclusiveGateway id="gw_casusoverleg_klaar">(.*?)</bpmn:exclusiveGateway>', re.S
    )
    assert block.search(xml)
    return block.sub(r'<bpmn:parallelGateway id="gw_casusoverleg_klaar">\1</bpmn:parallelGateway>', xml, 1)


def test_the_designer_check_names_the_gateway_pair_in_dutch(browser) -> None:
    browser.login(Role.PROCESS_DESIGNER)
    xml = _deadlocked().replace(
        'camunda:formKey="beoordeling_checklist"', 'camunda:formKey="bestaat_niet"', 1
    )
    checked = browser.post_json("/designer/wams_procedure/validate", {"file": FILE, "xml": xml})
    assert checked.status_code == 200
    body = checked.get_json()
    assert not body["ok"]
    by_element = {i["element"]: i for i in body["issues"]}
    join = by_element["gw_casusoverleg_klaar"]
    assert join["message"] == (
        "exclusieve splitsing gw_casusoverleg wordt gesloten door parallelle samenvoeging "
        "gw_casusoverleg_klaar: de samenvoeging wacht eeuwig op de tak die gw_casusoverleg niet nam"
    )
    assert join["hint"] == "sluit gw_casusoverleg af met een gateway van dezelfde soort"
    assert join["line"] and join["file"] == FILE
    form = by_element["task_beoordeling_checklist"]
    assert form["message"] == "formulier 'bestaat_niet' bestaat niet"
    assert form["hint"] == "voeg forms/bestaat_niet.json toe aan de bundel of verbeter camunda:formKey"

    # Deploying is refused with the same reasons.
    refused = browser.post_json("/designer/wams_procedure/deploy", {"file": FILE, "xml": xml})
    assert refused.status_code == 422
    assert "parallelle samenvoeging gw_casusoverleg_klaar" in str(refused.get_json()["issues"])

    browser.client.get("/language/en?next=/designer")
    english = browser.post_json("/designer/wams_procedure/validate", {"file": FILE, "xml": xml})
    assert "exclusive split gw_casusoverleg is closed by parallel join gw_casusoverleg_klaar" in str(
        english.get_json()["issues"]
    )
