"""What the designer's properties panel offers to pick from, for one version of a process: the role
catalogue, the version's forms, its legal grounds (law and article), the settings a due date may name,
its phases and the processes a `continueAs` may continue into; and the element templates of the repo
(the Wams building blocks, Camunda element-template JSON).

The panel only proposes: the deploy-time checks (analysis.py) decide what is deployable."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ..access import Actor
from ..roles import DUTCH_NAMES, Role
from ..tenancy import tenant_settings
from ..uow import UnitOfWork
from .analysis import flatten_settings
from .designer import READERS
from .labels import LABELS_FILE, _ground
from .models import ProcessDefinition

FORM_PREFIX = "forms/"
# Where Camunda Modeler desktop looks for a project's templates (next to the diagrams, or above).
TEMPLATES_FOLDER = ".camunda/element-templates"
# Roles a user task may be for (designers and administrators do not work procedures).
TASK_ROLES = tuple(role for role in Role if role not in (Role.PROCESS_DESIGNER, Role.ADMIN))


def form_key(path: str) -> str | None:
    if path.startswith(FORM_PREFIX) and path.endswith(".json"):
        return path[len(FORM_PREFIX) : -len(".json")]
    return None


def version_form(definition: ProcessDefinition, key: str) -> dict[str, Any] | None:
    """The JSON Schema of form `key` in this version, or None."""
    for file in definition.files:
        if form_key(file.path) == key:
            try:
                schema = json.loads(file.content)
            except ValueError:
                return None
            return schema if isinstance(schema, dict) else None
    return None


def _forms(definition: ProcessDefinition) -> list[dict[str, str]]:
    forms = []
    for file in definition.files:
        key = form_key(file.path)
        if key is None:
            continue
        try:
            title = json.loads(file.content).get("title")
        except (ValueError, AttributeError):
            title = None
        forms.append({"key": key, "title": str(title or key)})
    return sorted(forms, key=lambda f: f["key"])


def _phases(definition: ProcessDefinition) -> list[dict[str, str]]:
    for file in definition.files:
        if file.path == LABELS_FILE:
            try:
                data = yaml.safe_load(file.content) or {}
            except yaml.YAMLError:
                return []
            phases = data.get("fasen") if isinstance(data, dict) else None
            if isinstance(phases, dict):
                return [
                    {"key": str(code), "name": str((names or {}).get("nl") or code)}
                    for code, names in phases.items()
                    if isinstance(names, dict) or names is None
                ]
    return []


def panel_catalogue(definition: ProcessDefinition, tenant_overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The pickers' contents for the modeler of `definition` (JSON-ready)."""
    settings = {**flatten_settings(definition.settings or {}), **flatten_settings(dict(tenant_overrides))}
    grounds = [_ground(str(key), value) for key, value in (definition.legal_grounds or {}).items()]
    processes = sorted((definition.summary or {}).get("processes", {}) or {})
    return {
        "roles": [{"key": role.value, "name": DUTCH_NAMES[role]} for role in TASK_ROLES],
        "forms": _forms(definition),
        "legalGrounds": [
            {
                "key": g.key,
                "law": g.law,
                "article": g.article,
                "verified": g.verified,
                "description": g.description,
            }
            for g in sorted(grounds, key=lambda g: g.key)
        ],
        # Every setting a `config:<key>` due date may name, with its value (the panel shows it).
        "settings": {key: str(value) for key, value in sorted(settings.items()) if isinstance(value, str)},
        "phases": _phases(definition),
        "processes": processes,
    }


def designer_catalogue(uow: UnitOfWork, actor: Actor, definition: ProcessDefinition) -> dict[str, Any]:
    """The panel's catalogue for the reader's municipality (its own settings included)."""
    actor.require(*READERS)
    with uow:
        overrides = tenant_settings(uow, actor.tenant_id)
    return panel_catalogue(definition, overrides)


def element_templates(workflows_path: Path) -> list[dict[str, Any]]:
    """The element templates in `<workflows>/.camunda/element-templates/*.json` (each file one template or a
    list of them), sorted by name; a file that is not JSON is skipped (the schema test guards them)."""
    folder = workflows_path / TEMPLATES_FOLDER
    templates: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        templates.extend(t for t in (data if isinstance(data, list) else [data]) if isinstance(t, dict))
    return sorted(templates, key=lambda t: str(t.get("name", "")))
