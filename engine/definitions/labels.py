"""Names for the codes people would otherwise read, from the catalogues of a tenant's deployed bundles:
party codes (parties.yaml), legal grounds with law and article (legal-grounds.yaml), phases and English
names beside the Dutch ones (labels.yaml), and the titles of form choices (forms/*.json).

Pages ask for the labels of the reader's municipality once per request; the result is cached per
database for as long as no new version is deployed (versions are immutable).
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import yaml
from sqlalchemy import func, select

from ..uow import UnitOfWork
from .models import DefinitionFile, ProcessDefinition

LABELS_FILE = "labels.yaml"
MAX_CACHED = 64
_LOCK = threading.Lock()
# legal-grounds.yaml marks an article that is derived or not yet known with "te verifiëren" (or "nog vast
# te stellen"); such an article is not shown to workers as law.
_UNVERIFIED = re.compile(r"te verifi[eë]ren|nog vast te stellen", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class LegalGround:
    key: str
    law: str
    article: str
    description: str
    verified: bool

    @property
    def settled_description(self) -> str:
        """The description without the sentences about what still has to be verified."""
        sentences = _SENTENCE.split(self.description.strip())
        return " ".join(s for s in sentences if s and not _UNVERIFIED.search(s))

    @property
    def article_as_known(self) -> str:
        """The article without the "(te verifiëren)" remark; empty when nothing is known yet."""
        text = re.sub(r"\(?\s*te verifi[eë]ren\s*\)?", "", self.article, flags=re.IGNORECASE).strip(" ;,")
        return "" if not text or _UNVERIFIED.search(text) else text


@dataclass(frozen=True)
class Labels:
    parties: dict[str, str] = field(default_factory=dict)
    legal_grounds: dict[str, LegalGround] = field(default_factory=dict)
    # phase code → {"nl": …, "en": …}
    phases: dict[str, dict[str, str]] = field(default_factory=dict)
    # Dutch name in the models → English
    english: dict[str, str] = field(default_factory=dict)
    # form field name → choice value → title (the same field name has the same choices in every form)
    choices: dict[str, dict[str, str]] = field(default_factory=dict)

    def keys(self) -> set[str]:
        """Every code these labels name: what a page should never show as it is."""
        found = set(self.parties) | set(self.legal_grounds) | set(self.phases)
        for options in self.choices.values():
            found |= set(options)
        return found


def _ground(key: str, value: Any) -> LegalGround:
    value = value if isinstance(value, dict) else {}
    article = str(value.get("artikel") or "")
    description = str(value.get("omschrijving") or "")
    return LegalGround(
        key=key,
        law=str(value.get("wet") or ""),
        article=article,
        description=description,
        verified=not _UNVERIFIED.search(article),
    )


def _choices_of(node: Any, found: dict[str, dict[str, str]], name: str | None = None) -> None:
    if isinstance(node, list):
        for item in node:
            _choices_of(item, found, name)
        return
    if not isinstance(node, dict):
        return
    options = node.get("oneOf")
    if name and isinstance(options, list):
        for option in options:
            if isinstance(option, dict) and "const" in option and option.get("title"):
                found.setdefault(name, {}).setdefault(str(option["const"]), str(option["title"]))
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            for child_name, child in value.items():
                _choices_of(child, found, str(child_name))
        elif key == "items":
            _choices_of(value, found, name)
        elif isinstance(value, dict | list) and key not in {"if", "not", "const"}:
            _choices_of(value, found, name if key in {"allOf", "anyOf", "then", "else"} else None)


def _labels_file(text: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def _load(uow: UnitOfWork, tenant_id: str) -> Labels:
    labels = Labels()
    definitions = uow.session.execute(
        select(ProcessDefinition.id, ProcessDefinition.parties, ProcessDefinition.legal_grounds)
        .where(ProcessDefinition.tenant_id == tenant_id)
        .order_by(ProcessDefinition.id)
    ).all()
    for _, parties, grounds in definitions:  # newer versions override older ones
        for code, party in (parties or {}).items():
            name = party.get("name") if isinstance(party, dict) else None
            labels.parties[str(code)] = str(name or code)
        for key, value in (grounds or {}).items():
            labels.legal_grounds[str(key)] = _ground(str(key), value)
    ids = [row[0] for row in definitions]
    files = (
        uow.session.execute(
            select(DefinitionFile.path, DefinitionFile.content)
            .where(
                DefinitionFile.definition_id.in_(ids),
                (DefinitionFile.path == LABELS_FILE) | (DefinitionFile.kind == "form"),
            )
            .order_by(DefinitionFile.definition_id)
        ).all()
        if ids
        else []
    )
    for path, content in files:
        if path == LABELS_FILE:
            data = _labels_file(content)
            for code, names in (data.get("fasen") or {}).items():
                if isinstance(names, dict):
                    labels.phases[str(code)] = {str(k): str(v) for k, v in names.items()}
            labels.english.update({str(k): str(v) for k, v in (data.get("en") or {}).items()})
        else:
            try:
                _choices_of(json.loads(content), labels.choices)
            except ValueError:
                continue
    return labels


def tenant_labels(uow: UnitOfWork, tenant_id: str) -> Labels:
    """The labels of every version deployed for the tenant (the newest wins where they differ)."""
    newest = uow.session.execute(
        select(func.max(ProcessDefinition.id), func.count(ProcessDefinition.id)).where(
            ProcessDefinition.tenant_id == tenant_id
        )
    ).one()
    key = (tenant_id, newest[0], newest[1])
    cache: OrderedDict[Any, Labels] = uow.database.caches.setdefault("tenant_labels", OrderedDict())
    with _LOCK:
        found = cache.get(key)
    if found is not None:
        return found
    found = _load(uow, tenant_id)
    with _LOCK:
        cache[key] = found
        while len(cache) > MAX_CACHED:
            cache.popitem(last=False)
    return found


def display_names(uow: UnitOfWork, tenant_id: str) -> dict[str, str]:
    """Username → the name colleagues know the person by, for one municipality (not cached: accounts
    change without a deployment)."""
    from ..accounts.models import User

    rows = uow.session.execute(
        select(User.username, User.display_name).where(User.tenant_id == tenant_id)
    ).all()
    return {username: name or username for username, name in rows}
