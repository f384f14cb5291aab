"""The policy and party catalogue a procedure runs under: those of its definition version.

A deployed version is immutable, so its parsed policy is cached per database for the life of the
process (like compiled definitions). The policy is the version's `privacy-policy.yaml` (stored with
the version's files and part of its content hash), or the built-in default.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..definitions.cache import definition_cache
from ..definitions.models import DefinitionFile
from ..runtime.models import ProcessInstance
from ..uow import UnitOfWork
from .policy import POLICY_FILE, Policy
from .policy_file import DEFAULT_POLICY, load_policy_text

MAX_CACHED = 256
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Catalogue:
    definition_id: int
    process_id: str
    policy: Policy
    parties: dict[str, Any]
    legal_grounds: dict[str, Any]


def catalogue_for_definition(uow: UnitOfWork, definition_id: int) -> Catalogue:
    cache: OrderedDict[int, Catalogue] = uow.database.caches.setdefault("privacy_catalogues", OrderedDict())
    with _LOCK:
        found = cache.get(definition_id)
    if found is not None:
        return found
    loaded = definition_cache(uow).get(uow, definition_id)
    text = uow.session.scalar(
        select(DefinitionFile.content).where(
            DefinitionFile.definition_id == definition_id, DefinitionFile.path == POLICY_FILE
        )
    )
    # Validated at deploy time; a version deployed before it had a policy file gets the default.
    policy = load_policy_text(text) if text is not None else DEFAULT_POLICY
    found = Catalogue(
        definition_id=definition_id,
        process_id=loaded.process_id,
        policy=policy,
        parties=dict(getattr(loaded, "parties", None) or {}),
        legal_grounds=dict(loaded.legal_grounds or {}),
    )
    with _LOCK:
        cache[definition_id] = found
        while len(cache) > MAX_CACHED:
            cache.popitem(last=False)
    return found


def catalogue_for_procedure(uow: UnitOfWork, procedure_id: uuid.UUID) -> Catalogue:
    definition_id = uow.session.scalar(
        select(ProcessInstance.definition_id).where(ProcessInstance.id == procedure_id)
    )
    if definition_id is None:
        raise LookupError(f"no process instance {procedure_id}")
    return catalogue_for_definition(uow, definition_id)
