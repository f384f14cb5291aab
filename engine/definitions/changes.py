"""What changed between two versions of a process: files added, removed or edited, the BPMN/DMN
elements (by id) added, removed, renamed or changed (an attribute or property such as the form, the
role, the due date, the legal ground, a condition), the forms and the settings. The designer's
version list shows this next to each version, and before publishing the designer sees the draft's
changes against the newest version (`draft_changes`), so a deployment never surprises."""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml
from lxml import etree

from ..access import Actor
from ..bpmn.xml import UnsafeXml, parse_untrusted
from ..uow import UnitOfWork
from .designer import READERS
from .models import ProcessDefinition
from .service import list_definitions

BPMN_MODEL = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DMN_NAMESPACES = (
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
)
# Not elements a designer thinks of as "the model": containers, diagram and extension plumbing.
SKIPPED = {"definitions", "extensionElements", "documentation", "incoming", "outgoing", "text"}
MAX_PARSE_BYTES = 16 * 1024 * 1024
SETTINGS = "settings.yaml"


@dataclass(frozen=True)
class Element:
    file: str
    id: str
    kind: str
    name: str | None
    # What the engine reads of it besides the name: attributes, extension properties, conditions,
    # timers and scripts, as key → text (`signature`).
    attributes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FieldChange:
    """One attribute of an element: its value before and after; None where it was absent."""

    key: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class Changed:
    """An element whose attributes changed."""

    file: str
    id: str
    kind: str
    name: str | None
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True)
class SettingChange:
    key: str
    old: object
    new: object


@dataclass(frozen=True)
class Renamed:
    file: str
    id: str
    kind: str
    old: str | None
    new: str | None


@dataclass
class VersionChanges:
    version: int
    previous: int | None
    files_added: list[str] = field(default_factory=list)
    files_removed: list[str] = field(default_factory=list)
    files_changed: list[str] = field(default_factory=list)
    added: list[Element] = field(default_factory=list)
    removed: list[Element] = field(default_factory=list)
    renamed: list[Renamed] = field(default_factory=list)
    changed: list[Changed] = field(default_factory=list)
    settings: list[SettingChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.files_added
            or self.files_removed
            or self.files_changed
            or self.added
            or self.removed
            or self.renamed
            or self.changed
        )

    @property
    def forms(self) -> list[str]:
        """Forms added, removed or edited."""
        return sorted(
            f for f in self.files_added + self.files_removed + self.files_changed if f.startswith("forms/")
        )


@dataclass
class VersionEntry:
    definition: ProcessDefinition
    changes: VersionChanges


def model_elements(path: str, content: str) -> dict[str, Element]:
    """The identified elements of one BPMN or DMN file, by id (empty for other files or bad XML)."""
    if not path.endswith((".bpmn", ".dmn")):
        return {}
    try:
        tree = parse_untrusted(content.encode("utf-8"), path, MAX_PARSE_BYTES)
    except UnsafeXml:
        return {}
    found: dict[str, Element] = {}
    for node in tree.iter():
        if not isinstance(node.tag, str):
            continue  # comments and processing instructions
        qname = etree.QName(node)
        if qname.namespace != BPMN_MODEL and qname.namespace not in DMN_NAMESPACES:
            continue
        identifier = node.get("id")
        if not identifier or qname.localname in SKIPPED:
            continue
        name = node.get("name") or node.get("label")
        found[identifier] = Element(
            path, identifier, qname.localname, name.strip() if name else None, signature(node)
        )
    return found


def signature(node: etree._Element) -> tuple[tuple[str, str], ...]:
    """An element's attributes (but its id and name), its extension properties (`property:<name>`)
    and the text of its unidentified children (a condition, a timer, a script, a DMN cell), without
    descending into children that are elements of their own."""
    found: dict[str, str] = {}
    for key, value in node.attrib.items():
        local = etree.QName(key).localname
        if local not in {"id", "name", "label"}:
            found[local] = value
    stack = [child for child in node if isinstance(child.tag, str)]
    while stack:
        child = stack.pop()
        if child.get("id") and etree.QName(child).localname != "extensionElements":
            continue
        local = etree.QName(child).localname
        if local == "property" and child.get("name"):
            found[f"property:{child.get('name')}"] = child.get("value") or (child.text or "").strip()
        elif local not in SKIPPED and (child.text or "").strip():
            found[local] = " ".join((child.text or "").split())
        for key, value in child.attrib.items():
            attribute = etree.QName(key).localname
            if local not in {"property", "incoming", "outgoing"} and attribute != "id":
                found[f"{local}.{attribute}"] = value
        stack.extend(c for c in child if isinstance(c.tag, str))
    return tuple(sorted(found.items()))


def _changed_fields(old: Element, new: Element) -> tuple[FieldChange, ...]:
    before, after = dict(old.attributes), dict(new.attributes)
    return tuple(
        FieldChange(key, before.get(key), after.get(key))
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    )


def _settings(text: str | None) -> dict[str, object]:
    try:
        loaded = yaml.safe_load(text) if text else None
    except yaml.YAMLError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _settings_changes(old: str | None, new: str | None) -> list[SettingChange]:
    before, after = _settings(old), _settings(new)
    return [
        SettingChange(str(key), before.get(key), after.get(key))
        for key in sorted(set(before) | set(after), key=str)
        if before.get(key) != after.get(key)
    ]


def diff_files(
    old: dict[str, str], new: dict[str, str], version: int, previous: int | None
) -> VersionChanges:
    """Compare two versions' files (path → text)."""
    changes = VersionChanges(version=version, previous=previous)
    changes.files_added = sorted(set(new) - set(old))
    changes.files_removed = sorted(set(old) - set(new))
    changes.files_changed = sorted(p for p in set(old) & set(new) if old[p] != new[p])
    before: dict[str, Element] = {}
    after: dict[str, Element] = {}
    for path, content in old.items():
        if path in changes.files_changed or path in changes.files_removed:
            before.update(model_elements(path, content))
    for path, content in new.items():
        if path in changes.files_changed or path in changes.files_added:
            after.update(model_elements(path, content))
    changes.added = [after[i] for i in sorted(set(after) - set(before))]
    changes.removed = [before[i] for i in sorted(set(before) - set(after))]
    changes.renamed = [
        Renamed(after[i].file, i, after[i].kind, before[i].name, after[i].name)
        for i in sorted(set(before) & set(after))
        if before[i].name != after[i].name
    ]
    changes.changed = [
        Changed(after[i].file, i, after[i].kind, after[i].name, _changed_fields(before[i], after[i]))
        for i in sorted(set(before) & set(after))
        if before[i].attributes != after[i].attributes
    ]
    changes.settings = _settings_changes(old.get(SETTINGS), new.get(SETTINGS))
    return changes


def _files(definition: ProcessDefinition) -> dict[str, str]:
    return {f.path: f.content for f in definition.files}


def version_history(uow: UnitOfWork, actor: Actor, process_id: str) -> list[VersionEntry]:
    """Every version of a process, newest first, each with what changed since the version before it."""
    actor.require(*READERS)
    with uow:
        versions = list_definitions(uow, actor.tenant_id, process_id)  # newest first
        files = [_files(d) for d in versions]
    entries = []
    for index, definition in enumerate(versions):
        older = index + 1 < len(versions)
        changes = diff_files(
            files[index + 1] if older else {},
            files[index],
            definition.version,
            versions[index + 1].version if older else None,
        )
        entries.append(VersionEntry(definition, changes))
    return entries
