"""Tenants are municipalities. Every row that belongs to a tenant carries its id, and every query
filters on it: an id from another tenant is indistinguishable from one that does not exist."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from sqlalchemy import BigInteger, String, select
from sqlalchemy.orm import Mapped, mapped_column

from .db.base import Base, JSONType, UTCDateTime
from .errors import Conflict, InvalidInput, NotFound
from .uow import UnitOfWork


class TenantKind(StrEnum):
    """A production municipality handles real cases; a rehearsal one is for practice and training
    (its own data and its own clock, engine/rehearsal.py), never mixed with production."""

    PRODUCTION = "production"
    REHEARSAL = "rehearsal"


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Overrides of the bundles' settings.yaml (periods, retention, …) for this municipality.
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # 'production' (a real municipality) or 'rehearsal' (an oefenomgeving whose clock can be moved,
    # engine/rehearsal.py). Set at creation and never changed.
    kind: Mapped[str] = mapped_column(
        String(16), default=TenantKind.PRODUCTION.value, server_default=TenantKind.PRODUCTION.value
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # How far a rehearsal tenant's clock runs ahead of the system clock (microseconds; only grows).
    clock_offset_us: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


def get_tenant(uow: UnitOfWork, tenant_id: str) -> Tenant:
    tenant = uow.session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound(f"the tenant {tenant_id!r} does not exist", field="tenant")
    return tenant


# A tenant code appears in usernames, URLs and logs: lower-case letters, digits, '-' and '_'.
TENANT_CODE = re.compile(r"[a-z][a-z0-9_-]{1,63}")


def add_tenant(uow: UnitOfWork, code: str, name: str, *, rehearsal: bool = False) -> Tenant:
    """Create a municipality inside the caller's unit of work; its code must be new."""
    code, name = code.strip(), name.strip()
    if not TENANT_CODE.fullmatch(code):
        raise InvalidInput(
            "a tenant code is 2 to 64 lower-case letters, digits, '-' or '_', starting with a letter",
            field="code",
        )
    if not name or len(name) > 200:
        raise InvalidInput("a tenant name is 1 to 200 characters", field="name")
    if uow.session.get(Tenant, code) is not None:
        raise Conflict(f"the tenant {code!r} exists already", field="code")
    kind = TenantKind.REHEARSAL if rehearsal else TenantKind.PRODUCTION
    tenant = Tenant(id=code, name=name, settings={}, kind=kind.value, created_at=uow.now(), clock_offset_us=0)
    uow.session.add(tenant)
    uow.flush()
    return tenant


def ensure_tenant(uow: UnitOfWork, tenant_id: str, name: str, *, kind: str = "production") -> Tenant:
    tenant = uow.session.get(Tenant, tenant_id)
    if tenant is None:
        tenant = Tenant(
            id=tenant_id, name=name, settings={}, created_at=uow.now(), kind=kind, clock_offset_us=0
        )
        uow.session.add(tenant)
    return tenant


# How long a process trusts what it read of a tenant's settings. Settings change rarely (an
# administrator adjusting a period); reading them on every engine step would cost a query a step.
# A change made through `update_tenant_settings` takes effect at once in the process that made it.
SETTINGS_TTL_SECONDS = 10.0


def tenant_settings(uow: UnitOfWork, tenant_id: str) -> Mapping[str, Any]:
    """The tenant's own settings (overrides of the bundles' settings.yaml), read at most every few
    seconds per process."""
    cache: dict[str, tuple[float, Mapping[str, Any]]] = uow.database.caches.setdefault("tenant_settings", {})
    now = time.monotonic()
    entry = cache.get(tenant_id)
    if entry is not None and now - entry[0] < SETTINGS_TTL_SECONDS:
        return entry[1]
    tenant = uow.session.get(Tenant, tenant_id)
    settings: Mapping[str, Any] = MappingProxyType(dict((tenant.settings or {}) if tenant else {}))
    cache[tenant_id] = (now, settings)
    return settings


def update_tenant_settings(uow: UnitOfWork, tenant_id: str, values: Mapping[str, Any]) -> Tenant:
    """Merge `values` into the tenant's settings (inside the caller's unit of work)."""
    tenant = get_tenant(uow, tenant_id)
    tenant.settings = {**(tenant.settings or {}), **values}
    cache: dict[str, Any] = uow.database.caches.setdefault("tenant_settings", {})
    uow.after_commit(lambda: cache.pop(tenant_id, None))
    return tenant


def list_tenants(uow: UnitOfWork) -> list[Tenant]:
    return list(uow.session.scalars(select(Tenant).order_by(Tenant.id)))
