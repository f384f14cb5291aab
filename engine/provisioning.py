"""Provisioning: a municipality and its first administrator, from the command line (an operator with
database access) or from the admin API (an administrator acting for a shared service centre).

Each function here is one command: it opens the unit of work and commits once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .access import Actor
from .accounts.models import User
from .accounts.service import IssuedToken, add_token, add_user
from .errors import Conflict, DomainError, NotFound
from .roles import Role
from .tenancy import Tenant, add_tenant, get_tenant
from .uow import UnitOfWork


def create_tenant(uow: UnitOfWork, code: str, name: str, *, rehearsal: bool = False) -> Tenant:
    """A new municipality (`wams tenant create`)."""
    with uow:
        tenant = add_tenant(uow, code, name, rehearsal=rehearsal)
        _commit(uow, f"the tenant {code!r} exists already", "code")
        return tenant


def create_account(uow: UnitOfWork, tenant_id: str, username: str, **fields: Any) -> User:
    """A local account in `tenant_id` (`wams user create`): the operator at the console is trusted,
    so no actor; the tenant must exist."""
    with uow:
        get_tenant(uow, tenant_id)
        user = add_user(uow, tenant_id, username, **fields)
        _commit(uow, f"the username {username!r} is taken", "username")
        return user


def issue_console_token(uow: UnitOfWork, username: str, name: str) -> IssuedToken:
    """An API token for an account, issued at the console (`wams token create`)."""
    with uow:
        user = uow.session.scalar(select(User).where(User.username == username.strip()))
        if user is None or not user.active:
            raise NotFound(f"there is no active account {username!r}", field="username")
        issued = add_token(uow, user, name, created_by="console")
        uow.commit()
        return issued


@dataclass(frozen=True)
class ProvisionedTenant:
    tenant: Tenant
    admin: User


def provision_tenant(
    uow: UnitOfWork,
    actor: Actor,
    code: str,
    name: str,
    *,
    rehearsal: bool,
    admin: dict[str, Any],
) -> ProvisionedTenant:
    """The admin API: a new municipality together with its first administrator, in one transaction.
    The caller gets no account there; tenants never see each other."""
    actor.require(Role.ADMIN)
    with uow:
        tenant = add_tenant(uow, code, name, rehearsal=rehearsal)
        fields = {k: v for k, v in admin.items() if k != "username"}
        try:
            user = add_user(uow, tenant.id, admin["username"], roles=[Role.ADMIN], **fields)
        except DomainError as exc:  # name the field as the caller sent it: inside `admin`
            if "field" in exc.details:
                exc.details["field"] = f"admin.{exc.details['field']}"
            raise
        _commit(uow, f"the tenant {code!r} or the username {admin['username']!r} exists already", "code")
        return ProvisionedTenant(tenant, user)


def own_tenant(uow: UnitOfWork, actor: Actor) -> Tenant:
    with uow:
        return get_tenant(uow, actor.tenant_id)


def _commit(uow: UnitOfWork, message: str, field: str) -> None:
    """Commit; a concurrent creation of the same key loses with a `Conflict`, not a driver error."""
    try:
        uow.commit()
    except IntegrityError as exc:
        raise Conflict(message, field=field) from exc
