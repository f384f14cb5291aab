"""Which version a procedure's next period runs on when it continues as new.

By default a procedure stays on the version it started with, period after period. A bundle whose
settings.yaml sets `continue_on_newest_version: true` (or a municipality overriding it in its own
settings) starts each next period on the newest deployed version of the entry process, if that
version still has the process the period continues into. Nothing of the ending period is moved:
the new period is a fresh workflow of the newer specs with the process data carried over, so no
migration plan is needed (docs/modelling.md, "Versions and migration")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..definitions.cache import LoadedDefinition, definition_cache
from ..definitions.service import get_version
from ..uow import UnitOfWork
from .models import ProcessInstance
from .stepper import NewerVersion

SETTING = "continue_on_newest_version"
TRUE = {"true", "yes", "ja", "1", "on"}


def enabled(settings: Mapping[str, Any]) -> bool:
    value = settings.get(SETTING)
    return value is True or (isinstance(value, str) and value.strip().lower() in TRUE)


def newest_for_continuation(
    uow: UnitOfWork, instance: ProcessInstance, definition: LoadedDefinition, settings: Mapping[str, Any]
) -> NewerVersion | None:
    """The lookup `stepper.advance` calls when a period continues as new (None: the setting is off).
    Settings are only read when a period actually ends, so a plain step costs nothing."""

    def newer(process_id: str) -> LoadedDefinition | None:
        if not enabled(settings):
            return None
        row = get_version(uow, instance.tenant_id, definition.process_id)
        if row.id == definition.id:
            return None
        loaded = definition_cache(uow).get(uow, row.id)
        return loaded if process_id in loaded.compiled.specs else None

    return newer
