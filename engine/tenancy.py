"""Tenants are municipalities. Every row that belongs to a tenant carries its id, and every query
filters on it: an id from another tenant is indistinguishable from one that does not exist."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import BigInteger, String, select
from sqlalchemy.orm import Mapped, mapped_column

from .db.base import Base, JSONType, UTCDateTime
from .errors import NotFound
from .uow import UnitOfWork


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Overrides of the bundles' settings.yaml (periods, retention, …) for this municipality.
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # 'production' (a real municipality) or 'rehearsal' (an oefenomgeving whose clock can be moved,
    # engine/rehearsal.py). Set at creation and never changed.
    kind: Mapped[str] = mapped_column(String(20), default="production", server_default="production")
    # How far a rehearsal tenant's clock runs ahead of the system clock (microseconds; only grows).
    clock_offset_us: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


def get_tenant(uow: UnitOfWork, tenant_id: str) -> Tenant:
    tenant = uow.session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound(f"unknown tenant {tenant_id!r}")
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
