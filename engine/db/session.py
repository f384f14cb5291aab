"""Creating the SQLAlchemy engine for either backend, with the connection settings each needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from .aggregates import register_sqlite_aggregates

# How long a SQLite writer waits for another writer's transaction before giving up. Commands hold
# the write lock for milliseconds, so this is a safety margin, not an expected wait.
SQLITE_BUSY_TIMEOUT_MS = 5000


@dataclass
class Database:
    engine: Engine
    _sessions: sessionmaker[Session]
    _readonly_sessions: sessionmaker[Session]
    # Per-database caches of immutable things (compiled definitions, forms). Keyed per database so
    # two databases in one process (tests, tools) never see each other's ids.
    caches: dict[str, Any] = field(default_factory=dict)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self, *, readonly: bool = False) -> Session:
        return (self._readonly_sessions if readonly else self._sessions)()

    def single_read(self) -> Connection:
        """A pooled connection for one read-only statement on the hot path (a request's credential).
        It runs outside a transaction: on PostgreSQL one round trip instead of three (BEGIN, the
        statement, ROLLBACK); on SQLite one statement instead of three (a single SELECT reads a
        consistent snapshot by itself)."""
        engine = self.caches.get("single_read_engine")
        if engine is None:
            options: dict[str, Any] = {"wams_readonly": True, "wams_single_read": True}
            if self.dialect == "postgresql":
                options["isolation_level"] = "AUTOCOMMIT"
            engine = self.caches["single_read_engine"] = self.engine.execution_options(**options)
        connection: Connection = engine.connect()
        return connection

    def dispose(self) -> None:
        self.engine.dispose()


def connect(url: str, *, echo: bool = False, pool_size: int = 5) -> Database:
    kwargs: dict[str, Any] = {"echo": echo, "future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        if ":memory:" in url or url in {"sqlite://", "sqlite:///"}:
            raise ValueError("use a file for SQLite: each connection to :memory: is a different database")
    else:
        kwargs["pool_size"] = pool_size
        kwargs["max_overflow"] = pool_size * 2
        # No pre-ping (a round trip per checkout on the hot path): connections are recycled before
        # servers or proxies drop them, and a connection found dead is discarded by SQLAlchemy.
        kwargs["pool_recycle"] = 1800
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    readonly_engine = engine.execution_options(wams_readonly=True)
    return Database(
        engine=engine,
        _sessions=sessionmaker(bind=engine, expire_on_commit=False),
        _readonly_sessions=sessionmaker(bind=readonly_engine, expire_on_commit=False),
    )


def connect_for_tool(url: str) -> Database:
    """A connection for one-off tools (migrations, CLI) that should not keep a pool around."""
    engine = create_engine(url, poolclass=NullPool, future=True)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return Database(engine, sessionmaker(bind=engine), sessionmaker(bind=engine))


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so BEGIN is ours to issue.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()
        register_sqlite_aggregates(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A writing unit of work takes SQLite's write lock when it begins (BEGIN IMMEDIATE), so two
        # commands on one instance serialize instead of both reading, then one failing to upgrade its
        # lock. Read-only units of work begin deferred and run beside writers under WAL.
        options = connection.get_execution_options()
        if options.get("wams_single_read"):
            return  # one statement in the driver's autocommit mode: no transaction to open
        if options.get("wams_readonly"):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
