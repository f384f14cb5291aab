"""The security log: refused access (another municipality's id, a role without rights, a call without
login, a failed login) as an append-only, hash-chained record, apart from the processing log.

The caller was answered as before (404, 403, 401); this only remembers that it happened: who (the
actor, or the account name of a failed login when that account exists), for which municipality, what
(method and endpoint, the route template and the ids in the path), how it ended and when. Nothing the
caller sent is kept beyond that: no body, no query string (a BSN could be in either), no password, and
no name typed at a login that matches no account (it may be a password typed in the wrong field).

Each event is written in a unit of work of its own: the refused command has been rolled back, the event
is committed. Chains are per municipality; refusals no municipality is known for (no login, an unknown
name) form the chain "-", which only an administrator reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..access import Actor
from ..db.paging import clamp_page, count_rows, one_page, where_equal
from ..errors import NotAuthorized
from ..roles import Role
from ..uow import UnitOfWork
from .chain import GENESIS, Chain, ChainReport, line_hash, verify
from .models import SecurityEvent, SecurityEventHead
from .trace import current, new_trace_id

NO_TENANT = "-"
UNKNOWN_ACTOR = "(onbekend)"
READERS = (Role.PRIVACY_OFFICER, Role.ADMIN)
MAX_PAGE = 500
HASHED = (
    "chain", "tenant_id", "seq", "at", "actor", "roles", "party", "operation", "target", "target_ids",
    "outcome", "status", "trace_id", "prev_hash",
)  # fmt: skip
CHAIN = Chain(cast(Table, SecurityEvent.__table__), cast(Table, SecurityEventHead.__table__), "chain", HASHED)
_HEADS = cast(Table, SecurityEventHead.__table__)
# Longest id kept from a path: uuids, numbers and codes fit; anything longer is not an id.
MAX_ID = 100


@dataclass(frozen=True)
class Refusal:
    """What the web layer knows about a refused request."""

    outcome: str
    status: int
    operation: str
    target: str
    target_ids: Mapping[str, Any] = field(default_factory=dict)
    actor: Actor | None = None
    # A failed login: the name that was typed (kept only if an account has it).
    login_name: str | None = None


def record_refusal(uow: UnitOfWork, refusal: Refusal) -> SecurityEvent:
    """Append one event to its chain in a transaction of its own (`uow` must be a fresh, writing unit
    of work)."""
    with uow:
        actor = refusal.actor
        tenant_id = actor.tenant_id if actor else None
        name, roles, party = (
            (actor.username, _roles(actor), actor.party) if actor else (UNKNOWN_ACTOR, "", None)
        )
        if actor is None and refusal.login_name:
            account = _account(uow, refusal.login_name.strip())
            if account is not None:
                tenant_id, name = account
        key = tenant_id or NO_TENANT
        seq, prev = _claim(uow, key)
        context = current()
        values: dict[str, Any] = {
            "chain": key,
            "tenant_id": tenant_id,
            "seq": seq,
            "at": uow.now(),
            "actor": name[:200],
            "roles": roles,
            "party": party,
            "operation": refusal.operation[:200],
            "target": refusal.target[:300],
            "target_ids": {k: str(v)[:MAX_ID] for k, v in sorted(refusal.target_ids.items())},
            "outcome": refusal.outcome[:40],
            "status": refusal.status,
            "trace_id": context.trace_id if context else new_trace_id(),
            "prev_hash": prev,
        }
        values["hash"] = line_hash(values, HASHED)
        event = SecurityEvent(**values)
        uow.session.add(event)
        uow.session.execute(update(_HEADS).where(_HEADS.c.chain == key).values(hash=values["hash"]))
        uow.commit()
        return event


def _roles(actor: Actor) -> str:
    return ",".join(sorted(r.value for r in actor.roles))


def _account(uow: UnitOfWork, username: str) -> tuple[str, str] | None:
    from ..accounts.models import User  # the accounts package imports nothing of the privacy core

    row = uow.session.execute(select(User.tenant_id, User.username).where(User.username == username)).first()
    return (str(row[0]), str(row[1])) if row else None


def _claim(uow: UnitOfWork, key: str) -> tuple[int, str]:
    """The next number of the chain and the hash before it; the head row stays locked until commit."""
    claim = update(_HEADS).where(_HEADS.c.chain == key).values(seq=_HEADS.c.seq + 1)
    claim = claim.returning(_HEADS.c.seq, _HEADS.c.hash)
    row = uow.session.execute(claim).first()
    if row is None:
        insert = pg_insert if uow.dialect == "postgresql" else sqlite_insert
        seed = insert(_HEADS).values(chain=key, seq=0, hash=GENESIS).on_conflict_do_nothing()
        uow.session.execute(seed)
        row = uow.session.execute(claim).first()
    assert row is not None
    return int(row[0]), str(row[1])


# --- reading --------------------------------------------------------------------------------------


@dataclass
class EventFilter:
    outcome: str | None = None
    actor: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    unattributed: bool = False
    page: int = 1
    page_size: int = 100


@dataclass
class EventPage:
    items: list[SecurityEvent]
    total: int
    page: int
    page_size: int


def _chain_of(actor: Actor, unattributed: bool) -> str:
    actor.require(*READERS)
    if unattributed:
        if not actor.has(Role.ADMIN):
            raise NotAuthorized("refusals without a municipality are for an administrator")
        return NO_TENANT
    return actor.tenant_id


def query_events(uow: UnitOfWork, actor: Actor, filters: EventFilter) -> EventPage:
    """The privacy officer's and administrator's view of the security log, newest first."""
    key = _chain_of(actor, filters.unattributed)
    page, page_size = clamp_page(filters.page, filters.page_size, MAX_PAGE)
    event = SecurityEvent
    with uow:
        query = where_equal(
            select(event).where(event.chain == key),
            [(event.outcome, filters.outcome), (event.actor, filters.actor)],
        )
        if filters.start is not None:
            query = query.where(event.at >= filters.start)
        if filters.end is not None:
            query = query.where(event.at < filters.end)
        total = count_rows(uow.session, query)
        items = list(uow.session.scalars(one_page(query.order_by(event.seq.desc()), page, page_size)))
    return EventPage(items, total, page, page_size)


def verify_events(uow: UnitOfWork, actor: Actor, *, unattributed: bool = False) -> ChainReport:
    key = _chain_of(actor, unattributed)
    with uow:
        return verify(uow, CHAIN, key)


def verify_all_events(uow: UnitOfWork) -> list[ChainReport]:
    """Every security chain (`wams audit verify`)."""
    with uow:
        keys = list(uow.session.scalars(select(SecurityEventHead.chain).order_by(SecurityEventHead.chain)))
        return [verify(uow, CHAIN, key) for key in keys]
