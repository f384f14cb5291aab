"""Rehearsal municipalities (oefenomgevingen) and their clocks.

A tenant is created as production or as rehearsal (`Tenant.kind`). A rehearsal tenant's clock runs
`Tenant.clock_offset_us` ahead of the system clock, and only forward: designers rehearse a model,
trainers train workers and a municipality runs its acceptance test with months passing in minutes.
A production tenant's clock is the system clock; every attempt to read or move it through these
commands is refused (`NotARehearsal`) and logged as a security event.

Every unit of work opened for a tenant (`Services.uow(tenant_id=…)`) reads that tenant's clock
(`clock_for`), so its commands, SpiffWorkflow's timers (engine/bpmn/spiff_clock.py), deadlines,
escalations, retention, due dates and `now()`/`today()` in expressions all see rehearsal time. The
scheduler steps a rehearsal tenant's clock through the moments that fell due during a jump
(engine/scheduler/rehearsal.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Select, bindparam, delete, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from .access import Actor
from .bpmn.isotime import add_duration, is_duration
from .clock import Clock
from .db.session import Database
from .errors import ClockBackwards, InvalidInput, NotARehearsal
from .roles import Role
from .tenancy import Tenant, get_tenant
from .uow import UnitOfWork

PRODUCTION = "production"
REHEARSAL = "rehearsal"
KINDS = (PRODUCTION, REHEARSAL)

# Security events (refused clock operations on production tenants) go to this logger: Wams has no
# security-event store yet, and the processing log is for personal data only.
security_log = logging.getLogger("wams.security")

_KIND_CACHE = "tenant_kind"


class OffsetClock:
    """A rehearsal tenant's clock: the base clock plus the tenant's offset."""

    def __init__(self, base: Clock, offset: timedelta) -> None:
        self.base = base
        self.offset = offset

    def now(self) -> datetime:
        return self.base.now() + self.offset


def clock_for(session: Session, database: Database, base: Clock, tenant_id: str) -> Clock:
    """The clock of `tenant_id`: `base` for a production (or unknown) tenant, base + offset for a
    rehearsal one. A tenant's kind never changes, so a production tenant costs no query after its
    first; a rehearsal tenant's offset is read once per unit of work (another process may move it)."""
    kinds: dict[str, str] = database.caches.setdefault(_KIND_CACHE, {})
    if kinds.get(tenant_id) == PRODUCTION:
        return base
    row = session.execute(select(Tenant.kind, Tenant.clock_offset_us).where(Tenant.id == tenant_id)).first()
    if row is None:
        return base
    kinds[tenant_id] = row.kind
    if row.kind != REHEARSAL:
        return base
    return OffsetClock(base, timedelta(microseconds=row.clock_offset_us))


def rehearsal_tenants() -> Select[str]:
    """The ids of the rehearsal tenants, as a subquery the sweeps use to leave them alone (their
    due items are handled on their own clocks)."""
    return select(Tenant.id).where(Tenant.kind == REHEARSAL)


def tenant_scope(
    column: ColumnElement[str] | InstrumentedAttribute[str], *, scoped: bool
) -> ColumnElement[bool]:
    """Which tenants a scheduler sweep claims from: one tenant (bind parameter ``tenant``) when the
    sweep steps a rehearsal tenant's clock, else every production tenant."""
    if scoped:
        return column == bindparam("tenant")
    return column.not_in(rehearsal_tenants())


def scope_params(uow: UnitOfWork) -> dict[str, str]:
    return {"tenant": uow.tenant_id} if uow.tenant_id is not None else {}


@dataclass(frozen=True)
class ClockReading:
    tenant_id: str
    now: datetime
    offset: timedelta
    kind: str = REHEARSAL


MOVERS = (Role.ADMIN, Role.PROCESS_DESIGNER)


def _rehearsal(uow: UnitOfWork, actor: Actor, operation: str, *, lock: bool = False) -> Tenant:
    tenant = get_tenant(uow, actor.tenant_id)
    if tenant.kind != REHEARSAL:
        security_log.warning(
            "refused clock operation %r on production tenant %r by %r (roles %s)",
            operation,
            tenant.id,
            actor.username,
            ",".join(sorted(role.value for role in actor.roles)),
        )
        raise NotARehearsal(
            "this municipality is not a rehearsal environment: its clock is the real time and "
            "cannot be read or moved here",
            tenant=tenant.id,
        )
    if lock and uow.dialect == "postgresql":
        uow.session.refresh(tenant, with_for_update=True)
    return tenant


def _reading(uow: UnitOfWork, tenant: Tenant) -> ClockReading:
    offset = timedelta(microseconds=tenant.clock_offset_us)
    return ClockReading(tenant.id, uow.base_clock.now() + offset, offset)


def read_clock(uow: UnitOfWork, actor: Actor) -> ClockReading:
    """What time it is in the actor's rehearsal municipality (anyone working there may ask)."""
    with uow:
        return _reading(uow, _rehearsal(uow, actor, "read"))


def pin_clock(uow: UnitOfWork, actor: Actor, moment: datetime) -> ClockReading:
    """Set the rehearsal clock to `moment` (from where it runs on); an earlier moment is refused."""
    if moment.tzinfo is None:
        raise InvalidInput("give the moment with a time zone, e.g. 2027-04-01T09:00:00+02:00", field="now")
    with uow:
        tenant = _rehearsal(uow, actor, "pin", lock=True)
        actor.require(*MOVERS)
        return _move_to(uow, tenant, moment.astimezone(UTC))


def advance_clock(uow: UnitOfWork, actor: Actor, duration: str) -> ClockReading:
    """Move the rehearsal clock forward by an ISO 8601 duration (P3M, P1Y, PT4H), month-aware."""
    duration = (duration or "").strip().upper()
    if not is_duration(duration):
        raise InvalidInput(f"not an ISO 8601 duration such as P3M or PT4H: {duration!r}", field="duration")
    with uow:
        tenant = _rehearsal(uow, actor, "advance", lock=True)
        actor.require(*MOVERS)
        current = _reading(uow, tenant).now
        return _move_to(uow, tenant, datetime.fromisoformat(add_duration(current, duration)))


def _move_to(uow: UnitOfWork, tenant: Tenant, moment: datetime) -> ClockReading:
    current = _reading(uow, tenant)
    if moment <= current.now:
        raise ClockBackwards(
            f"rehearsal time only moves forward: the clock there is already at {current.now.isoformat()}",
            now=current.now.isoformat(),
        )
    offset = moment - uow.base_clock.now()
    tenant.clock_offset_us = offset // timedelta(microseconds=1)
    uow.commit()
    return _reading(uow, tenant)


# What a reset keeps: the municipality, its accounts and its deployed models, and the processing
# log (append-only by design: the database refuses deletes, and it holds pseudonyms, not data).
KEPT_TABLES = frozenset(
    {"tenants", "users", "api_tokens", "process_definitions", "definition_files", "processing_log",
     "processing_log_heads"}
)  # fmt: skip


JOURNAL_TABLES = frozenset({"tasks", "process_events"})


@dataclass(frozen=True)
class ResetReport:
    tenant_id: str
    rows: dict[str, int]


def reset_tenant(uow: UnitOfWork, tenant_id: str, *, who: str = "cli") -> ResetReport:
    """Empty a rehearsal municipality (every procedure, task, event, deadline, escalation, …) and put
    its clock back to the system time; refused for a production tenant."""
    from .db.models import metadata
    from .runtime import journal

    with uow:
        tenant = get_tenant(uow, tenant_id)
        if tenant.kind != REHEARSAL:
            security_log.warning("refused reset of production tenant %r by %r", tenant_id, who)
            raise NotARehearsal("only a rehearsal municipality can be reset", tenant=tenant_id)
        rows: dict[str, int] = {}
        for table in reversed(metadata.sorted_tables):
            if table.name in KEPT_TABLES or "tenant_id" not in table.c:
                continue
            if table.name in JOURNAL_TABLES:  # the one writer of task rows and timeline events
                rows[table.name] = journal.forget_tenant(uow, tenant_id, table.name)
                continue
            result = uow.session.execute(delete(table).where(table.c.tenant_id == tenant_id))
            rows[table.name] = int(getattr(result, "rowcount", 0) or 0)
        uow.session.execute(update(Tenant).where(Tenant.id == tenant_id).values(clock_offset_us=0))
        uow.commit()
    return ResetReport(tenant_id, {name: count for name, count in rows.items() if count})
