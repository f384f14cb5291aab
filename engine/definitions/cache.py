"""Compiled definitions and forms, cached per database: deployed versions are immutable, so a
version's specs are deserialized once per process, not on every step."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from ..bpmn.state import CompiledDefinition, restore_specs
from ..errors import NotFound
from ..forms import Form, compile_form
from ..uow import UnitOfWork
from .models import DefinitionFile, ProcessDefinition

MAX_CACHED_DEFINITIONS = 128


@dataclass
class LoadedDefinition:
    id: int
    tenant_id: str
    process_id: str
    version: int
    compiled: CompiledDefinition
    settings: dict[str, Any]
    legal_grounds: dict[str, Any]
    summary: dict[str, Any]
    forms: dict[str, Form]
    parties: dict[str, Any]

    def form(self, key: str) -> Form:
        try:
            return self.forms[key]
        except KeyError:
            raise NotFound(f"form {key!r} is not part of definition version {self.version}") from None

    def start_form(self) -> Form | None:
        key = self.summary.get("processes", {}).get(self.process_id, {}).get("start_form")
        return self.form(key) if key else None


class DefinitionCache:
    def __init__(self, maxsize: int = MAX_CACHED_DEFINITIONS) -> None:
        self._items: OrderedDict[int, LoadedDefinition] = OrderedDict()
        self._lock = threading.Lock()
        self._maxsize = maxsize

    def get(self, uow: UnitOfWork, definition_id: int) -> LoadedDefinition:
        with self._lock:
            loaded = self._items.get(definition_id)
            if loaded is not None:
                self._items.move_to_end(definition_id)
                return loaded
        loaded = _load(uow, definition_id)
        with self._lock:
            self._items[definition_id] = loaded
            while len(self._items) > self._maxsize:
                self._items.popitem(last=False)
        return loaded


def definition_cache(uow: UnitOfWork) -> DefinitionCache:
    cache = uow.database.caches.get("definitions")
    if cache is None:
        cache = uow.database.caches.setdefault("definitions", DefinitionCache())
    return cache


def _load(uow: UnitOfWork, definition_id: int) -> LoadedDefinition:
    row = uow.session.get(ProcessDefinition, definition_id)
    if row is None:
        raise NotFound(f"definition {definition_id} does not exist")
    forms: dict[str, Form] = {}
    for file in uow.session.query(DefinitionFile).filter_by(definition_id=definition_id, kind="form"):
        key = file.path[len("forms/") : -len(".json")]
        forms[key] = compile_form(key, json.loads(file.content))
    return LoadedDefinition(
        id=row.id,
        tenant_id=row.tenant_id,
        process_id=row.process_id,
        version=row.version,
        compiled=restore_specs(row.spec_json),
        settings=dict(row.settings or {}),
        legal_grounds=dict(row.legal_grounds or {}),
        summary=dict(row.summary or {}),
        forms=forms,
        parties=dict(row.parties or {}),
    )
