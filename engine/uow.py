"""The unit of work: one transaction per command.

Services receive a `UnitOfWork`, do their reads and writes through `uow.session` and call
`uow.commit()` once at the end. Nothing else commits. Leaving the block without a commit rolls back,
so a crash mid-command leaves the previous state intact.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from .clock import SYSTEM_CLOCK, Clock, using_clock
from .db.session import Database
from .errors import Conflict

log = logging.getLogger(__name__)


class UnitOfWork:
    def __init__(
        self,
        database: Database,
        clock: Clock = SYSTEM_CLOCK,
        *,
        readonly: bool = False,
        tenant_id: str | None = None,
        tenant_clock: bool = False,
    ) -> None:
        self.database = database
        # The installation's clock; `clock` is what this unit reads: with `tenant_clock`, that of
        # `tenant_id` (a rehearsal tenant's runs ahead, engine/rehearsal.py), resolved on entering.
        self.base_clock = clock
        self.clock = clock
        self.readonly = readonly
        # The tenant this unit works for, when known. Scheduler sweeps given one claim only its
        # due items; without one they leave rehearsal tenants alone (they run on their own clocks).
        self.tenant_id = tenant_id
        self._tenant_clock = tenant_clock and tenant_id is not None
        self._session: Session | None = None
        self._clock_context: Any = None
        self._after_commit: list[Callable[[], None]] = []
        self._after_close: list[Callable[[], None]] = []
        self._before_close: list[Callable[[], None]] = []
        self._after_rollback: list[Callable[[], None]] = []
        # Lookups worth remembering for the length of this unit of work (e.g. "is this instance a
        # procedure?", asked by several hooks of one step).
        self.memo: dict[Any, Any] = {}

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is not open; use it in a with-block")
        return self._session

    @property
    def dialect(self) -> str:
        return self.database.dialect

    def __enter__(self) -> UnitOfWork:
        if self._session is not None:
            raise RuntimeError("a unit of work cannot be nested in itself")
        self._session = self.database.session(readonly=self.readonly)
        if self._tenant_clock:
            from .rehearsal import clock_for  # engine.rehearsal builds on the unit of work

            assert self.tenant_id is not None
            self.clock = clock_for(self._session, self.database, self.base_clock, self.tenant_id)
        self._clock_context = using_clock(self.clock)
        self._clock_context.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._session is not None:
                try:
                    if exc_type is not None and not self.readonly:
                        self._session.rollback()
                    elif exc_type is None:
                        ending, self._before_close = self._before_close, []
                        for callback in ending:
                            callback()  # may raise: the block's result is then not handed out
                finally:
                    # close() ends the transaction (rolling back anything uncommitted) but, unlike
                    # rollback(), leaves loaded objects readable: callers use what a read returned.
                    self._session.close()
        finally:
            self._session = None
            self._before_close.clear()
            self._after_commit.clear()
            self.memo.clear()
            self._clock_context.__exit__(exc_type, exc, tb)
        closing, self._after_close = self._after_close, []
        rolled_back, self._after_rollback = self._after_rollback, []
        if exc_type is None:
            for callback in closing:
                callback()  # may raise: the block's result is then not handed out
            return
        for callback in rolled_back:
            try:
                callback()
            except Exception:  # the command's own error is what the caller must see
                log.exception("recording a failure after the rollback failed")

    def now(self) -> Any:
        return self.clock.now()

    def after_close(self, callback: Callable[[], None]) -> None:
        """Run `callback` when the block ends without an error, after its transaction is closed and
        before the caller gets what it returned (the processing log of a read: `engine.privacy.log`)."""
        self._after_close.append(callback)

    def before_close(self, callback: Callable[[], None]) -> None:
        """Run `callback` when the block ends without an error, while its transaction is still open
        and before the caller gets what it returned. A read-only unit of work on PostgreSQL writes its
        processing log this way and commits just those lines (`engine.privacy.log`): the read itself
        changed nothing, so the commit carries only the log."""
        self._before_close.append(callback)

    def after_rollback(self, callback: Callable[[], None]) -> None:
        """Run `callback` when the block ends with an error, after its transaction was rolled back:
        to record, in a transaction of its own, a failure that must outlive the rollback (an instance
        put in error). Nothing else of the failed command is kept."""
        self._after_rollback.append(callback)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the transaction has committed (e.g. send an e-mail, wake the scheduler)."""
        self._after_commit.append(callback)

    def flush(self) -> None:
        try:
            self.session.flush()
        except StaleDataError as exc:
            raise Conflict("the procedure was changed by someone else; reload and try again") from exc

    def commit(self) -> None:
        if self.readonly:
            raise RuntimeError("a read-only unit of work does not commit")
        try:
            self.session.commit()
        except StaleDataError as exc:
            self.session.rollback()
            raise Conflict("the procedure was changed by someone else; reload and try again") from exc
        except OperationalError as exc:
            self.session.rollback()
            if is_lock_error(exc):
                raise Conflict("the procedure is being changed by someone else; try again") from exc
            raise
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()


def is_lock_error(exc: DBAPIError) -> bool:
    """A lock we could not take at once (PostgreSQL NOWAIT) or a SQLite writer that timed out."""
    original = getattr(exc, "orig", None)
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate in {"55P03", "40001", "40P01"}:  # lock_not_available, serialization, deadlock
        return True
    return "database is locked" in str(original)
