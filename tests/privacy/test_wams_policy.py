"""The need-to-know policy the bundled Wams procedure ships with (workflows/privacy-policy.yaml):
what each role and party of a municipality sees in each phase, and that a deploy carries it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from engine.privacy.catalogue import catalogue_for_definition
from engine.privacy.policy import FactInfo, Reader, decide, party_info
from engine.privacy.policy_file import load_policy_text
from tests.factories import deploy_bundle, make_tenant, wams_bundle

WORKFLOWS = Path(__file__).parent.parent.parent / "workflows"
POLICY = load_policy_text((WORKFLOWS / "privacy-policy.yaml").read_text())
PARTIES = yaml.safe_load((WORKFLOWS / "parties.yaml").read_text())["partijen"]

FACTS = {
    "naam": FactInfo("general", None, "naam", "client", None),
    "bsn": FactInfo("identifying", None, "bsn", "client", None),
    "zorgen": FactInfo("health", "ggz", "zorgen", "client", None),
    "strafblad": FactInfo("criminal", None, "strafblad", "client", None),
    "huurachterstand": FactInfo("financial", "wonen", "huurachterstand", "client", "woningcorporatie"),
    "uitkering": FactInfo("financial", "werk_inkomen", "uitkering", "client", "uwv"),
    "schoolverzuim": FactInfo("general", "onderwijs", "schoolverzuim", "household_member", "school"),
    "diagnose": FactInfo("health", "ggz", "diagnose", "client", "ggz_instelling", True, released=True),
    "behandeling": FactInfo("health", "ggz", "behandeling", "client", "ggz_instelling", True, released=False),
}
READERS = {
    "meldpunt": Reader(frozenset({"meldpunt"}), None),
    "assessor": Reader(frozenset({"assessor"}), None),
    "coordinator": Reader(frozenset({"coordinator"}), None),
    "manager": Reader(frozenset({"manager"}), None),
    "privacy_officer": Reader(frozenset({"privacy_officer"}), None),
    "uwv": Reader(frozenset({"party_contact"}), party_info(PARTIES, "uwv")),
    "woningcorporatie": Reader(frozenset({"party_contact"}), party_info(PARTIES, "woningcorporatie")),
    "ggz_arts": Reader(frozenset({"medical_professional"}), party_info(PARTIES, "ggz_instelling")),
}
PHASES = ["melding", "beoordeling", "toestemming", "onderzoek", "aanpak", "evaluatie", "afsluiting"]
NOT_MEDICAL = set(FACTS) - {"diagnose", "behandeling"}


def visible(reader: str, phase: str, status: str = "open") -> set[str]:
    return {n for n, f in FACTS.items() if decide(POLICY, READERS[reader], status, phase, f).visible}


@pytest.mark.parametrize("phase", PHASES)
def test_the_coordinator_sees_the_case_and_released_medical_data_only(phase):
    assert visible("coordinator", phase) == NOT_MEDICAL | {"diagnose"}


def test_the_coordinator_still_sees_the_case_after_closure():
    assert visible("coordinator", "afsluiting", "closed") == NOT_MEDICAL | {"diagnose"}


@pytest.mark.parametrize("phase", PHASES)
def test_meldpunt_and_assessor_see_the_case_only_until_the_assessment_is_done(phase):
    early = phase in {"melding", "beoordeling"}
    assert visible("meldpunt", phase) == (NOT_MEDICAL if early else set())
    if early:
        assert visible("assessor", phase) == NOT_MEDICAL
    elif phase == "afsluiting":  # closing with a referral needs who the client is, no more
        assert visible("assessor", phase) == {"naam", "bsn", "schoolverzuim"}
    else:
        assert visible("assessor", phase) == set()


@pytest.mark.parametrize("status", ["open", "closed"])
def test_the_manager_sees_identification_and_general_data_never_special_or_financial(status):
    for phase in PHASES:
        assert visible("manager", phase, status) == {"naam", "bsn", "schoolverzuim"}


def test_the_privacy_officer_sees_no_case_data():
    assert all(
        visible("privacy_officer", phase, status) == set()
        for phase in PHASES
        for status in ("open", "closed")
    )


def test_parties_see_their_own_data_the_clients_name_and_in_the_approach_their_domain():
    for phase in ["toestemming", "onderzoek"]:
        assert visible("uwv", phase) == {"naam", "uitkering"}
        assert visible("woningcorporatie", phase) == {"naam", "huurachterstand"}
        assert visible("ggz_arts", phase) == {"naam", "diagnose", "behandeling"}
    for phase in ["aanpak", "evaluatie"]:
        assert visible("uwv", phase) == {"naam", "uitkering"}
        assert visible("woningcorporatie", phase) == {"naam", "huurachterstand"}
        # The ggz's own domain includes the health concern from the melding, released to its doctor.
        assert visible("ggz_arts", phase) == {"naam", "diagnose", "behandeling", "zorgen"}
    for party in ["uwv", "woningcorporatie", "ggz_arts"]:
        assert visible(party, "afsluiting", "closed") == set()


def test_enforcement_parties_receive_the_conditions_on_further_use():
    uwv = decide(POLICY, READERS["uwv"], "open", "aanpak", FACTS["naam"])
    ggz = decide(POLICY, READERS["ggz_arts"], "open", "aanpak", FACTS["naam"])
    assert uwv.visible and uwv.with_conditions
    assert ggz.visible and not ggz.with_conditions


def test_the_bundled_policy_travels_with_the_deployed_version(uow):
    make_tenant(uow)
    deployments = deploy_bundle(uow, wams_bundle())
    [main] = [d for d in deployments if d.definition.process_id == "wams_procedure"]
    with uow(readonly=True) as unit:
        policy = catalogue_for_definition(unit, main.definition.id).policy
    assert policy.purpose == POLICY.purpose
    assert [rule.name for rule in policy.rules] == [rule.name for rule in POLICY.rules]
