"""Splitting a form submission into personal data (facts) and the control data the process needs.

Forms mark personal data (docs/modelling.md):

- ``"x-subject": "client" | "reporter"`` on an object property: the object describes that person; its
  fields are facts about them and the process receives the subject's key instead of the object.
- ``"x-subject": "household_member"`` on an array of objects: each item is a household member; the
  process receives the list of their keys (``["lid-1", "lid-2"]``) to iterate over.
- ``"x-fact": {"category": …, "subject": …, "domain": …}`` on any other property: a fact about the
  subject named by ``subject`` (a key such as ``client``, or a task-data variable holding one); the
  process does not receive the value.

Unmarked top-level fields are control data (decisions, codes, dates) and go to the process.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

CLIENT = "client"
SUBJECT_KINDS = {"client", "reporter", "household_member"}
DEFAULT_CATEGORY = "general"


@dataclass
class SubjectDraft:
    key: str
    kind: str
    label: str


@dataclass
class FactDraft:
    subject_key: str
    field: str
    label: str | None
    category: str
    domain: str | None
    value: Any


@dataclass
class SplitSubmission:
    process_data: dict[str, Any] = field(default_factory=dict)
    subjects: list[SubjectDraft] = field(default_factory=list)
    facts: list[FactDraft] = field(default_factory=list)


def _leaves(
    value: Any, schema: Mapping[str, Any], path: str
) -> list[tuple[str, str | None, Any, Mapping[str, Any]]]:
    """(field path, label, value, property schema) for every leaf value of an object."""
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        found = []
        for key, item in value.items():
            sub = properties.get(key) or {}
            found.extend(_leaves(item, sub, f"{path}.{key}" if path else key))
        return found
    return [(path, schema.get("title"), value, schema)]


def _fact_meta(prop: Mapping[str, Any], inherited: Mapping[str, Any] | None = None) -> dict[str, Any]:
    meta = dict(inherited or {})
    own = prop.get("x-fact")
    if isinstance(own, dict):
        meta.update(own)
    return meta


def split_submission(
    schema: Mapping[str, Any],
    data: Mapping[str, Any],
    resolve_subject: Mapping[str, str],
    *,
    existing_members: int = 0,
) -> SplitSubmission:
    """Split `data` (already valid against `schema`).

    `resolve_subject` maps task-data variables to subject keys (e.g. {"gezinslid": "lid-2"}), so an
    ``x-fact`` with ``"subject": "gezinslid"`` lands on the right person. `existing_members` numbers new
    household members after those the procedure already has.
    """
    result = SplitSubmission()
    properties: Mapping[str, Any] = schema.get("properties") or {}
    for name, value in data.items():
        prop = properties.get(name) or {}
        subject_kind = prop.get("x-subject")
        if subject_kind in {"client", "reporter"} and isinstance(value, dict):
            key = CLIENT if subject_kind == "client" else "melder"
            result.subjects.append(SubjectDraft(key, subject_kind, "Cliënt" if key == CLIENT else "Melder"))
            result.process_data[name] = key
            _add_object_facts(result, key, value, prop)
        elif subject_kind == "household_member" and isinstance(value, list):
            keys = []
            for item in value:
                existing_members += 1
                key = f"lid-{existing_members}"
                keys.append(key)
                result.subjects.append(SubjectDraft(key, "household_member", f"Gezinslid {existing_members}"))
                if isinstance(item, dict):
                    _add_object_facts(result, key, item, prop.get("items") or {})
            result.process_data[name] = keys
        elif "x-fact" in prop:
            meta = _fact_meta(prop)
            reference = str(meta.get("subject") or CLIENT)
            subject_key = resolve_subject.get(reference, reference)
            for path, label, leaf, leaf_schema in _leaves(value, prop, name):
                leaf_meta = _fact_meta(leaf_schema, meta)
                result.facts.append(
                    FactDraft(
                        subject_key=subject_key,
                        field=path,
                        label=label or prop.get("title"),
                        category=str(leaf_meta.get("category") or DEFAULT_CATEGORY),
                        domain=leaf_meta.get("domain"),
                        value=leaf,
                    )
                )
        else:
            result.process_data[name] = value
    return result


def _add_object_facts(
    result: SplitSubmission, key: str, value: dict[str, Any], prop: Mapping[str, Any]
) -> None:
    inherited = _fact_meta(prop)
    for path, label, leaf, leaf_schema in _leaves(value, prop, ""):
        if leaf in (None, "", []):
            continue
        meta = _fact_meta(leaf_schema, inherited)
        result.facts.append(
            FactDraft(
                subject_key=key,
                field=path,
                label=label,
                category=str(meta.get("category") or DEFAULT_CATEGORY),
                domain=meta.get("domain"),
                value=leaf,
            )
        )
