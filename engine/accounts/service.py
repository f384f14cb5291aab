"""Commands and queries on accounts: users, passwords, API tokens, and turning a credential into an
`Actor` cheaply on every request."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from ..access import Actor
from ..errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from ..monitoring.metrics import SECURITY_EVENTS
from ..roles import Role
from ..tenancy import get_tenant
from ..uow import UnitOfWork
from . import throttle
from .models import ApiToken, User
from .passwords import MIN_LENGTH, hash_password, verify_password
from .throttle import LOGIN_FAILURES_ALLOWED, LOGIN_WINDOW_SECONDS, TooManyAttempts

__all__ = ["LOGIN_FAILURES_ALLOWED", "LOGIN_WINDOW_SECONDS", "TooManyAttempts"]

TOKEN_PREFIX = "wams_"  # noqa: S105 - a prefix, not a secret

# Every request reads its credential from the database: a revoked token, a disabled account or a
# changed password is refused at once by every worker process (no per-process cache to wait out).


def parse_roles(names: Iterable[str]) -> frozenset[Role]:
    roles = set()
    for name in names:
        try:
            roles.add(Role(name))
        except ValueError:
            raise InvalidInput(f"unknown role {name!r}", field="roles") from None
    return frozenset(roles)


def actor_of(user: User) -> Actor:
    return _actor(user.username, user.tenant_id, user.roles, user.party, user.display_name)


# --- users ----------------------------------------------------------------------------------------

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def is_email(value: str) -> bool:
    """A plausible address (one @, a dot in the domain, no spaces, at most 320 characters); whether
    it reaches anyone only the mail server can tell."""
    return len(value) <= 320 and _EMAIL.fullmatch(value) is not None


def add_user(
    uow: UnitOfWork,
    tenant_id: str,
    username: str,
    *,
    roles: Iterable[str | Role],
    password: str | None = None,
    party: str | None = None,
    display_name: str | None = None,
    email: str | None = None,
) -> User:
    """Create a local account inside the caller's unit of work (seeding, the CLI, `create_user`)."""
    username = username.strip()
    email = email.strip() if email else None
    if email is not None and not is_email(email):
        raise InvalidInput("not an e-mail address", field="email")
    if not username or len(username) > 200:
        raise InvalidInput("a username is 1 to 200 characters", field="username")
    role_set = parse_roles(str(r) for r in roles)
    if role_set & {Role.PARTY_CONTACT, Role.MEDICAL_PROFESSIONAL} and not party:
        raise InvalidInput("a party contact or medical professional is bound to a party", field="party")
    if password is not None and len(password) < MIN_LENGTH:
        raise InvalidInput(f"a password has at least {MIN_LENGTH} characters", field="password")
    get_tenant(uow, tenant_id)
    if uow.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"the username {username!r} is taken", field="username")
    now = uow.now()
    user = User(
        tenant_id=tenant_id,
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password) if password else None,
        roles=sorted(r.value for r in role_set),
        party=party,
        email=email,
        active=True,
        session_epoch=1,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(user)
    uow.flush()
    return user


def create_user(uow: UnitOfWork, actor: Actor, username: str, **fields: Any) -> User:
    """The admin command: a new account in the admin's own municipality."""
    actor.require(Role.ADMIN)
    with uow:
        user = add_user(uow, actor.tenant_id, username, **fields)
        try:
            uow.commit()
        except IntegrityError as exc:
            raise Conflict(f"the username {username!r} is taken", field="username") from exc
        return user


def list_users(uow: UnitOfWork, actor: Actor, *, role: str | None = None) -> list[User]:
    """Who works in the municipality (for assigning work): managers, coordinators and admins."""
    actor.require(Role.ADMIN, Role.MANAGER, Role.COORDINATOR)
    with uow:
        users = list(
            uow.session.scalars(
                select(User)
                .where(User.tenant_id == actor.tenant_id, User.active.is_(True))
                .order_by(User.username)
            )
        )
    return [u for u in users if role is None or role in (u.roles or [])]


def find_user(uow: UnitOfWork, tenant_id: str, username: str) -> User:
    """An active user of the tenant (inside an open unit of work); another tenant's is `NotFound`."""
    user = uow.session.scalar(select(User).where(User.username == username))
    if user is None or user.tenant_id != tenant_id or not user.active:
        raise NotFound(f"user {username!r} not found", field="username")
    return user


def set_password(uow: UnitOfWork, actor: Actor, current: str, new: str) -> None:
    if len(new) < MIN_LENGTH:
        raise InvalidInput(f"a password has at least {MIN_LENGTH} characters", field="password")
    with uow:
        user = uow.session.scalar(select(User).where(User.username == actor.username))
        if user is None or not verify_password(current, user.password_hash):
            raise NotAuthenticated("the current password is not right")
        user.password_hash = hash_password(new)
        user.session_epoch += 1
        user.updated_at = uow.now()
        uow.commit()


# --- logging in -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Login:
    user_id: int
    session_epoch: int
    actor: Actor


def login(uow: UnitOfWork, username: str, password: str) -> Login:
    """Check a password. The same error for an unknown user, a wrong password and a disabled account.

    The password is checked outside any transaction (scrypt takes tens of milliseconds, and a writer
    on SQLite would hold the database's write lock that long); `uow` then records a failure, or
    clears the failures on record after a success."""
    name = username.strip()
    with UnitOfWork(uow.database, uow.clock, readonly=True) as reader:
        try:
            on_record = throttle.check(reader.session, name, reader.now())
        except TooManyAttempts:
            SECURITY_EVENTS.labels("login_blocked").inc()
            raise
        user = reader.session.scalar(select(User).where(User.username == name))
    valid = verify_password(password, user.password_hash if user else None)
    if user is None or not valid or not user.active:
        with uow:
            throttle.record_failure(uow.session, name, uow.now())
            uow.commit()
        SECURITY_EVENTS.labels("login_failed").inc()
        raise NotAuthenticated("unknown username or wrong password")
    if on_record:
        with uow:
            throttle.clear(uow.session, name)
            uow.commit()
    return Login(user.id, user.session_epoch, actor_of(user))


# --- tokens ---------------------------------------------------------------------------------------


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


def add_token(
    uow: UnitOfWork,
    user: User,
    name: str,
    *,
    created_by: str | None,
    expires_at: datetime | None = None,
    secret: str | None = None,
) -> IssuedToken:
    """Issue a token inside the caller's unit of work. `secret` is for reproducible demo tokens only."""
    secret = secret or TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        tenant_id=user.tenant_id,
        user_id=user.id,
        name=name.strip()[:200] or "token",
        token_hash=hash_token(secret),
        prefix=secret[:12],
        created_at=uow.now(),
        created_by=created_by,
        expires_at=expires_at,
    )
    uow.session.add(token)
    uow.flush()
    return IssuedToken(token, secret)


def issue_token(
    uow: UnitOfWork,
    actor: Actor,
    name: str,
    *,
    username: str | None = None,
    expires_at: datetime | None = None,
) -> IssuedToken:
    """A token for yourself, or (admin) for another account of your municipality."""
    with uow:
        if username and username != actor.username:
            actor.require(Role.ADMIN)
        user = find_user(uow, actor.tenant_id, username or actor.username)
        if expires_at is not None and expires_at <= uow.now():
            raise InvalidInput("the expiry lies in the past", field="expires_at")
        issued = add_token(uow, user, name, created_by=actor.username, expires_at=expires_at)
        uow.commit()
        return issued


def list_tokens(uow: UnitOfWork, actor: Actor) -> list[ApiToken]:
    """Your own tokens; an admin sees every token of the municipality."""
    with uow:
        query = select(ApiToken).where(ApiToken.tenant_id == actor.tenant_id)
        if not actor.has(Role.ADMIN):
            query = query.join(User, User.id == ApiToken.user_id).where(User.username == actor.username)
        return list(uow.session.scalars(query.order_by(ApiToken.id)))


def revoke_token(uow: UnitOfWork, actor: Actor, token_id: int) -> ApiToken:
    with uow:
        row = uow.session.execute(
            select(ApiToken, User.username)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.id == token_id, ApiToken.tenant_id == actor.tenant_id)
        ).first()
        if row is None or (row[1] != actor.username and not actor.has(Role.ADMIN)):
            raise NotFound("token not found")
        token = row[0]
        if token.revoked_at is None:
            token.revoked_at = uow.now()
        uow.commit()
    return token


# --- credential → Actor --------------------------------------------------------------------------

# Built once, with bound parameters: a statement built per request costs more in SQLAlchemy (matching
# its result columns to the cached compilation) than the database takes to answer it.
_TOKEN_LOOKUP = (
    select(
        ApiToken.revoked_at,
        ApiToken.expires_at,
        User.active,
        User.username,
        User.tenant_id,
        User.roles,
        User.party,
        User.display_name,
    )
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


_SESSION_LOOKUP = select(
    User.active,
    User.session_epoch,
    User.username,
    User.tenant_id,
    User.roles,
    User.party,
    User.display_name,
).where(User.id == bindparam("user_id"))


def _actor(username: str, tenant_id: str, roles: Iterable[str] | None, party: str | None, name: str) -> Actor:
    return Actor(
        username=username,
        tenant_id=tenant_id,
        roles=frozenset(Role(r) for r in roles or () if r in Role._value2member_map_),
        party=party,
        display_name=name,
    )


def _read_one(uow: UnitOfWork, statement: Any, params: dict[str, Any]) -> Any:
    """One credential row, read on a connection of its own outside the unit of work's session: every
    request does this, and one round trip is what it costs (`Database.single_read`)."""
    with uow.database.single_read() as connection:
        return connection.execute(statement, params).first()


def actor_for_token(uow: UnitOfWork, secret: str) -> Actor:
    """The Actor a bearer token stands for: one indexed read of the token and its user per request."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise NotAuthenticated("invalid token")
    row = _read_one(uow, _TOKEN_LOOKUP, {"token_hash": hash_token(secret)})
    if row is None or row.revoked_at is not None or not row.active:
        SECURITY_EVENTS.labels("token_refused").inc()
        raise NotAuthenticated("invalid token")
    if row.expires_at is not None and row.expires_at <= uow.now():
        SECURITY_EVENTS.labels("token_expired").inc()
        raise NotAuthenticated("the token has expired")
    return _actor(row.username, row.tenant_id, row.roles, row.party, row.display_name)


def actor_for_session(uow: UnitOfWork, user_id: int, session_epoch: int) -> Actor:
    """The Actor of a session cookie, as long as the account is active and its epoch unchanged."""
    row = _read_one(uow, _SESSION_LOOKUP, {"user_id": user_id})
    if row is None or not row.active or row.session_epoch != session_epoch:
        SECURITY_EVENTS.labels("session_ended").inc()
        raise NotAuthenticated("the session has ended; log in again")
    return _actor(row.username, row.tenant_id, row.roles, row.party, row.display_name)
