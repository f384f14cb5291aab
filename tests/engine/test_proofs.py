"""Deploy-time proofs (engine/definitions/soundness.py, privacy_proofs.py): each small unsound or
non-compliant model in tests/fixtures/proofs is refused naming the element and the defect, the sound
and compliant ones deploy, and the bundled Wams models are proven."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from engine.definitions.analysis import analyze
from engine.definitions.bundle import Bundle
from engine.definitions.soundness import check_soundness
from engine.errors import ModelIssue
from tests.factories import FIXTURES, wams_bundle

PROOFS = FIXTURES / "proofs"


def _bundle(*models: str, parties: bool = True) -> Bundle:
    files = {f"{m}.bpmn": (PROOFS / f"{m}.bpmn").read_bytes() for m in models}
    files.update({f"forms/{f.name}": f.read_bytes() for f in (PROOFS / "forms").glob("*.json")})
    if parties:
        files["parties.yaml"] = (PROOFS / "parties.yaml").read_bytes()
    return Bundle(files)


def _errors(*models: str, parties: bool = True) -> list[ModelIssue]:
    analysis = analyze(_bundle(*models, parties=parties))
    assert not analysis.entries, "a refused bundle compiles nothing"
    return analysis.errors


@pytest.mark.parametrize(
    ("model", "element", "line", "message"),
    [
        (
            "xor_and_deadlock",
            "join",
            7,
            "exclusive split split is closed by parallel join join: the join waits forever for the branch "
            "split did not take",
        ),
        ("unreachable_task", "orphan", 8, "orphan can never be reached: no sequence flow leads to it"),
        ("no_way_out", "stuck", 9, "stuck has no way out: no sequence flow leaves it"),
        (
            "improper_completion",
            "merge",
            7,
            "parallel split fork is closed by exclusive merge merge, which does not wait: after runs once "
            "per branch and a token is left over (improper completion)",
        ),
        (
            "livelock",
            "again",
            6,
            "the loop through again, ask, answer has no way out: once the process is in it, it can never end",
        ),
        (
            "boundary_deadlock",
            "join",
            7,
            "boundary event too_late on work leads around parallel join join: the join waits forever for "
            "the branch work did not take",
        ),
        (
            "subprocess_deadlock",
            "sub_join",
            11,
            "exclusive split sub_split is closed by parallel join sub_join: the join waits forever for the "
            "branch sub_split did not take",
        ),
    ],
)
def test_each_unsound_model_is_refused_naming_the_defect(model, element, line, message) -> None:
    errors = _errors(model)
    found = [(i.element, i.line, i.message) for i in errors]
    assert (element, line, message) in found
    assert all(i.file == f"{model}.bpmn" for i in errors)


def test_a_defect_is_reported_once_not_with_everything_after_it() -> None:
    # The end event behind the waiting join is not reported as unreachable as well.
    assert [i.element for i in _errors("xor_and_deadlock")] == ["join"]
    assert [i.element for i in _errors("subprocess_deadlock")] == ["sub_join"]


def test_the_sound_model_deploys() -> None:
    # Parallel and inclusive blocks, a loop with an exit, interrupting and non-interrupting boundary
    # events, an event subprocess with a terminate end, a subprocess, a call activity, multi-instance.
    analysis = analyze(_bundle("sound", "sound_called"))
    assert analysis.issues == []
    assert set(analysis.entries) == {"sound"}


@pytest.mark.parametrize(
    ("model", "element", "message"),
    [
        (
            "party_special_categories",
            "answer",
            "answer gives a party a form that collects special categories (health) without saying which "
            "party (partyVariable): the engine cannot keep them from a party that may not process them",
        ),
        (
            "facts_without_ground",
            "note",
            "note records facts (form notitie) without a legal ground (legalGround) and a purpose",
        ),
        (
            "request_without_consent",
            "answer",
            "answer asks a party for information, but can be reached without passing the "
            "consent-and-scope step",
        ),
    ],
)
def test_each_non_compliant_model_is_refused_naming_the_task(model, element, message) -> None:
    assert [(i.element, i.message) for i in _errors(model)] == [(element, message)]


def test_special_categories_need_a_party_catalogue_or_the_party_rules() -> None:
    # The compliant model without parties.yaml: nothing says which parties may process health data.
    errors = _errors("privacy_compliant", parties=False)
    assert [i.message for i in errors] == [
        "answer gives a party a form that collects special categories (health), but nothing says "
        "which parties may process them"
    ]


def test_the_compliant_model_deploys() -> None:
    analysis = analyze(_bundle("privacy_compliant"))
    assert analysis.ok and analysis.issues == []


def test_the_bundled_wams_models_are_proven() -> None:
    analysis = analyze(wams_bundle())
    assert analysis.issues == []
    assert "wams_procedure" in analysis.entries


def test_a_call_into_a_request_after_consent_is_covered_and_before_it_is_not() -> None:
    bundle = wams_bundle()
    xml = bundle.files["wams_procedure.bpmn"].decode()
    # Skip the consent step: the information requests (in the called process) become reachable.
    bypass = xml.replace('targetRef="task_toestemming_reikwijdte"', 'targetRef="gw_toestemming"', 1)
    analysis = analyze(Bundle({**bundle.files, "wams_procedure.bpmn": bypass.encode()}))
    refused = {(i.file, i.element) for i in analysis.errors if "consent-and-scope" in i.message}
    assert ("wams_informatieverzoek.bpmn", "task_partij_antwoord") in refused
    assert any("entered through call_informatieverzoek" in i.message for i in analysis.errors)


def test_a_process_too_large_to_prove_is_a_warning_not_a_hang() -> None:
    root = _bundle("sound").files["sound.bpmn"]
    issues = check_soundness("sound.bpmn", etree.fromstring(root), max_states=3)
    assert [(i.severity, i.element) for i in issues] == [("warning", "sound")]
    assert "too large to prove" in issues[0].message


def _wams_with(old: str, new: str) -> list[ModelIssue]:
    bundle = wams_bundle()
    xml = bundle.files["wams_procedure.bpmn"].decode()
    changed = re.sub(old, new, xml, count=1, flags=re.S)
    assert changed != xml
    return analyze(Bundle({**bundle.files, "wams_procedure.bpmn": changed.encode()})).errors


def test_defects_are_found_where_the_client_can_always_withdraw() -> None:
    # Inside sub_procedure, whose interrupting boundary event (the client withdraws) can always end
    # the process: a loop without exit and an exclusive split closed by a parallel join are still found.
    looped = _wams_with(
        'sourceRef="task_aanpak_plan" targetRef="script_aanpak_start"',
        'sourceRef="task_aanpak_plan" targetRef="task_coordinator_aanwijzen"',
    )
    assert [i.message for i in looped] == [
        "the loop through task_coordinator_aanwijzen, task_aanpak_plan has no way out: once the process "
        "is in it, it can never end",
        "script_aanpak_start can never be reached: no sequence flow leads to it",
    ]
    joined = _wams_with(
        r'<bpmn:exclusiveGateway id="gw_casusoverleg_klaar">(.*?)</bpmn:exclusiveGateway>',
        r'<bpmn:parallelGateway id="gw_casusoverleg_klaar">\1</bpmn:parallelGateway>',
    )
    assert [(i.element, i.message) for i in joined] == [
        (
            "gw_casusoverleg_klaar",
            "exclusive split gw_casusoverleg is closed by parallel join gw_casusoverleg_klaar: the join waits "
            "forever for the branch gw_casusoverleg did not take",
        )
    ]


def test_link_events_compensation_and_drawn_pools_are_not_defects() -> None:
    root = etree.fromstring((PROOFS / "links_and_pools.bpmn").read_bytes())
    assert check_soundness("links_and_pools.bpmn", root) == []
