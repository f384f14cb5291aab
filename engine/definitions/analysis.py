"""Validate a bundle and compile its entry processes: everything `wams validate` and a deploy check.

The order matters: unsafe XML is refused before anything reads it; XSD errors are collected with
their lines; then SpiffWorkflow parses; then our own checks (forms, roles, gateways, expressions,
timers, DMN cells, calls). A bundle with any error compiles nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS as DMN_SCHEMAS
from SpiffWorkflow.spiff.parser.process import VALIDATOR as BPMN_VALIDATOR

from ..bpmn.manual_tasks import FORM as MANUAL_FORM
from ..bpmn.manual_tasks import FORM_KEY as MANUAL_FORM_KEY
from ..bpmn.manual_tasks import FORMLESS_SETTING, service_tasks_as_user_tasks, tasks_without_form
from ..bpmn.manual_tasks import SETTING as MANUAL_SETTING
from ..bpmn.parser import WamsBpmnParser, normalize_tree
from ..bpmn.state import CompiledDefinition, restore_specs, serialize_specs
from ..bpmn.xml import UnsafeXml, parse_untrusted
from ..errors import ModelIssue
from ..forms import schema_problems
from ..privacy.policy import POLICY_FILE, PolicyError
from ..privacy.policy_file import DEFAULT_POLICY, load_policy_text, policy_issues
from ..roles import role_from_name
from ..safe_json import UnsafeJson, load_json
from .bpmn_checks import BpmnContext, ProcessInfo, check_bpmn
from .bundle import Bundle
from .call_graph import call_cycles, closure_files, process_summary
from .call_graph import closure as closure_of
from .dmn_checks import check_dmn
from .foreign_forms import with_generated_forms
from .loop_checks import check_loops
from .privacy_proofs import check_privacy
from .soundness import check_soundness

SETTINGS_FILE = "settings.yaml"
LEGAL_GROUNDS_FILE = "legal-grounds.yaml"
PARTIES_FILE = "parties.yaml"
PARTY_FLAGS = ("medical_confidentiality", "enforcement_role", "may_process_special_categories")


@dataclass
class EntryProcess:
    process_id: str
    name: str
    compiled: CompiledDefinition
    files: dict[str, bytes]
    content_hash: str
    settings: dict[str, Any]
    legal_grounds: dict[str, Any]
    summary: dict[str, Any]
    parties: dict[str, Any] = field(default_factory=dict)


@dataclass
class BundleAnalysis:
    issues: list[ModelIssue] = field(default_factory=list)
    entries: dict[str, EntryProcess] = field(default_factory=dict)

    @property
    def errors(self) -> list[ModelIssue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors


def flatten_settings(data: Any, prefix: str = "") -> dict[str, Any]:
    """{"due": {"beoordeling": "P14D"}} → {"due.beoordeling": "P14D"}; lists and scalars are values."""
    if not isinstance(data, dict):
        return {prefix: data} if prefix else {}
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(flatten_settings(value, name))
        else:
            flat[name] = value
    return flat


def _xsd_issues(validator: etree.XMLSchema, tree: etree._ElementTree, filename: str) -> list[ModelIssue]:
    if validator.validate(tree):
        return []
    return [
        ModelIssue(
            filename, f"not valid BPMN/DMN: {error.message}", None, error.line, "fix the XML or re-save it"
        )
        for error in validator.error_log
    ]


_DMN_VALIDATORS: dict[str, etree.XMLSchema] = {}


def _dmn_validator(namespace: str | None) -> etree.XMLSchema | None:
    path = DMN_SCHEMAS.get(namespace or "")
    if path is None:
        return None
    if path not in _DMN_VALIDATORS:
        _DMN_VALIDATORS[path] = etree.XMLSchema(etree.parse(path))
    return _DMN_VALIDATORS[path]


def _load_yaml(bundle: Bundle, path: str, issues: list[ModelIssue]) -> dict[str, Any] | None:
    if path not in bundle.files:
        return None
    try:
        data = yaml.safe_load(bundle.files[path].decode("utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        issues.append(ModelIssue(path, f"not valid YAML: {exc}"))
        return None
    if not isinstance(data, dict):
        issues.append(ModelIssue(path, "the file must hold a mapping (key: value)"))
        return None
    return data


def _load_parties(bundle: Bundle, issues: list[ModelIssue]) -> dict[str, Any]:
    """The party catalogue (parties.yaml, under `partijen:`): code → name, domain and flags."""
    document = _load_yaml(bundle, PARTIES_FILE, issues)
    if document is None:
        return {}
    catalogue = document.get("partijen", document)
    parties: dict[str, Any] = {}
    for code, entry in (catalogue or {}).items():
        if not isinstance(entry, dict) or not entry.get("name") or not entry.get("domain"):
            problem = f"party {code!r} needs at least a name and a domain"
            issues.append(ModelIssue(PARTIES_FILE, problem, str(code)))
            continue
        bad = [flag for flag in PARTY_FLAGS if not isinstance(entry.get(flag, False), bool)]
        if bad:
            problem = f"party {code!r}: {', '.join(bad)} must be true or false"
            issues.append(ModelIssue(PARTIES_FILE, problem, str(code)))
            continue
        parties[str(code)] = {**{flag: False for flag in PARTY_FLAGS}, **entry}
    return parties


def _load_forms(bundle: Bundle, issues: list[ModelIssue]) -> tuple[set[str], dict[str, list[str]]]:
    keys: set[str] = set()
    problems: dict[str, list[str]] = {}
    for path in bundle.paths("form"):
        key = path[len("forms/") : -len(".json")]
        keys.add(key)
        try:
            schema = load_json(bundle.files[path])
        except UnsafeJson as exc:
            problems[key] = [f"not usable JSON: {exc}"]
            continue
        found = schema_problems(schema)
        if found:
            problems[key] = found
    return keys, problems


def analyze(
    bundle: Bundle,
    *,
    max_xml_bytes: int = 2 * 1024 * 1024,
    tenant_settings: Mapping[str, Any] | None = None,
) -> BundleAnalysis:
    """Every problem of `bundle` in one pass. `tenant_settings`: the municipality's overrides, of which
    the role mapping (``roles.<group>``) decides which foreign candidate groups are known."""
    result = BundleAnalysis()
    issues = result.issues
    if not bundle.paths("bpmn"):
        issues.append(ModelIssue("(bundle)", "the bundle has no .bpmn file"))
        return result

    settings_doc = _load_yaml(bundle, SETTINGS_FILE, issues) or {}
    settings = flatten_settings(settings_doc)
    grounds_doc = _load_yaml(bundle, LEGAL_GROUNDS_FILE, issues)
    parties = _load_parties(bundle, issues)
    issues.extend(policy_issues(bundle.files))  # privacy-policy.yaml (docs/privacy.md)
    bundle, generated_issues = with_generated_forms(bundle, max_xml_bytes)
    issues.extend(generated_issues)
    manual_role = _manual_role(settings, issues)
    formless = _opted_in(settings, FORMLESS_SETTING, issues)
    if manual_role:
        bundle = Bundle({**bundle.files, bundle.form_path(MANUAL_FORM_KEY): json.dumps(MANUAL_FORM).encode()})
    form_keys, form_problems = _load_forms(bundle, issues)
    context = BpmnContext(
        form_keys=form_keys,
        settings_keys=set(settings),
        legal_grounds=set(grounds_doc) if grounds_doc is not None else None,
        form_problems=form_problems,
        role_mapping={**settings, **flatten_settings(dict(tenant_settings or {}))},
    )

    parser = WamsBpmnParser()
    processes: dict[str, ProcessInfo] = {}
    roots: dict[str, etree._Element] = {}
    decisions_by_file: dict[str, set[str]] = {}
    for path in bundle.paths("bpmn") + bundle.paths("dmn"):
        try:
            tree = parse_untrusted(bundle.files[path], path, max_xml_bytes)
        except UnsafeXml as exc:
            issues.append(exc.issue)
            continue
        root = tree.getroot()
        is_dmn = path.endswith(".dmn")
        validator = (
            _dmn_validator(root.nsmap.get(None) or root.nsmap.get("dmn"))
            if is_dmn
            else BPMN_VALIDATOR.validator
        )
        if validator is None:
            issues.append(ModelIssue(path, "unknown DMN version (namespace)", hint="save as DMN 1.2 or 1.3"))
            continue
        xsd_issues = _xsd_issues(validator, tree, path)
        if xsd_issues:
            issues.extend(xsd_issues)
            continue
        try:
            if is_dmn:
                dmn_issues, decision_ids = check_dmn(tree, path)
                issues.extend(dmn_issues)
                decisions_by_file[path] = decision_ids
                parser.add_dmn_xml(root, filename=path)
            else:
                issues.extend(normalize_tree(root, path))
                if manual_role:  # the documented opt-in (docs/modelling.md, Other modelers)
                    issues.extend(service_tasks_as_user_tasks(root, path, manual_role))
                if formless:  # the same, for user tasks that take no data (docs/modelling.md)
                    issues.extend(tasks_without_form(root, path))
                roots[path] = root
                bpmn_issues, infos = check_bpmn(path, root, context)
                issues.extend(bpmn_issues)
                issues.extend(check_loops(path, root))
                issues.extend(check_soundness(path, root))  # docs/modelling.md, Proofs
                for info in infos:
                    if info.process_id in processes:
                        issues.append(
                            ModelIssue(
                                path,
                                f"process id {info.process_id!r} is also in {processes[info.process_id].file}",  # noqa: E501
                                info.process_id,
                                info.line,
                            )
                        )
                    processes[info.process_id] = info
                parser.add_bpmn_xml(root, filename=path)
        except ValidationException as exc:
            issues.append(_from_spiff(exc, path))

    known_decisions = set().union(*decisions_by_file.values()) if decisions_by_file else set()
    for info in processes.values():
        for called in sorted(info.calls | info.continues_into):
            if called not in processes:
                element, line = info.call_sites.get(called, (info.process_id, info.line))
                issues.append(
                    ModelIssue(
                        info.file,
                        f"process {called!r} is called or continued into but is not in the bundle",
                        element,
                        line,
                        "add the BPMN file that defines it, or fix calledElement",
                    )
                )
        for decision in sorted(info.decisions - known_decisions):
            issues.append(
                ModelIssue(
                    info.file,
                    f"decision {decision!r} is not in any DMN file of the bundle",
                    info.process_id,
                    info.line,
                )
            )
    for cycle in call_cycles(processes):
        first = processes[cycle[0]]
        issues.append(
            ModelIssue(
                first.file,
                f"call activities form a cycle ({' → '.join(cycle)}): each round nests the process one level "
                "deeper, so it never ends and its history never stops growing",
                first.process_id,
                first.line,
                hint="repeat with a loop back to an earlier task, or end with continueAs",
            )
        )
    if len(roots) == len(bundle.paths("bpmn")):  # with a file unread, every path into it is unknown
        has_parties = PARTIES_FILE in bundle.files
        forms, special = form_schemas(bundle), special_categories(bundle)
        issues.extend(check_privacy(roots, processes, forms, special, has_parties))
    if result.errors:  # warnings (an ignored variable mapping, a converted service task) do not stop it
        return result

    # A process that only continues into itself (a periodic loop) is still an entry process.
    referenced = set().union(*((p.calls | p.continues_into) - {p.process_id} for p in processes.values()))
    entries = [p for p in processes.values() if p.executable and p.process_id not in referenced]
    if not entries:
        issues.append(ModelIssue("(bundle)", 'no entry process: mark the main process isExecutable="true"'))
        return result

    for entry in entries:
        compiled = _compile_entry(entry.process_id, processes, parser, issues)
        if compiled is None:
            continue
        closure = closure_of(entry.process_id, processes)
        files = closure_files(bundle, closure, processes, decisions_by_file)
        result.entries[entry.process_id] = EntryProcess(
            process_id=entry.process_id,
            name=entry.name,
            compiled=compiled,
            files=files,
            content_hash=Bundle.content_hash(files.items()),
            settings=settings,
            legal_grounds=grounds_doc or {},
            summary=process_summary(entry.process_id, closure, processes),
            parties=parties,
        )
    return result


def form_schemas(bundle: Bundle) -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for path in bundle.paths("form"):
        try:
            schemas[path[len("forms/") : -len(".json")]] = load_json(bundle.files[path])
        except UnsafeJson:
            continue  # reported with the form
    return schemas


def special_categories(bundle: Bundle) -> frozenset[str]:
    """The special categories of the bundle's privacy policy (the default's when it has none or a
    broken one, which is reported on its own)."""
    content = bundle.files.get(POLICY_FILE)
    if content is None:
        return DEFAULT_POLICY.special
    try:
        return load_policy_text(content.decode("utf-8")).special
    except (PolicyError, yaml.YAMLError, UnicodeDecodeError, AttributeError, TypeError):
        return DEFAULT_POLICY.special


def _manual_role(settings: dict[str, Any], issues: list[ModelIssue]) -> str | None:
    value = settings.get(MANUAL_SETTING)
    if not value:
        return None
    role = role_from_name(str(value))
    if role is None:
        issues.append(ModelIssue(SETTINGS_FILE, f"{MANUAL_SETTING}: {value!r} is not a role", MANUAL_SETTING))
        return None
    return role.value


def _opted_in(settings: dict[str, Any], name: str, issues: list[ModelIssue]) -> bool:
    value = settings.get(name)
    if value is not None and not isinstance(value, bool):
        issues.append(ModelIssue(SETTINGS_FILE, f"{name}: {value!r} is not true or false", name))
    return value is True


def _from_spiff(exc: ValidationException, path: str) -> ModelIssue:
    line = exc.line_number if isinstance(exc.line_number, int) else None
    message = str(exc.args[0]) if exc.args else str(exc)
    return ModelIssue(exc.file_name or path, message, exc.id or None, line)


def _compile_entry(
    entry: str, processes: dict[str, ProcessInfo], parser: WamsBpmnParser, issues: list[ModelIssue]
) -> CompiledDefinition | None:
    try:
        specs: dict[str, Any] = {}
        for pid in closure_of(entry, processes):
            if pid in specs:
                continue
            specs[pid] = parser.get_spec(pid)
            specs.update(parser.get_subprocess_specs(pid))
        compiled = CompiledDefinition(entry_process_id=entry, specs=specs)
        # Prove the stored form restores before anything is deployed.
        restore_specs(serialize_specs(compiled))
    except ValidationException as exc:
        issues.append(_from_spiff(exc, processes[entry].file))
        return None
    return compiled
