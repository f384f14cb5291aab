"""What changed between versions: files and BPMN/DMN elements added, removed, renamed."""

from __future__ import annotations

from engine.access import Actor
from engine.definitions.bundle import Bundle
from engine.definitions.changes import diff_files, model_elements, version_history
from engine.roles import Role
from tests.factories import deploy_bundle, make_tenant, wams_bundle

OLD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" id="defs" targetNamespace="x">
  <bpmn:process id="p" name="Proces" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:userTask id="check" name="Controleren" />
    <bpmn:userTask id="old_step" name="Oude stap" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram"><bpmndi:BPMNPlane id="plane" bpmnElement="p" /></bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def test_elements_added_removed_and_renamed() -> None:
    new = (
        OLD.replace('name="Controleren"', 'name="Grondig controleren"')
        .replace(
            '<bpmn:userTask id="old_step" name="Oude stap" />',
            '<bpmn:serviceTask id="new_step" name="Nieuw" />',
        )
        .replace('id="plane"', 'id="plane" ')  # diagram plumbing is not an element change
    )
    changes = diff_files(
        {"p.bpmn": OLD, "forms/a.json": "{}", "settings.yaml": "a: 1"},
        {"p.bpmn": new, "forms/a.json": "{}", "forms/b.json": "{}"},
        version=2,
        previous=1,
    )
    assert changes.files_added == ["forms/b.json"]
    assert changes.files_removed == ["settings.yaml"]
    assert changes.files_changed == ["p.bpmn"]
    assert [(e.id, e.kind, e.name) for e in changes.added] == [("new_step", "serviceTask", "Nieuw")]
    assert [(e.id, e.name) for e in changes.removed] == [("old_step", "Oude stap")]
    assert [(r.id, r.old, r.new) for r in changes.renamed] == [
        ("check", "Controleren", "Grondig controleren")
    ]
    assert not changes.empty


def test_same_files_are_no_change_and_bad_xml_is_no_elements() -> None:
    assert diff_files({"p.bpmn": OLD}, {"p.bpmn": OLD}, version=2, previous=1).empty
    assert model_elements("p.bpmn", "<not xml") == {}
    assert model_elements("p.bpmn", '<!DOCTYPE x [<!ENTITY a "b">]><x/>') == {}
    assert model_elements("forms/a.json", "{}") == {}
    assert set(model_elements("p.bpmn", OLD)) == {"p", "start", "check", "old_step", "end"}


def test_dmn_rules_count_as_elements() -> None:
    bundle = wams_bundle()
    dmn = next(p for p in bundle.files if p.endswith(".dmn"))
    elements = model_elements(dmn, bundle.files[dmn].decode())
    assert any(e.kind == "decision" for e in elements.values())
    assert any(e.kind == "rule" for e in elements.values())


def test_version_history_lists_changes_newest_first(uow) -> None:
    tenant = make_tenant(uow)
    bundle = wams_bundle()
    deploy_bundle(uow, bundle, tenant)
    xml = bundle.files["wams_procedure.bpmn"].decode()
    renamed = xml.replace(
        'name="Checklist meervoudige problematiek invullen"', 'name="Checklist invullen"', 1
    )
    assert renamed != xml
    deploy_bundle(uow, Bundle({**bundle.files, "wams_procedure.bpmn": renamed.encode()}), tenant)
    designer = Actor("ontwerper", tenant, frozenset({Role.PROCESS_DESIGNER}))

    history = version_history(uow(readonly=True), designer, "wams_procedure")

    assert [e.definition.version for e in history] == [2, 1]
    newest, first = history
    assert newest.changes.previous == 1 and newest.changes.files_changed == ["wams_procedure.bpmn"]
    assert [(r.id, r.new) for r in newest.changes.renamed] == [
        ("task_beoordeling_checklist", "Checklist invullen")
    ]
    assert not newest.changes.added and not newest.changes.removed
    assert first.changes.previous is None
