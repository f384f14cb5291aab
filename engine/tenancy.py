"""Tenants are municipalities. Every row that belongs to a tenant carries its id, and every query
filters on it: an id from another tenant is indistinguishable from one that does not exist."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, select
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


def get_tenant(uow: UnitOfWork, tenant_id: str) -> Tenant:
    tenant = uow.session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound(f"unknown tenant {tenant_id!r}")
    return tenant


def ensure_tenant(uow: UnitOfWork, tenant_id: str, name: str) -> Tenant:
    tenant = uow.session.get(Tenant, tenant_id)
    if tenant is None:
        tenant = Tenant(id=tenant_id, name=name, settings={}, created_at=uow.now())
        uow.session.add(tenant)
    return tenant


def list_tenants(uow: UnitOfWork) -> list[Tenant]:
    return list(uow.session.scalars(select(Tenant).order_by(Tenant.id)))
