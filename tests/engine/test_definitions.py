"""Deploying: immutable numbered versions keyed by content; running instances keep their version;
both extension dialects are read."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from engine.definitions.bundle import Bundle
from engine.definitions.service import definition_bundle, get_version, list_definitions
from engine.errors import InvalidProcessModel, NotFound
from engine.runtime.models import Task
from engine.runtime.service import Runtime
from tests.factories import SIMPLE_FORM, bpmn_document, deploy_bundle, fixture_bundle, make_tenant


def _renamed(bundle: Bundle, old: str, new: str) -> Bundle:
    files = dict(bundle.files)
    files["three_tasks.bpmn"] = files["three_tasks.bpmn"].replace(old.encode(), new.encode())
    return Bundle(files)


def test_same_content_is_the_same_version_and_a_change_is_the_next(uow):
    make_tenant(uow)
    bundle = fixture_bundle("three_tasks")
    [first] = deploy_bundle(uow, bundle)
    [again] = deploy_bundle(uow, bundle)
    [changed] = deploy_bundle(uow, _renamed(bundle, "Tweede stap", "Tweede stap (nieuw)"))
    assert (first.created, first.definition.version) == (True, 1)
    assert (again.created, again.definition.id) == (False, first.definition.id)
    assert (changed.created, changed.definition.version) == (True, 2)
    with uow(readonly=True) as unit:
        assert [d.version for d in list_definitions(unit, "utrecht", "three_tasks")] == [2, 1]


def test_versions_are_per_tenant(uow):
    make_tenant(uow, "utrecht")
    make_tenant(uow, "amersfoort")
    bundle = fixture_bundle("three_tasks")
    deploy_bundle(uow, bundle, "utrecht")
    deploy_bundle(uow, _renamed(bundle, "Eerste stap", "Stap 1"), "utrecht")
    [other] = deploy_bundle(uow, bundle, "amersfoort")
    assert other.definition.version == 1
    with uow(readonly=True) as unit, pytest.raises(NotFound):
        get_version(unit, "amersfoort", "three_tasks", 2)


def test_running_instances_keep_the_version_they_started_on(uow):
    make_tenant(uow)
    bundle = fixture_bundle("three_tasks")
    deploy_bundle(uow, bundle)
    runtime = Runtime()
    with uow() as unit:
        old = runtime.start(unit, "utrecht", "three_tasks", {}, "a").instance
        unit.commit()
    deploy_bundle(uow, _renamed(bundle, 'name="Tweede stap"', 'name="Controle"'))
    with uow() as unit:
        new = runtime.start(unit, "utrecht", "three_tasks", {}, "a").instance
        unit.commit()
    for instance_id in (old.id, new.id):
        with uow() as unit:
            task = unit.session.scalar(select(Task).where(Task.instance_id == instance_id))
            runtime.complete_task(unit, "utrecht", task.id, {"akkoord": True}, "a")
            unit.commit()
    with uow(readonly=True) as unit:
        names = {
            t.instance_id: t.name
            for t in unit.session.scalars(select(Task).where(Task.element_id == "task_two"))
        }
    assert names == {old.id: "Tweede stap", new.id: "Controle"}


def test_the_stored_files_give_back_the_deployed_bundle(uow):
    make_tenant(uow)
    bundle = fixture_bundle("three_tasks")
    deploy_bundle(uow, bundle)
    with uow(readonly=True) as unit:
        stored = definition_bundle(get_version(unit, "utrecht", "three_tasks"))
    assert stored.files == bundle.files


def test_an_invalid_bundle_deploys_nothing(uow):
    make_tenant(uow)
    broken = Bundle({"x.bpmn": bpmn_document('<bpmn:userTask id="t"/>').encode()})
    with pytest.raises(InvalidProcessModel) as refused:
        deploy_bundle(uow, broken)
    assert refused.value.issues
    with uow(readonly=True) as unit:
        assert list_definitions(unit, "utrecht") == []


def test_spiffworkflow_properties_and_camunda_attributes_are_both_read(uow):
    make_tenant(uow)
    process = """
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="Beoordelaar"><bpmn:flowNodeRef>spiff_task</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="spiff_task"/>
    <bpmn:userTask id="spiff_task" name="Spiff-stijl">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="f"/>
          <spiffworkflow:property name="phase" value="beoordeling"/>
        </spiffworkflow:properties>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="spiff_task" targetRef="camunda_task"/>
    <bpmn:userTask id="camunda_task" name="Camunda-stijl" camunda:formKey="f" camunda:candidateGroups="Coördinator"
        camunda:assignee="${behandelaar}" camunda:dueDate="P3D"/>
    <bpmn:sequenceFlow id="f3" sourceRef="camunda_task" targetRef="end"/>
    <bpmn:endEvent id="end"/>"""
    bundle = Bundle(
        {
            "d.bpmn": bpmn_document(process, process_id="dialects").encode(),
            "forms/f.json": json.dumps(SIMPLE_FORM).encode(),
        }
    )
    deploy_bundle(uow, bundle)
    runtime = Runtime()
    with uow() as unit:
        instance_id = runtime.start(
            unit, "utrecht", "dialects", {"behandelaar": "c.devries"}, "a"
        ).instance.id
        unit.commit()
    with uow() as unit:
        first = unit.session.scalar(select(Task).where(Task.instance_id == instance_id))
        assert (first.form_key, first.role, first.phase) == ("f", "assessor", "beoordeling")
        runtime.complete_task(unit, "utrecht", first.id, {"akkoord": True}, "a")
        unit.commit()
    with uow(readonly=True) as unit:
        second = unit.session.scalar(
            select(Task).where(Task.instance_id == instance_id, Task.element_id == "camunda_task")
        )
    assert (second.role, second.assignee) == ("coordinator", "c.devries")
    assert (second.due_at - second.created_at).days == 3
