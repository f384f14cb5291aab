"""A municipality's mapping of foreign group names (Camunda's `accounting`, Flowable's `managers`) to its
roles. Stored in the tenant's settings as ``roles.<group>`` (the same keys a bundle's settings.yaml may
carry as defaults), so deploy checks and the runtime read it where they read every other setting."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..access import Actor
from ..errors import FieldError, InvalidForm
from ..roles import ROLE_MAPPING_PREFIX, Role, role_from_name
from ..tenancy import get_tenant, update_tenant_settings
from ..uow import UnitOfWork

READERS = (Role.ADMIN, Role.PROCESS_DESIGNER, Role.MANAGER)
WRITERS = (Role.ADMIN, Role.PROCESS_DESIGNER)
MAX_GROUP_LENGTH = 200


def role_mapping(uow: UnitOfWork, actor: Actor) -> dict[str, str]:
    """Group → role key, as the municipality set it."""
    actor.require(*READERS)
    with uow:
        settings = get_tenant(uow, actor.tenant_id).settings or {}
    return _mapping(settings)


def _mapping(settings: Mapping[str, Any]) -> dict[str, str]:
    return {
        key[len(ROLE_MAPPING_PREFIX) :]: str(value)
        for key, value in sorted(settings.items())
        if key.startswith(ROLE_MAPPING_PREFIX)
    }


def set_role_mapping(uow: UnitOfWork, actor: Actor, mapping: Mapping[str, str]) -> dict[str, str]:
    """Replace the mapping. Each role may be written as its key or its Dutch name; it is stored as the key.
    Models deployed before keep their versions: the mapping applies to tasks that open from now on."""
    actor.require(*WRITERS)
    errors: list[FieldError] = []
    resolved: dict[str, str] = {}
    for group, role_name in mapping.items():
        group = group.strip()
        role = role_from_name(role_name)
        if not group or len(group) > MAX_GROUP_LENGTH:
            errors.append(
                FieldError(f"mapping.{group}", f"a group name of 1 to {MAX_GROUP_LENGTH} characters")
            )
        elif role is None:
            known = ", ".join(r.value for r in Role)
            errors.append(
                FieldError(f"mapping.{group}", f"{role_name!r} is no role (known: {known})", "unknown_role")
            )
        else:
            resolved[group] = role.value
    if errors:
        raise InvalidForm("the role mapping names unknown roles", errors)
    with uow:
        tenant = get_tenant(uow, actor.tenant_id)
        kept = {k: v for k, v in (tenant.settings or {}).items() if not k.startswith(ROLE_MAPPING_PREFIX)}
        tenant.settings = {**kept, **{f"{ROLE_MAPPING_PREFIX}{g}": r for g, r in resolved.items()}}
        update_tenant_settings(uow, actor.tenant_id, {})  # drops the cached settings once this commits
        uow.commit()
        return _mapping(tenant.settings)
