"""Schedulers' signs of life in the database, for /healthz in any web process.

Each scheduler process writes its own row (`SchedulerHeartbeat`) when it starts, after each run of
its tick job (at most every `BEAT_SECONDS` unless its state changed, so a busy scheduler adds one
small write now and then, not one per tick), and when it stops. A row not written for `STALE_AFTER`
belongs to a scheduler that died without saying so; rows older than `FORGET_AFTER` are removed by the
next beat of any scheduler.
Writing a heartbeat never fails a tick: a database that is away is the tick's problem to report.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..uow import UnitOfWork
from .models import SchedulerHeartbeat

log = logging.getLogger(__name__)

BEAT_SECONDS = 5.0
STALE_AFTER = timedelta(minutes=2)
FORGET_AFTER = timedelta(days=1)
TOTALS = ("ticks", "fired", "escalated", "errors")


class Heartbeat:
    def __init__(self, make_uow: Callable[[], UnitOfWork], mode: str) -> None:
        self.make_uow = make_uow
        self.mode = mode
        self.id = f"{socket.gethostname()[:80]}:{os.getpid()}:{secrets.token_hex(4)}"
        self._started: datetime | None = None
        self._last = float("-inf")
        self._state: str | None = None

    def beat(self, state: str, totals: Mapping[str, int]) -> None:
        """Write this scheduler's row: at once when its state changes (starting, running, error,
        stopped), else at most every BEAT_SECONDS."""
        if state == self._state and time.monotonic() - self._last < BEAT_SECONDS:
            return
        try:
            with self.make_uow() as uow:
                now = uow.now()
                self._started = self._started or now
                values = {
                    "id": self.id,
                    "mode": self.mode,
                    "state": state,
                    "started_at": self._started,
                    "beat_at": now,
                    **{name: int(totals.get(name, 0)) for name in TOTALS},
                }
                uow.session.execute(_upsert(uow.dialect, values))
                uow.session.execute(
                    delete(SchedulerHeartbeat).where(SchedulerHeartbeat.beat_at < now - FORGET_AFTER)
                )
                uow.commit()
            self._last, self._state = time.monotonic(), state
        except Exception:
            log.warning("could not write the scheduler heartbeat", exc_info=True)


def _upsert(dialect: str, values: dict[str, Any]) -> Any:
    insert: Any = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(SchedulerHeartbeat.__table__).values(**values)
    changed = {k: v for k, v in values.items() if k not in {"id", "started_at"}}
    return statement.on_conflict_do_update(index_elements=["id"], set_=changed)


def scheduler_health(uow: UnitOfWork) -> dict[str, Any]:
    """What /healthz says of the schedulers: running (how many, their totals, the last beat), stopped
    or silent (the last one's state and beat), or not running (none has beaten within a day)."""
    with uow:
        now = uow.now()
        rows = list(
            uow.session.scalars(select(SchedulerHeartbeat).order_by(SchedulerHeartbeat.beat_at.desc()))
        )
    alive = [r for r in rows if r.state != "stopped" and r.beat_at >= now - STALE_AFTER]
    if alive:
        return {
            "state": "running",
            "schedulers": len(alive),
            "modes": sorted({r.mode for r in alive}),
            "last_beat": alive[0].beat_at.isoformat(),
            "failing": sum(r.state == "error" for r in alive),
            **{name: sum(getattr(r, name) for r in alive) for name in TOTALS},
        }
    if rows:
        last = rows[0]
        return {
            "state": "stopped" if last.state == "stopped" else "silent",
            "last_beat": last.beat_at.isoformat(),
        }
    return {"state": "not running"}
