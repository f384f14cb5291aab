"""Municipalities: your own, and provisioning a new one with its first administrator (admin)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from engine import provisioning

from ..auth import current_actor
from ..schemas.tenants import ProvisionedTenantSchema, TenantCreateSchema, TenantSchema
from .common import errors, uow

blp = Blueprint("tenants", __name__, description="Municipalities (tenants) and provisioning")


@blp.route("/tenant", methods=["GET"])
@blp.response(200, TenantSchema)
@errors(blp)
def own_tenant() -> Any:
    """Your municipality: code, name and kind (production or rehearsal)."""
    return provisioning.own_tenant(uow(readonly=True), current_actor())


@blp.route("/tenants", methods=["POST"])
@blp.arguments(TenantCreateSchema())
@blp.response(201, ProvisionedTenantSchema)
@errors(blp, 403, 409, 422)
def create_tenant(body: dict[str, Any]) -> Any:
    """Create a municipality with its first administrator (admin). You get no account there: log in
    as the new administrator to work in it."""
    created = provisioning.provision_tenant(
        uow(),
        current_actor(),
        body["code"],
        body["name"],
        rehearsal=body["rehearsal"],
        admin=body["admin"],
    )
    return {"tenant": created.tenant, "admin": created.admin}
