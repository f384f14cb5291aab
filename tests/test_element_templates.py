"""The Wams element templates (workflows/.camunda/element-templates): each is valid against Camunda's
element-templates JSON schema (the npm package @camunda/element-templates-json-schema, so Camunda
Modeler desktop and the browser modeler load it), and a model made from each one passes `wams
validate` with the bundle's forms, settings and legal grounds: a step made from a template deploys."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import pytest
from click.testing import CliRunner
from jsonschema import Draft7Validator

from api.cli import main
from engine.definitions.bundle import Bundle
from engine.definitions.panel import TEMPLATES_FOLDER, element_templates

REPO = Path(__file__).parent.parent
WORKFLOWS = REPO / "workflows"
SCHEMA = REPO / "node_modules" / "@camunda" / "element-templates-json-schema" / "resources" / "schema.json"
TEMPLATES = sorted((WORKFLOWS / TEMPLATES_FOLDER).glob("*.json"))


def _templates() -> list[tuple[str, dict[str, Any]]]:
    return [(path.name, json.loads(path.read_text(encoding="utf-8"))) for path in TEMPLATES]


def test_the_building_blocks_are_there() -> None:
    names = {t["id"] for t in element_templates(WORKFLOWS)}
    assert {
        "nl.wams.informatieverzoek-partij",
        "nl.wams.medische-afweging",
        "nl.wams.evaluatie",
        "nl.wams.volgende-periode",
        "nl.wams.afsluiting",
        "nl.wams.toestemming-reikwijdte",
    } <= names


@pytest.mark.parametrize(("name", "template"), _templates(), ids=[p.name for p in TEMPLATES])
def test_template_is_valid_against_the_element_templates_schema(name: str, template: dict[str, Any]) -> None:
    if not SCHEMA.exists():
        pytest.skip(f"{SCHEMA.relative_to(REPO)} is missing: run `make node-deps` (npm ci)")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(Draft7Validator(schema).iter_errors(template), key=lambda e: list(e.path))
    assert not errors, f"{name}: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def test_a_broken_template_is_refused_by_the_schema() -> None:
    """The schema test can fail: a binding type Camunda 7 does not know is an error."""
    if not SCHEMA.exists():
        pytest.skip("the element-templates schema is not installed")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    broken = dict(_templates()[0][1])
    broken["properties"] = [
        {"label": "x", "type": "Hidden", "value": "y", "binding": {"type": "zeebe:input"}}
    ]
    assert list(Draft7Validator(schema).iter_errors(broken))


def apply_template(template: dict[str, Any], element_id: str) -> tuple[dict[str, str], dict[str, str]]:
    """(attributes, camunda properties) the template sets, as Camunda Modeler applies it: each
    property's value, `property` bindings as attributes, `camunda:property` bindings as properties,
    and the link to the template the modeler keeps on the element."""
    attributes: dict[str, str] = {
        "id": element_id,
        "camunda:modelerTemplate": template["id"],
        "camunda:modelerTemplateVersion": str(template["version"]),
    }
    properties: dict[str, str] = {}
    for prop in template["properties"]:
        binding, value = prop["binding"], prop.get("value")
        if value is None:
            continue
        if binding["type"] == "property":
            attributes[binding["name"]] = str(value)
        elif binding["type"] == "camunda:property":
            properties[binding["name"]] = str(value)
        else:  # pragma: no cover - the Wams templates use these two only
            raise AssertionError(f"binding {binding['type']} is not applied by this test")
    return attributes, properties


CONSENT = "wams-toestemming-reikwijdte.json"


def _element(template: dict[str, Any], element_id: str, incoming: str, outgoing: str | None) -> str:
    kind = template["appliesTo"][0].split(":")[1]
    tag = kind[0].lower() + kind[1:]
    attributes, properties = apply_template(template, element_id)
    attrs = " ".join(f"{k}={quoteattr(v)}" for k, v in attributes.items())
    props = "".join(
        f"<camunda:property name={quoteattr(k)} value={quoteattr(v)} />" for k, v in properties.items()
    )
    extension = (
        f"<bpmn:extensionElements><camunda:properties>{props}</camunda:properties></bpmn:extensionElements>"
    )
    flows = f"<bpmn:incoming>{incoming}</bpmn:incoming>" + (
        f"<bpmn:outgoing>{outgoing}</bpmn:outgoing>" if outgoing else ""
    )
    return f"<bpmn:{tag} {attrs}>{extension}{flows}</bpmn:{tag}>"


def model_from(template: dict[str, Any]) -> str:
    """An executable process around the template's element (an end event stands alone). A party's step
    comes after the consent-and-scope step, as the deploy-time proofs require of any model: the
    designer builds from that template first."""
    kind = template["appliesTo"][0].split(":")[1]
    consent = json.loads((WORKFLOWS / TEMPLATES_FOLDER / CONSENT).read_text(encoding="utf-8"))
    body = '<bpmn:startEvent id="start"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>'
    first = "f0"
    if kind != "EndEvent" and template["id"] != consent["id"]:
        body += '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="consent_step" />'
        body += _element(consent, "consent_step", "f0", "f1")
        body += '<bpmn:sequenceFlow id="f1" sourceRef="consent_step" targetRef="made_from_template" />'
        first = "f1"
    else:
        body += '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="made_from_template" />'
    if kind == "EndEvent":
        body += _element(template, "made_from_template", first, None)
    else:
        body += _element(template, "made_from_template", first, "f2")
        body += '<bpmn:sequenceFlow id="f2" sourceRef="made_from_template" targetRef="end" />'
        body += '<bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>'
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs_template" '
        'targetNamespace="https://wams.example/bpmn">'
        f'<bpmn:process id="template_check" name="Sjabloon" isExecutable="true">{body}</bpmn:process>'
        "</bpmn:definitions>"
    )


@pytest.mark.parametrize(("name", "template"), _templates(), ids=[p.name for p in TEMPLATES])
def test_model_built_from_template_passes_wams_validate(
    name: str, template: dict[str, Any], tmp_path: Path
) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(WORKFLOWS, bundle, ignore=shutil.ignore_patterns(".camunda"))
    (bundle / "forms").mkdir(exist_ok=True)
    for form in (REPO / "forms").glob("*.json"):
        shutil.copy(form, bundle / "forms" / form.name)
    (bundle / "template_check.bpmn").write_text(model_from(template), encoding="utf-8")

    result = CliRunner().invoke(main, ["validate", str(bundle)])

    assert result.exit_code == 0, f"{name}:\n{result.output}"
    assert "ok: template_check" in result.output
    # What the engine read from the step is what the template set.
    _, properties = apply_template(template, "made_from_template")
    assert properties.get("legalGround"), f"{name} sets no legal ground"


def test_element_templates_are_no_part_of_a_bundle() -> None:
    """They live beside the models (where Camunda Modeler desktop finds them) but never deploy."""
    bundle = Bundle.from_directory(WORKFLOWS, REPO / "forms")
    assert not [p for p in bundle.files if "element-templates" in p or p.startswith(".")]
    assert not [p for p in bundle.files if p.startswith("forms/wams-")]
