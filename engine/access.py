"""Who is acting: the `Actor` every command and query receives, and the basic access rules.

The web layer authenticates (session, bearer token, OIDC) and builds an Actor; everything below works
with the Actor only. Deny by default: a rule not written here does not allow anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import NotAuthorized
from .roles import Role


@dataclass(frozen=True)
class Actor:
    username: str
    tenant_id: str
    roles: frozenset[Role] = field(default_factory=frozenset)
    # The party (organisation code, e.g. "ggz_zuidstad") a party contact or medical professional acts for.
    party: str | None = None
    display_name: str | None = None

    def has(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)

    def require(self, *roles: Role) -> None:
        if not self.has(*roles):
            raise NotAuthorized(
                "this action needs one of the roles: " + ", ".join(r.value for r in roles),
                required=[r.value for r in roles],
            )


SYSTEM_ACTOR_NAME = "system"
