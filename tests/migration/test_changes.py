"""The version diff names changed attributes (not only names), forms and settings."""

from __future__ import annotations

from engine.definitions.changes import diff_files
from tests.migration.models import version_one, version_two


def _text(bundle) -> dict[str, str]:
    return {path: content.decode() for path, content in bundle.files.items()}


def test_changed_attributes_forms_and_settings() -> None:
    old = {**_text(version_one()), "settings.yaml": "termijn: P5D\nblijft: 1\nweg: x\n"}
    new = {
        **_text(version_two()),
        "settings.yaml": "termijn: P10D\nblijft: 1\nnieuw: true\n",
        "forms/extra.json": "{}",
    }
    new["forms/step.json"] = new["forms/step.json"].replace("Akkoord", "Akkoord?")
    changes = diff_files(old, new, version=2, previous=1)
    [a] = [c for c in changes.changed if c.id == "a"]
    assert {(f.key, f.old, f.new) for f in a.fields} == {
        ("candidateGroups", "meldpunt", "coordinator"),
        ("dueDate", "P2D", "P5D"),
        ("property:legalGround", None, "test.grond"),
    }
    assert changes.forms == ["forms/extra.json", "forms/step.json"]
    assert [(s.key, s.old, s.new) for s in changes.settings] == [
        ("nieuw", None, True),
        ("termijn", "P5D", "P10D"),
        ("weg", "x", None),
    ]
    assert not diff_files(old, old, version=2, previous=1).changed


def test_a_rewired_flow_is_a_change_of_the_flow() -> None:
    old = _text(version_one())
    new = dict(old)
    new["mig.bpmn"] = old["mig.bpmn"].replace('targetRef="c"', 'targetRef="end"', 1)
    changes = diff_files(old, new, version=2, previous=1)
    assert [(c.id, [(f.key, f.old, f.new) for f in c.fields]) for c in changes.changed] == [
        ("f_b_c", [("targetRef", "c", "end")])
    ]
