"""The processing log (verwerkingenlogging): append one line per data subject per processing, and
verify the tenant's hash chain.

Chain (`chain`, shared with the security log): every line's `hash` is SHA-256 over its canonical JSON
(all fields, including its `seq` and the previous line's hash). The tenant's head row
(`processing_log_heads`) holds the newest `seq` and hash. Editing a line breaks its hash; deleting one
leaves a gap in `seq` (or, at the end, a head that points past the last line); inserting one means
renumbering the lines after it (their hashes cover `seq`); a line appended without moving the head
lies beyond it. `verify_chain` (`wams audit verify`) names the first wrong line of each
(`chain._ChainWalk`).

Concurrency: an append starts with ``UPDATE processing_log_heads SET seq = seq + n … RETURNING``. On
PostgreSQL that row lock serializes appends per tenant until commit (a second appender waits, then
reads the committed head); on SQLite every writer holds the database write lock (BEGIN IMMEDIATE).
The unique (tenant_id, seq) constraint is the backstop.

Durability: a read runs in a read-only unit of work, which never commits what it read. `append_lines`
keeps its lines until the block ends and writes them before the caller hands out what it read; if the
log cannot be written, the read fails. On PostgreSQL they go into the reader's own transaction at its
end, which then commits (`UnitOfWork.before_close`: no second connection, BEGIN or ROLLBACK; the head
row stays locked only from the claim to that commit). On SQLite they go into a short transaction of
their own after the reader's has ended (`UnitOfWork.after_close`): a reader that upgraded to a writer
could fail on a snapshot a concurrent writer made stale, and an open reader keeps the WAL from being
checkpointed. Inside a writing unit of work the lines join its transaction and commit with the command.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any, cast

from sqlalchemy import Connection, Dialect, Engine, Table

from ..uow import UnitOfWork
from .chain import GENESIS, Chain, ChainReport, line_hash, verify
from .models import ProcessingLogEntry, ProcessingLogHead
from .trace import current, new_span_id, new_trace_id

HASHED = (
    "tenant_id", "seq", "at", "operation", "action", "actor", "roles", "party", "procedure_id",
    "procedure_reference", "activity", "subject_pseudonym", "subject_kind", "categories", "fact_count",
    "purpose", "legal_grounds", "trace_id", "span_id", "prev_hash",
)  # fmt: skip
_PENDING = ("privacy", "log lines to write when the unit of work closes")
_HEADS = cast(Table, ProcessingLogHead.__table__)
_ENTRIES = cast(Table, ProcessingLogEntry.__table__)


@dataclass
class LogLine:
    """One processing of one data subject's data, before it is chained."""

    tenant_id: str
    operation: str
    actor: str
    roles: str
    party: str | None
    subject_pseudonym: str
    subject_kind: str | None
    categories: list[str]
    fact_count: int
    purpose: str | None
    legal_grounds: list[str]
    procedure_id: uuid.UUID | None = None
    procedure_reference: str | None = None
    activity: str | None = None
    action: str | None = None
    trace_id: str | None = None


def entry_hash(values: Mapping[str, Any]) -> str:
    return line_hash(values, HASHED)


def append_lines(uow: UnitOfWork, lines: Iterable[LogLine]) -> None:
    """Write the lines durably (see the module docstring): in a writing unit of work with its
    transaction; in a read-only one in a transaction of their own when the block closes, before the
    caller hands out what it read (raising if they cannot be written)."""
    context = current()
    resolved = [
        replace(
            line,
            action=line.action or (context.action if context else None),
            trace_id=line.trace_id or (context.trace_id if context else None) or new_trace_id(),
        )
        for line in lines
    ]
    if not resolved:
        return
    now = uow.now()
    if not uow.readonly:
        _append(uow.session.connection(), resolved, now)
        return
    pending: list[tuple[list[LogLine], datetime]] | None = uow.memo.get(_PENDING)
    if pending is None:
        pending = uow.memo[_PENDING] = []
        if uow.dialect == "postgresql":
            uow.before_close(partial(_write_within, uow, pending))
        else:
            uow.after_close(partial(_write_apart, uow.database.engine, pending))
    pending.append((resolved, now))


def _write_within(uow: UnitOfWork, pending: list[tuple[list[LogLine], datetime]]) -> None:
    session = uow.session
    connection = session.connection()
    for lines, now in pending:
        _append(connection, lines, now, durable=False)
    session.commit()  # the reader changed nothing: this commits the log lines alone


def _write_apart(engine: Engine, pending: list[tuple[list[LogLine], datetime]]) -> None:
    # After the reader's transaction has ended (on SQLite an open reader keeps the WAL from being
    # checkpointed), on a plain connection.
    with engine.begin() as connection:
        for lines, now in pending:
            _append(connection, lines, now, durable=False)


def _append(connection: Connection, lines: list[LogLine], now: datetime, *, durable: bool = True) -> None:
    writer = _writer(connection.dialect)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        by_tenant: dict[str, list[LogLine]] = defaultdict(list)
        for line in lines:
            by_tenant[line.tenant_id].append(line)
        for tenant_id, items in by_tenant.items():
            seq, prev = writer.claim(cursor, tenant_id, len(items), durable=durable)
            rows = []
            for line in items:
                values = _values(line, tenant_id, seq, now, prev)
                prev = values["hash"]
                rows.append(values)
                seq += 1
            writer.write(cursor, tenant_id, rows, prev)
    finally:
        cursor.close()


def _values(line: LogLine, tenant_id: str, seq: int, now: datetime, prev: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        "tenant_id": tenant_id,
        "seq": seq,
        "at": now,
        "operation": line.operation,
        "action": line.action,
        "actor": line.actor,
        "roles": line.roles,
        "party": line.party,
        "procedure_id": line.procedure_id,
        "procedure_reference": line.procedure_reference,
        "activity": line.activity,
        "subject_pseudonym": line.subject_pseudonym,
        "subject_kind": line.subject_kind,
        "categories": sorted(set(line.categories)),
        "fact_count": line.fact_count,
        "purpose": line.purpose,
        "legal_grounds": sorted({g for g in line.legal_grounds if g}),
        "trace_id": line.trace_id,
        "span_id": new_span_id(),
        "prev_hash": prev,
    }
    values["hash"] = entry_hash(values)
    return values


class _Writer:
    """The append as driver-level SQL, built once per dialect: it runs on every read, so it skips
    SQLAlchemy's statement machinery, but binds every value with the columns' own type processors (the
    lines read back exactly as they were hashed). PostgreSQL: three round trips (claim, lines and
    head together, commit); SQLite: three statements in process."""

    def __init__(self, dialect: Dialect) -> None:
        self.postgres = dialect.name == "postgresql"
        mark = "%s" if self.postgres else "?"
        columns = [c for c in _ENTRIES.columns if c.name != "id"]
        self.names = [c.name for c in columns]
        self.processors = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
        self.row_marks = "(" + ", ".join([mark] * len(columns)) + ")"
        # Only constants and the table's own column names go into the SQL; values are always bound.
        self.insert_head = "INSERT INTO processing_log (" + ", ".join(self.names) + ") VALUES "  # noqa: S608
        # On PostgreSQL the log transaction of a read commits without waiting for the disk flush
        # (`set_config(..., true)` is local to it): it survives a crash of the application; a crash of
        # the database server may lose the last moments of the log (a suffix: the chain stays whole).
        relaxed = " AND (SELECT set_config('synchronous_commit', 'off', true)) IS NOT NULL"
        claim = (
            f"UPDATE processing_log_heads SET seq = seq + {mark} WHERE tenant_id = {mark}"  # noqa: S608
            "{relaxed} RETURNING seq, hash"
        )
        self.claim_sql = claim.replace("{relaxed}", "")
        self.claim_relaxed_sql = claim.replace("{relaxed}", relaxed if self.postgres else "")
        self.seed_sql = (
            f"INSERT INTO processing_log_heads (tenant_id, seq, hash) VALUES ({mark}, 0, {mark}) "  # noqa: S608
            "ON CONFLICT (tenant_id) DO NOTHING"
        )
        self.move_sql = f"UPDATE processing_log_heads SET hash = {mark} WHERE tenant_id = {mark}"  # noqa: S608
        self.mark = mark

    def claim(self, cursor: Any, tenant_id: str, count: int, *, durable: bool) -> tuple[int, str]:
        """Reserve `count` sequence numbers at the head of the tenant's chain (locking it); returns the
        first free number and the hash of the line before it."""
        sql = self.claim_sql if durable else self.claim_relaxed_sql
        cursor.execute(sql, (count, tenant_id))
        row = cursor.fetchone()
        if row is None:
            cursor.execute(self.seed_sql, (tenant_id, GENESIS))
            cursor.execute(sql, (count, tenant_id))
            row = cursor.fetchone()
        assert row is not None
        return int(row[0]) - count + 1, str(row[1])

    def bind(self, values: dict[str, Any]) -> list[Any]:
        return [
            process(values[name]) if process is not None else values[name]
            for name, process in zip(self.names, self.processors, strict=True)
        ]

    def write(self, cursor: Any, tenant_id: str, rows: list[dict[str, Any]], head: str) -> None:
        if self.postgres:
            # The lines and the new head in one statement (a data-modifying CTE).
            marks = ", ".join([self.row_marks] * len(rows))
            sql = f"WITH written AS ({self.insert_head}{marks}) {self.move_sql}"
            cursor.execute(sql, [v for row in rows for v in self.bind(row)] + [head, tenant_id])
        else:
            cursor.executemany(self.insert_head + self.row_marks, [self.bind(row) for row in rows])
            cursor.execute(self.move_sql, (head, tenant_id))


_WRITERS: dict[str, _Writer] = {}


def _writer(dialect: Dialect) -> _Writer:
    found = _WRITERS.get(dialect.name)
    if found is None:
        found = _WRITERS[dialect.name] = _Writer(dialect)
    return found


# --- verification ---------------------------------------------------------------------------------

CHAIN = Chain(_ENTRIES, _HEADS, "tenant_id", HASHED)


def verify_chain(uow: UnitOfWork, tenant_id: str, *, batch: int = 2000) -> ChainReport:
    """Recompute every line of the tenant's chain (call inside an open unit of work)."""
    return verify(uow, CHAIN, tenant_id, batch=batch)
