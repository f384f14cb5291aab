"""OIDC: turning an identity provider's claims into a Wams account.

The mapping is configuration (`WAMS_OIDC_ROLES_CLAIM`, `WAMS_OIDC_TENANT_CLAIM`, `WAMS_OIDC_PARTY_CLAIM`):
- roles: a list or a space/comma-separated string; each entry is a role key or its Dutch name
  (`beoordelaar`, `Coördinator`, …; see `engine.roles`); names that are no Wams role are ignored;
- tenant: the municipality id (`zuidstad`); it must exist;
- party: the party code for party contacts and medical professionals.
A claim name may be a dotted path into nested claims (`realm_access.roles`). Deny by default: no
tenant or no Wams role means no login. The account is created on the first login and its roles,
party and name follow the identity provider on every later login.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..errors import NotAuthorized
from ..roles import Role, role_from_name
from ..tenancy import Tenant
from ..uow import UnitOfWork
from .models import User
from .service import Login, actor_of, is_email


@dataclass(frozen=True)
class ClaimMapping:
    roles_claim: str = "roles"
    tenant_claim: str = "gemeente"
    party_claim: str = "partij"


@dataclass(frozen=True)
class OidcIdentity:
    issuer: str
    subject: str
    username: str
    display_name: str
    tenant_id: str
    roles: frozenset[Role]
    party: str | None
    email: str | None = None


def _claim(claims: Mapping[str, Any], path: str) -> Any:
    value: Any = claims
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _names(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in re.split(r"[\s,]+", value) if v]
    if isinstance(value, list | tuple):
        return [str(v) for v in value if isinstance(v, str | int)]
    return []


def identity_from_claims(claims: Mapping[str, Any], mapping: ClaimMapping) -> OidcIdentity:
    subject = claims.get("sub")
    issuer = claims.get("iss") or ""
    if not isinstance(subject, str) or not subject:
        raise NotAuthorized("the identity provider sent no subject (sub)")
    tenant = _claim(claims, mapping.tenant_claim)
    if not isinstance(tenant, str) or not tenant.strip():
        raise NotAuthorized(f"the identity provider sent no municipality (claim {mapping.tenant_claim!r})")
    roles = frozenset(
        r for r in (role_from_name(n) for n in _names(_claim(claims, mapping.roles_claim))) if r
    )
    if not roles:
        raise NotAuthorized(f"no Wams role in claim {mapping.roles_claim!r}")
    party = _claim(claims, mapping.party_claim)
    party = party.strip() if isinstance(party, str) and party.strip() else None
    if roles & {Role.PARTY_CONTACT, Role.MEDICAL_PROFESSIONAL} and party is None:
        raise NotAuthorized(f"a party role needs a party (claim {mapping.party_claim!r})")
    username = next(
        (str(claims[k]) for k in ("preferred_username", "email") if isinstance(claims.get(k), str)), subject
    )
    display = claims.get("name") if isinstance(claims.get("name"), str) else username
    claimed = claims.get("email")
    email = claimed.strip() if isinstance(claimed, str) and is_email(claimed.strip()) else None
    return OidcIdentity(str(issuer), subject, username, str(display), tenant.strip(), roles, party, email)


def oidc_login(uow: UnitOfWork, claims: Mapping[str, Any], mapping: ClaimMapping) -> Login:
    """Create or update the account for these claims and return the login."""
    identity = identity_from_claims(claims, mapping)
    with uow:
        if uow.session.get(Tenant, identity.tenant_id) is None:
            raise NotAuthorized(f"municipality {identity.tenant_id!r} is not known here")
        user = uow.session.scalar(
            select(User).where(User.oidc_issuer == identity.issuer, User.oidc_subject == identity.subject)
        )
        now = uow.now()
        if user is None:
            username = identity.username
            if uow.session.scalar(select(User.id).where(User.username == username)) is not None:
                username = f"{username}#{identity.subject[:40]}"
            user = User(
                username=username,
                password_hash=None,
                oidc_issuer=identity.issuer,
                oidc_subject=identity.subject,
                session_epoch=1,
                created_at=now,
            )
            uow.session.add(user)
        elif not user.active:
            raise NotAuthorized("this account is disabled")
        elif user.tenant_id != identity.tenant_id:
            user.session_epoch += 1  # moving municipality ends sessions held in the old one
        user.tenant_id = identity.tenant_id
        user.display_name = identity.display_name
        user.roles = sorted(r.value for r in identity.roles)
        user.party = identity.party
        if identity.email:  # an address an admin set stays when the provider sends none
            user.email = identity.email
        user.active = True
        user.updated_at = now
        uow.flush()
        login = Login(user.id, user.session_epoch, actor_of(user))
        uow.commit()
    return login
