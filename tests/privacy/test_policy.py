"""The need-to-know policy: the visibility matrix (role × party × category × phase × status) of the
test bundle's policy, the guards no policy can lift, the default policy, and validation at deploy time."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from engine.definitions.bundle import Bundle
from engine.errors import InvalidProcessModel
from engine.privacy.policy import FactInfo, PolicyError, Reader, decide, party_info
from engine.privacy.policy_file import DEFAULT_POLICY, load_policy_text, parse_policy
from tests.factories import FIXTURES, deploy_bundle, fixture_bundle, make_tenant

BUNDLE = FIXTURES / "bundles" / "privacy_wams"
POLICY = load_policy_text((BUNDLE / "privacy-policy.yaml").read_text())
PARTIES = yaml.safe_load((BUNDLE / "parties.yaml").read_text())["partijen"]

# The facts of one procedure, as the policy sees them.
FACTS = {
    "naam": FactInfo("general", None, "naam", "client", None),
    "bsn": FactInfo("identifying", None, "bsn", "client", None),
    "zorgen": FactInfo("health", "ggz", "zorgen", "client", None),
    "strafblad": FactInfo("criminal", None, "strafblad", "client", None),
    "huurschuld": FactInfo("financial", "wonen", "huurschuld", "client", None),
    "hulpverlening": FactInfo("general", "sociaal_domein", "hulpverlening", "client", None),
    "schulden": FactInfo("financial", "werk_inkomen", "schulden", "client", "wijkteam"),
    "behandeling": FactInfo("health", "ggz", "behandeling", "client", "ggz_instelling", True, released=False),
    "diagnose": FactInfo("health", "ggz", "diagnose", "client", "ggz_instelling", True, released=True),
    "woonsituatie": FactInfo("general", "wonen", "woonsituatie", "client", "woningcorporatie"),
    "school": FactInfo("general", "onderwijs", "school", "household_member", None),
    "gewist": FactInfo("general", None, "gewist", "client", None, withheld="erased"),
}
READERS = {
    "meldpunt": Reader(frozenset({"meldpunt"}), None),
    "assessor": Reader(frozenset({"assessor"}), None),
    "coordinator": Reader(frozenset({"coordinator"}), None),
    "manager": Reader(frozenset({"manager"}), None),
    "privacy_officer": Reader(frozenset({"privacy_officer"}), None),
    "wijkteam": Reader(frozenset({"party_contact"}), party_info(PARTIES, "wijkteam")),
    "ggz": Reader(frozenset({"party_contact"}), party_info(PARTIES, "ggz_instelling")),
    "ggz_arts": Reader(frozenset({"medical_professional"}), party_info(PARTIES, "ggz_instelling")),
    "woningcorporatie": Reader(frozenset({"party_contact"}), party_info(PARTIES, "woningcorporatie")),
    "uwv": Reader(frozenset({"party_contact"}), party_info(PARTIES, "uwv")),
    "onbekende_partij": Reader(frozenset({"party_contact"}), party_info(PARTIES, "nieuw")),
}
EVERYTHING_BUT_UNRELEASED = set(FACTS) - {"behandeling", "gewist"}
NOT_MEDICAL = EVERYTHING_BUT_UNRELEASED - {"diagnose"}
IDENTIFICATION = {"naam", "bsn", "hulpverlening", "woonsituatie", "school"}

# reader → phase → facts visible while the procedure is open; "closed" → visible once it is closed.
MATRIX: dict[str, dict[str, set[str]]] = {
    "meldpunt": {"toestemming": NOT_MEDICAL, "onderzoek": set(), "aanpak": set(), "closed": set()},
    "assessor": {"toestemming": NOT_MEDICAL, "onderzoek": set(), "aanpak": set(), "closed": set()},
    "coordinator": {p: EVERYTHING_BUT_UNRELEASED for p in ("toestemming", "onderzoek", "aanpak", "closed")},
    "manager": {p: IDENTIFICATION for p in ("toestemming", "onderzoek", "aanpak", "closed")},
    "privacy_officer": {p: set() for p in ("toestemming", "onderzoek", "aanpak", "closed")},
    "wijkteam": {
        "toestemming": {"naam", "schulden"},
        "onderzoek": {"naam", "schulden"},
        "aanpak": {"naam", "schulden", "hulpverlening"},
        "closed": set(),
    },
    "ggz": {
        "toestemming": {"naam", "behandeling", "diagnose"},
        "onderzoek": {"naam", "behandeling", "diagnose"},
        "aanpak": {"naam", "behandeling", "diagnose", "zorgen"},
        "closed": set(),
    },
    "woningcorporatie": {
        "toestemming": {"naam", "woonsituatie"},
        "onderzoek": {"naam", "woonsituatie"},
        "aanpak": {"naam", "woonsituatie", "huurschuld"},
        "closed": set(),
    },
    "uwv": {
        "toestemming": {"naam"},
        "onderzoek": {"naam"},
        "aanpak": {"naam", "schulden", "huurschuld"},
        "closed": set(),
    },
    "onbekende_partij": {"toestemming": {"naam"}, "onderzoek": {"naam"}, "aanpak": {"naam"}, "closed": set()},
}
MATRIX["ggz_arts"] = MATRIX["ggz"]


def _visible(reader: str, phase: str, status: str) -> set[str]:
    return {
        name for name, fact in FACTS.items() if decide(POLICY, READERS[reader], status, phase, fact).visible
    }


@pytest.mark.parametrize("reader", sorted(MATRIX))
@pytest.mark.parametrize("phase", ["toestemming", "onderzoek", "aanpak", "closed"])
def test_visibility_matrix(reader, phase):
    if phase == "closed":
        assert _visible(reader, "afgesloten", "closed") == MATRIX[reader]["closed"]
        assert _visible(reader, "afgesloten", "cancelled") == MATRIX[reader]["closed"]
    else:
        assert _visible(reader, phase, "open") == MATRIX[reader][phase]
        # A suspended procedure is still running: the same as open.
        assert _visible(reader, phase, "suspended") == MATRIX[reader][phase]


def test_enforcement_parties_get_the_conditions_with_every_fact():
    for reader, conditions in (
        ("uwv", True),
        ("woningcorporatie", True),
        ("wijkteam", False),
        ("coordinator", False),
    ):
        for fact in FACTS.values():
            decision = decide(POLICY, READERS[reader], "open", "aanpak", fact)
            if decision.visible:
                assert decision.with_conditions is conditions, (reader, fact.field)


def test_no_rule_lifts_the_guards():
    generous = parse_policy(
        {"rules": [{"name": "alles", "roles": ["party_contact", "meldpunt"], "status": "any"}]}
    )

    def visible(reader: str, status: str = "open") -> set[str]:
        return {n for n, f in FACTS.items() if decide(generous, READERS[reader], status, "aanpak", f).visible}

    # A housing corporation never gets special categories; unreleased medical data go to nobody but
    # the party that holds them; medical data only to the medical roles; closed means nothing.
    assert visible("woningcorporatie") == NOT_MEDICAL - {"zorgen", "strafblad"}
    assert visible("wijkteam") == NOT_MEDICAL
    assert visible("ggz") == NOT_MEDICAL | {"behandeling", "diagnose"}
    assert "diagnose" not in visible("meldpunt")
    assert visible("wijkteam", "closed") == set()
    assert visible("meldpunt", "closed") == NOT_MEDICAL


def test_the_default_policy_is_the_baseline():
    bare = {n: f for n, f in FACTS.items() if not f.source_medical}
    party = Reader(frozenset({"party_contact"}), party_info({}, "wijkteam"))
    staff = Reader(frozenset({"assessor"}), None)
    assert {n for n, f in bare.items() if decide(DEFAULT_POLICY, party, "open", "x", f).visible} == {
        "naam",
        "hulpverlening",
        "schulden",
    }
    assert {n for n, f in bare.items() if decide(DEFAULT_POLICY, staff, "closed", "x", f).visible} == set(
        bare
    ) - {"gewist"}
    fg = Reader(frozenset({"privacy_officer"}), None)
    assert not any(decide(DEFAULT_POLICY, fg, "open", "x", f).visible for f in FACTS.values())


def test_policy_problems_are_listed():
    with pytest.raises(PolicyError) as found:
        parse_policy(
            {
                "rules": [
                    {"name": "a", "roles": ["wizard"], "source": "own", "status": ["open", "maybe"]},
                    {"name": "b", "roles": ["coordinator"], "domains": ["own"]},
                    {"name": "c", "roles": ["party_contact"], "colour": "red"},
                ],
                "categories": {"special": ["criminal"], "medical": ["health"]},
                "further_processing": {"conditions": []},
                "extra": 1,
            }
        )
    text = "\n".join(found.value.problems)
    for expected in (
        "unknown key(s) extra",
        "unknown role(s) wizard",
        "status is one of",
        "'own' refers to the reader's party",
        "unknown key(s) colour",
        "every medical category must also be a special category",
        "further_processing.conditions",
    ):
        assert expected in text


def test_a_broken_policy_is_refused_at_deploy_time(uow, tmp_path):
    make_tenant(uow)
    bundle = fixture_bundle("privacy_wams")
    files = dict(bundle.files)
    files["privacy-policy.yaml"] = b"rules:\n  - name: x\n    roles: [everyone]\n"
    with pytest.raises(InvalidProcessModel) as refused:
        deploy_bundle(uow, Bundle(files))
    assert {i.file for i in refused.value.issues} == {"privacy-policy.yaml"}
    assert "unknown role(s) everyone" in str(refused.value.issues[0])
    files["privacy-policy.yaml"] = b"rules: [unclosed"
    with pytest.raises(InvalidProcessModel) as refused:
        deploy_bundle(uow, Bundle(files))
    assert "not valid YAML" in refused.value.issues[0].message


def test_the_policy_is_versioned_with_the_definition(uow, services):
    from engine.privacy.catalogue import catalogue_for_definition

    make_tenant(uow)
    [first] = deploy_bundle(uow, fixture_bundle("privacy_wams"))
    files = dict(fixture_bundle("privacy_wams").files)
    text = Path(BUNDLE / "privacy-policy.yaml").read_text()
    files["privacy-policy.yaml"] = text.replace(
        "Onderzoek en gecoördineerde aanpak (Wams)", "Ander doel"
    ).encode()
    [second] = deploy_bundle(uow, Bundle(files))
    assert second.definition.version == first.definition.version + 1
    with uow(readonly=True) as unit:
        assert catalogue_for_definition(unit, first.definition.id).policy.purpose.startswith("Onderzoek")
        assert catalogue_for_definition(unit, second.definition.id).policy.purpose == "Ander doel"
