"""Every bundle we ship or test with is deployable: `wams validate` accepts it, every form is a valid
JSON Schema (Draft 2020-12), every user task has a role and a form that exists, every legal ground
key exists. The Wams bundle (workflows/ + forms/) is held to the issue's standard on top: Dutch labels
and help text on every field, a due period and a legal ground on every user task, configuration for
what the law leaves open, and party codes that match the catalogue."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from jsonschema import Draft202012Validator
from lxml import etree

from api.cli import main
from engine.definitions.analysis import analyze, flatten_settings
from engine.definitions.bundle import Bundle
from engine.forms import schema_problems
from engine.roles import role_from_name

REPO = Path(__file__).parent.parent
FIXTURE_BUNDLES = sorted(p for p in (REPO / "tests" / "fixtures" / "bundles").iterdir() if p.is_dir())
BUNDLES = {"wams": (REPO / "workflows", REPO / "forms")} | {p.name: (p, p / "forms") for p in FIXTURE_BUNDLES}

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
NS = {"bpmn": BPMN, "camunda": CAMUNDA}
# Subschemas that constrain a property declared elsewhere; they need no label of their own.
IN_PLACE = {"allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas"}
# English words that give away an untranslated label or help text.
ENGLISH = re.compile(
    r"\b(the|and|of the|please|must|should|which|with|required|enter|select)\b", re.IGNORECASE
)
# What help text cites when it says which rule applies.
LEGAL_SOURCE = re.compile(r"\b(art\.|artikel|AVG|Wams|Wmo|Jeugdwet|BW|Wet BIG|Woningwet)", re.IGNORECASE)


def _bundle(name: str) -> Bundle:
    models, forms = BUNDLES[name]
    return Bundle.from_directory(models, forms)


def _forms(name: str) -> dict[str, dict[str, Any]]:
    bundle = _bundle(name)
    return {p[len("forms/") : -len(".json")]: json.loads(bundle.files[p]) for p in bundle.paths("form")}


def _yaml(name: str, filename: str) -> dict[str, Any] | None:
    content = _bundle(name).files.get(filename)
    return yaml.safe_load(content) if content is not None else None


def _elements(name: str) -> Iterator[tuple[str, etree._Element, dict[str, str], dict[str, str]]]:
    """(file, element, its camunda properties, the lanes' role names by element id) for every BPMN element."""
    bundle = _bundle(name)
    for path in bundle.paths("bpmn"):
        tree = etree.fromstring(bundle.files[path])
        for process in tree.iter(f"{{{BPMN}}}process"):
            lanes = {
                ref.text: lane.get("name", "")
                for lane in process.iter(f"{{{BPMN}}}lane")
                for ref in lane.findall("bpmn:flowNodeRef", NS)
            }
            for node in process.iter():
                if isinstance(node.tag, str):
                    properties = {
                        p.get("name"): p.get("value")
                        for p in node.findall(
                            "bpmn:extensionElements/camunda:properties/camunda:property", NS
                        )
                    }
                    yield path, node, properties, lanes


def _user_tasks(name: str) -> Iterator[tuple[str, etree._Element, dict[str, str], dict[str, str]]]:
    for path, node, properties, lanes in _elements(name):
        if etree.QName(node).localname == "userTask":
            yield path, node, properties, lanes


def _fields(schema: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property of a form, nested objects and array items included (not the in-place conditions)."""
    for key, prop in (schema.get("properties") or {}).items():
        if isinstance(prop, dict):
            where = f"{path}.{key}" if path else key
            yield where, prop
            yield from _fields(prop, where)
            items = prop.get("items")
            if isinstance(items, dict):
                yield from _fields(items, f"{where}[]")


# --- every bundle -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(BUNDLES))
def test_wams_validate_accepts_the_bundle(name, monkeypatch, tmp_path):
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("WAMS_INSTANCE_PATH", str(tmp_path))
    models, _ = BUNDLES[name]
    result = CliRunner().invoke(main, ["validate", str(models.relative_to(REPO))])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: ")
    analysis = analyze(_bundle(name), max_xml_bytes=2 * 1024 * 1024)
    assert analysis.ok and not analysis.issues, [str(i) for i in analysis.issues]


@pytest.mark.parametrize("name", sorted(BUNDLES))
def test_every_form_is_a_valid_draft_2020_12_schema(name):
    forms = _forms(name)
    assert forms
    for key, schema in forms.items():
        Draft202012Validator.check_schema(schema)
        assert schema.get("$schema") == "https://json-schema.org/draft/2020-12/schema", key
        assert schema_problems(schema) == [], key


@pytest.mark.parametrize("name", sorted(BUNDLES))
def test_every_user_task_has_a_role_and_a_form_that_exists(name):
    forms = _forms(name)
    tasks = list(_user_tasks(name))
    assert tasks
    for path, node, _, lanes in tasks:
        where = f"{path}#{node.get('id')}"
        form_key = node.get(f"{{{CAMUNDA}}}formKey")
        assert form_key in forms, f"{where}: form {form_key!r} does not exist"
        group = (node.get(f"{{{CAMUNDA}}}candidateGroups") or "").split(",")[0].strip()
        assert role_from_name(group or lanes.get(node.get("id"))), f"{where} has no role"


@pytest.mark.parametrize("name", sorted(BUNDLES))
def test_every_legal_ground_key_exists(name):
    grounds = _yaml(name, "legal-grounds.yaml")
    used = {
        (path, node.get("id"), p["legalGround"])
        for path, node, p, _ in _elements(name)
        if p.get("legalGround")
    }
    if grounds is None:
        return  # a bundle without legal-grounds.yaml names its grounds freely (test fixtures)
    assert used
    for path, element, key in used:
        assert key in grounds, f"{path}#{element}: legal ground {key!r} is not in legal-grounds.yaml"
    for key, ground in grounds.items():
        assert {"wet", "artikel", "omschrijving"} <= set(ground), key


# --- the Wams bundle ----------------------------------------------------------------------------


def test_wams_forms_have_dutch_labels_and_help_text_on_every_field():
    for key, schema in _forms("wams").items():
        for where, holder in [("(form)", schema), *_fields(schema)]:
            title, description = holder.get("title"), holder.get("description")
            assert isinstance(title, str) and title.strip(), f"{key}: {where} has no title"
            assert isinstance(description, str) and description.strip(), f"{key}: {where} has no description"
            for text in (title, description):
                assert not ENGLISH.search(text), f"{key}: {where} is not in Dutch: {text!r}"
        # The help text says which rule applies: the form's description or its fields' cite the law.
        texts = [schema["description"], *(p.get("description", "") for _, p in _fields(schema))]
        assert any(LEGAL_SOURCE.search(t) for t in texts), f"{key} cites no article or law"


def test_wams_forms_order_names_exactly_their_fields():
    for key, schema in _forms("wams").items():
        order = (schema.get("x-ui") or {}).get("order")
        assert order is not None, f"{key} has no x-ui.order"
        assert sorted(order) == sorted(schema["properties"]), key


def test_wams_user_tasks_have_a_due_period_from_settings_and_a_legal_ground():
    settings = flatten_settings(_yaml("wams", "settings.yaml"))
    grounds = _yaml("wams", "legal-grounds.yaml") or {}
    for path, node, properties, _ in _user_tasks("wams"):
        where = f"{path}#{node.get('id')}"
        due = node.get(f"{{{CAMUNDA}}}dueDate") or ""
        assert due.startswith("config:"), (
            f"{where}: the due period is configuration (config:due.…), not {due!r}"
        )
        assert re.fullmatch(r"P(\d+[YMWD])+", str(settings.get(due[len("config:") :]))), f"{where}: {due}"
        assert properties.get("legalGround") in grounds, f"{where} carries no (known) legal ground"
        assert properties.get("phase"), f"{where} has no phase"


# Gateways that route on the process's own state (where to continue, who closes), not on a legal rule.
ROUTING = {"gw_na_procedure", "gw_na_periode", "gw_afsluiting"}


def test_wams_elements_implementing_a_rule_carry_their_legal_ground():
    """Decisions (split gateways, DMN), the melding, calls, timers and withdrawals, and every step that
    sets a stop reason name the rule they implement."""
    grounds = _yaml("wams", "legal-grounds.yaml") or {}
    rules = {"businessRuleTask", "callActivity", "boundaryEvent", "intermediateCatchEvent"}
    checked = set()
    for path, node, properties, _ in _elements("wams"):
        tag, element = etree.QName(node).localname, node.get("id")
        decides = (
            tag == "exclusiveGateway"
            and len(node.findall("bpmn:outgoing", NS)) > 1
            and element not in ROUTING
        )
        script = node.findtext("bpmn:script", default="", namespaces=NS)
        stops = tag == "scriptTask" and re.search(r"stopreden = (?!None)", script) is not None
        if decides or stops or tag in rules or element == "start_melding":
            checked.add(element)
            ground = properties.get("legalGround")
            assert ground in grounds, f"{path}#{element} ({tag}) carries no known legal ground: {ground!r}"
    assert {"start_melding", "gw_beoordeling", "rule_partijregels", "script_stop_weigering"} <= checked


def test_wams_timers_read_their_periods_from_settings():
    settings = flatten_settings(_yaml("wams", "settings.yaml"))
    for path, node, _, _ in _elements("wams"):
        if etree.QName(node).localname in {"timeDuration", "timeDate", "timeCycle"}:
            match = re.fullmatch(r'config\("([a-z_.]+)"\)', (node.text or "").strip())
            assert match and match.group(1) in settings, f"{path}: timer {node.text!r} is not a setting"


def test_wams_every_form_is_used_and_party_codes_match_the_catalogue():
    forms = _forms("wams")
    used = {node.get(f"{{{CAMUNDA}}}formKey") for _, node, _, _ in _elements("wams")} - {None}
    assert used == set(forms)
    catalogue = set((_yaml("wams", "parties.yaml") or {})["partijen"])
    party_fields = {
        ("onderzoek_opzet", "partijen"),
        ("casusoverleg", "deelnemende_partijen"),
        ("gecoordineerde_aanpak", "aanpak_partijen"),
        ("melding", "verzoekende_partij"),
    }
    for key, field in party_fields:
        prop = forms[key]["properties"][field]
        options = prop.get("items", prop)
        codes = {o["const"] for o in options.get("oneOf", [])} or set(options.get("enum", []))
        assert codes == catalogue, f"{key}.{field} differs from parties.yaml: {codes ^ catalogue}"
