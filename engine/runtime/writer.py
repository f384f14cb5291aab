"""Writing a step's rows with driver-level statements: the runtime's hot path.

Completing a task writes the same few rows every time: the instance's state, the completed task, the
tasks it opened, the events. Through the ORM's unit of work (or even Core statements) that costs
~90 µs of Python per statement; here the SQL text is built once per table and dialect, values go
through SQLAlchemy's own bind processors (so they are stored exactly as the ORM stores them), and the
statement runs on the session's connection, inside the unit of work's transaction.

The ORM objects stay the truth for everything else: after a write, `sync_committed` tells the
session the new values are already in the database, so hooks can read them and the commit does not
write them again; new rows become persistent objects hooks may still change.

A command that runs many steps in one transaction (the scheduler firing a batch of timers) can hold
the inserts and version-checked updates back in a `WriteBatch` (`deferred_writes`): they go out as
one ``executemany`` per run of equal statements — one round trip instead of one per row — before
any other statement on the connection and at the end of the block, so every read still sees them.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import ColumnDefault, Table, event, inspect
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Session, configure_mappers
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.session import make_transient_to_detached

from ..errors import Conflict
from ..uow import UnitOfWork

Processor = Callable[[Any], Any] | None
_BATCH = "wams_write_batch"
Row = TypeVar("Row")
CHANGED_BY_SOMEONE_ELSE = "the procedure was changed by someone else; reload and try again"


@dataclass
class _Run:
    table: str
    sql: str
    params: list[tuple[Any, ...]] = field(default_factory=list)
    # Rows each parameter set must change (a version-checked update), or None (an insert).
    expect_each: int | None = None


class WriteBatch:
    """Statements held back for one ``executemany`` per run of equal statements.

    A statement joins the latest run of its table when that run has the same SQL, else it starts a
    new run: the order of the writes to each table is kept (a deadline closed before the next one
    opens stays so), only writes to different tables are grouped across steps."""

    def __init__(self) -> None:
        self._runs: list[_Run] = []
        self._latest: dict[str, _Run] = {}
        self.flushing = False

    def add(self, table: str, sql: str, params: tuple[Any, ...], expect_each: int | None) -> None:
        run = self._latest.get(table)
        if run is None or run.sql != sql:
            run = self._latest[table] = _Run(table, sql, expect_each=expect_each)
            self._runs.append(run)
        run.params.append(params)

    def flush(self, connection: Connection) -> None:
        runs, self._runs, self._latest = self._runs, [], {}
        self.flushing = True
        try:
            for run in runs:
                params = run.params if len(run.params) > 1 else run.params[0]
                result = connection.exec_driver_sql(run.sql, params)
                if run.expect_each is not None and result.rowcount != run.expect_each * len(run.params):
                    raise Conflict(CHANGED_BY_SOMEONE_ELSE)
        finally:
            self.flushing = False


@contextmanager
def deferred_writes(uow: UnitOfWork) -> Iterator[WriteBatch]:
    """Hold the writer's inserts and version-checked updates back until the block ends or another
    statement is about to run on the unit of work's connection; an error inside the block leaves
    them unwritten (the caller rolls the unit of work back)."""
    session = uow.session
    connection = session.connection()
    batch = WriteBatch()

    def before_execute(conn: Connection, *_: Any) -> None:
        if not batch.flushing:
            batch.flush(conn)

    event.listen(connection, "before_execute", before_execute)
    session.info[_BATCH] = batch
    try:
        yield batch
        batch.flush(connection)
    finally:
        session.info.pop(_BATCH, None)
        event.remove(connection, "before_execute", before_execute)


class TableWriter:
    def __init__(self, table: Table, dialect: Dialect) -> None:
        self.table = table
        self.dialect = dialect
        self._marker = "?" if dialect.paramstyle == "qmark" else "%s"
        self._processors: dict[str, Processor] = {
            column.name: column.type.dialect_impl(dialect).bind_processor(dialect) for column in table.columns
        }
        self._casts: dict[str, str] = {}
        if dialect.name == "postgresql":
            for column in table.columns:
                type_name = type(column.type.dialect_impl(dialect)).__name__.upper()
                if "JSONB" in type_name:
                    self._casts[column.name] = "::jsonb"
        self._results: dict[str, Processor] = {
            column.name: column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in table.columns
        }
        self._sql: dict[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], str] = {}
        self._lock = threading.Lock()
        self._processors_for: dict[tuple[str, ...], tuple[Processor, ...]] = {}

    def _bound(self, columns: tuple[str, ...], values: Iterable[Any]) -> tuple[Any, ...]:
        """The values as the driver takes them, through each column's bind processor."""
        processors = self._processors_for.get(columns)
        if processors is None:
            processors = self._processors_for[columns] = tuple(self._processors[c] for c in columns)
        return tuple(v if p is None else p(v) for p, v in zip(processors, values, strict=True))

    def _params(self, values: Mapping[str, Any], where: Mapping[str, Any]) -> tuple[Any, ...]:
        return self._bound(tuple(values) + tuple(where), (*values.values(), *where.values()))

    def _placeholder(self, column: str) -> str:
        return self._marker + self._casts.get(column, "")

    def _statement(
        self, kind: str, columns: tuple[str, ...], keys: tuple[str, ...], returning: tuple[str, ...] = ()
    ) -> str:
        cache_key = (kind, columns, keys, returning)
        sql = self._sql.get(cache_key)
        if sql is None:
            # Identifiers come from our own table metadata, values only ever travel as parameters.
            if kind == "insert":
                names = ", ".join(columns)
                markers = ", ".join(self._placeholder(c) for c in columns)
                sql = f"INSERT INTO {self.table.name} ({names}) VALUES ({markers})"  # noqa: S608
            else:
                assignments = ", ".join(f"{c} = {self._placeholder(c)}" for c in columns)
                condition = " AND ".join(f"{k} = {self._placeholder(k)}" for k in keys)
                sql = f"UPDATE {self.table.name} SET {assignments} WHERE {condition}"  # noqa: S608
                if returning:
                    sql += " RETURNING " + ", ".join(returning)
            with self._lock:
                self._sql[cache_key] = sql
        return sql

    def insert(self, session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        columns = tuple(rows[0])
        params = [self._bound(columns, [row[c] for c in columns]) for row in rows]
        sql = self._statement("insert", columns, ())
        batch: WriteBatch | None = session.info.get(_BATCH)
        if batch is not None:
            for one in params:
                batch.add(self.table.name, sql, one, None)
            return
        connection = session.connection()
        if len(params) == 1:
            connection.exec_driver_sql(sql, params[0])
        else:
            connection.exec_driver_sql(sql, params)

    def update(self, session: Session, values: Mapping[str, Any], where: Mapping[str, Any]) -> int:
        columns, keys = tuple(values), tuple(where)
        params = self._params(values, where)
        result = session.connection().exec_driver_sql(self._statement("update", columns, keys), params)
        return int(result.rowcount)

    def update_one(self, session: Session, values: Mapping[str, Any], where: Mapping[str, Any]) -> None:
        """UPDATE exactly one row (by key, and version if given) or raise `Conflict` — at once, or
        when a `WriteBatch` holding it back flushes."""
        batch: WriteBatch | None = session.info.get(_BATCH)
        if batch is None:
            if self.update(session, values, where) != 1:
                raise Conflict(CHANGED_BY_SOMEONE_ELSE)
            return
        columns, keys = tuple(values), tuple(where)
        params = self._params(values, where)
        batch.add(self.table.name, self._statement("update", columns, keys), params, 1)

    def update_returning(
        self,
        session: Session,
        values: Mapping[str, Any],
        where: Mapping[str, Any],
        returning: tuple[str, ...],
    ) -> list[tuple[Any, ...]]:
        """UPDATE matching rows and return the `returning` columns of each, as the ORM would read them."""
        columns, keys = tuple(values), tuple(where)
        params = self._params(values, where)
        sql = self._statement("update", columns, keys, returning)
        processors = [self._results[name] for name in returning]
        return [
            tuple(p(v) if p is not None else v for p, v in zip(processors, row, strict=True))
            for row in session.connection().exec_driver_sql(sql, params)
        ]


def writer_for(uow: UnitOfWork, table: Table) -> TableWriter:
    """One writer per table and database (they hold the SQL text and the bind processors)."""
    cache: dict[str, TableWriter] = uow.database.caches.setdefault("table_writers", {})
    writer = cache.get(table.name)
    if writer is None:
        writer = cache.setdefault(table.name, TableWriter(table, uow.database.engine.dialect))
    return writer


def update_object(
    uow: UnitOfWork, obj: Any, values: Mapping[str, Any], *, version: str | None = None
) -> None:
    """UPDATE the row of a persistent ORM object with `values` (checking and bumping the optimistic
    `version` column if given) and record them as the object's committed state."""
    table = obj.__table__
    where = {"id": obj.id}
    values = dict(values)
    if version is not None:
        current = getattr(obj, version)
        where[version] = current
        values[version] = current + 1
    writer_for(uow, table).update_one(uow.session, values, where)
    sync_committed(obj, values)


def sync_committed(obj: Any, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        set_committed_value(obj, name, value)


def new_row(model: type[Row], **values: Any) -> Row:
    """A transient ORM object holding `values`, built without the constructor's per-attribute
    events (~55 µs for a task row's 25 columns, against 3 µs): for rows `insert_objects` writes,
    which resets their history anyway. Changes made to it afterwards are ordinary."""
    mapper = inspect(model)
    if not mapper.configured:  # what the constructor would do first
        configure_mappers()
    obj: Row = mapper.class_manager.new_instance()
    obj.__dict__.update(values)
    return obj


def insert_objects(uow: UnitOfWork, objects: Iterable[Any]) -> None:
    """INSERT new (transient) ORM objects of one class and make them persistent in the session."""
    objects = list(objects)
    if not objects:
        return
    table = objects[0].__table__
    names, defaults = _insert_shape(table)
    rows = []
    for obj in objects:
        # A transient object's values are all in its __dict__ (read there: ~1 µs a column less).
        values = obj.__dict__
        for name, value in defaults.items():
            if values.get(name) is None:
                setattr(obj, name, value)  # what the ORM would have filled in at flush
        rows.append({name: values.get(name) for name in names})
    writer_for(uow, table).insert(uow.session, rows)
    for obj in objects:
        make_transient_to_detached(obj)
        uow.session.add(obj)


@functools.cache
def _insert_shape(table: Table) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The table's column names, and the scalar defaults the ORM would fill in."""
    names = tuple(c.name for c in table.columns)
    defaults: dict[str, Any] = {}
    for column in table.columns:
        if isinstance(column.default, ColumnDefault) and column.default.is_scalar:
            defaults[column.name] = column.default.arg
    return names, defaults


def insert_rows(uow: UnitOfWork, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    writer_for(uow, table).insert(uow.session, rows)
