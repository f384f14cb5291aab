"""Firing due timers in worker processes, so that one tick uses the cores it is given.

What a due timer costs is Python: restoring the instance's state from its row, SpiffWorkflow's
step, serializing the state again, building the rows (~1 ms an instance on a 2-core machine; the
database's share is a few round trips per batch). The GIL keeps threads from sharing that, so with
``WAMS_SCHEDULER_WORKERS`` = n > 1 (PostgreSQL only) a tick hands its timer sweep to n worker
processes at once. Each runs the ordinary sweep (`timers.sweep_timers`) on its own connection and
claims with ``FOR UPDATE SKIP LOCKED`` — the claim that already lets several `wams scheduler`
processes run side by side — so exactly-once stays the database's business, as before.

The tick first counts what is due (the partial index, bounded by its limit) and gives each worker an
equal share, so the work is split even when one worker starts a little earlier than the other. With
fewer than two instances per worker due, handing off costs more than it saves and the tick fires
them itself (its workflow cache may also hold them: the web process's embedded scheduler). While
the workers fire, the scheduler runs the tick's escalation sweep instead of waiting; an instance
both sweeps want at once is skipped by the second (SKIP LOCKED) and handled on the next tick.

The workers are started with ``spawn`` (the parent has threads — APScheduler, connection pools —
whose locks a fork would copy half-held) and live as long as the scheduler. Each fires at the
tick's "now": the system clock's own reading, or the frozen moment of a test or benchmark clock.
A worker that dies breaks the pool: the tick fails (logged, retried on the next one) and the pool
is started afresh. Failure counts (`timers.MAX_FAILURES`) are the scheduler's: each worker gets a
copy and returns what changed; an instance two workers failed in the same tick counts once.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..clock import Clock, SystemClock
from ..config import Settings
from ..gc_tuning import collect_garbage_less_often
from ..logs import configure_logging
from ..runtime.service import Runtime
from ..services import build_services
from ..uow import UnitOfWork
from .timers import TimerSweep, count_due_timers, sweep_timers

log = logging.getLogger(__name__)

Failures = dict[uuid.UUID, int]


@dataclass
class WorkerShare:
    """What one worker did in one tick."""

    pid: int
    sweep: TimerSweep
    ms: float
    # Failure counts that changed: a new count, or None where one was cleared (the instance fired).
    failures: dict[uuid.UUID, int | None] = field(default_factory=dict)


class _TickClock:
    """The worker's clock: the tick's frozen moment when it has one, else the system clock."""

    def __init__(self) -> None:
        self.at: datetime | None = None

    def now(self) -> datetime:
        return self.at if self.at is not None else datetime.now(UTC)


_worker: tuple[Callable[[], UnitOfWork], Runtime, _TickClock] | None = None


def _start_worker(settings: Settings) -> None:
    # Ctrl-C reaches the whole process group: the scheduler stops its workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    configure_logging(settings.log_level, settings.log_format)
    collect_garbage_less_often()
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    global _worker
    clock = _TickClock()
    services = build_services(settings, clock=clock)
    _worker = (services.uow, services.runtime, clock)


def _exit_with_parent(parent: int) -> None:
    """A scheduler killed outright cannot stop its workers (each holds its task queue open): they
    notice it gone within a second and exit. Work in flight rolls back with their connections and is
    due again for the next scheduler."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(0)


def _ready() -> int:
    return os.getpid()


def _sweep_share(at: datetime | None, limit: int, batch_size: int, failures: Failures) -> WorkerShare:
    assert _worker is not None, "the worker was not started"
    make_uow, runtime, clock = _worker
    began = time.perf_counter()
    clock.at = at
    before = dict(failures)
    sweep = sweep_timers(make_uow, runtime, limit=limit, failures=failures, batch_size=batch_size)
    changed = {
        key: failures.get(key)
        for key in before.keys() | failures.keys()
        if before.get(key) != failures.get(key)
    }
    return WorkerShare(os.getpid(), sweep, round((time.perf_counter() - began) * 1000, 3), changed)


class FireWorkers:
    """A pool of `count` worker processes that fire due timers for one scheduler."""

    def __init__(self, settings: Settings, count: int) -> None:
        if count < 2:
            raise ValueError("a pool of fire workers needs at least two")
        self.settings = settings
        self.count = count
        self._executor: ProcessPoolExecutor | None = None
        self._closed = False
        # Who fired how many in the last tick that handed work out (for diagnosis and tests).
        self.last_shares: list[WorkerShare] = []

    def start(self) -> None:
        """Start the worker processes now rather than on the first busy tick, and wait until one
        answers (the others may still be importing)."""
        executor = self._pool()
        for future in [executor.submit(_ready) for _ in range(self.count)]:
            future.result()

    def _pool(self) -> ProcessPoolExecutor:
        if self._closed:
            raise RuntimeError("the scheduler's fire workers were stopped")
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self.count,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(self.settings,),
            )
        return self._executor

    def start_sweep(
        self,
        make_uow: Callable[[], UnitOfWork],
        clock: Clock,
        *,
        limit: int,
        batch_size: int,
        failures: Failures,
    ) -> Callable[[], TimerSweep] | None:
        """Start the tick's timer sweep (up to `limit` due instances) in the workers, or None when
        too few are due to share out (the scheduler fires them itself). What it returns waits for
        the workers and gives the sweep's report; meanwhile the scheduler can do its own work (the
        escalation sweep), as this process would only wait."""
        with make_uow() as uow:
            due = count_due_timers(uow, uow.now(), limit + 1)
        if due < 2 * self.count:
            return None
        share = -(-min(due, limit) // self.count)
        at = None if isinstance(clock, SystemClock) else clock.now()
        try:
            futures = [
                self._pool().submit(_sweep_share, at, share, min(share, batch_size), dict(failures))
                for _ in range(self.count)
            ]
        except BrokenProcessPool:
            self._broken()
            raise
        return lambda: self._collect(futures, failures, more=due > limit)

    def _collect(self, futures: list[Future[WorkerShare]], failures: Failures, *, more: bool) -> TimerSweep:
        try:
            shares = _results(futures)
        except BrokenProcessPool:
            self._broken()
            raise
        report = TimerSweep(more=more)
        for part in shares:
            report.fired += part.sweep.fired
            report.errors += part.sweep.errors
            report.skipped += part.sweep.skipped
            for key, value in part.failures.items():
                if value is None:
                    failures.pop(key, None)
                else:
                    failures[key] = value
        self.last_shares = shares
        return report

    def close(self) -> None:
        """Stop the workers (after what they are firing); the pool is not started again."""
        self._closed = True
        self._stop_pool()

    def _broken(self) -> None:
        log.warning("a fire worker died; the next tick starts new ones and fires what is still due")
        self._stop_pool()

    def _stop_pool(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


def _results(futures: list[Future[WorkerShare]]) -> list[WorkerShare]:
    """Every worker's share, after all have finished; the first failure raised."""
    errors = [future.exception() for future in futures]
    for error in errors:
        if error is not None:
            raise error
    return [future.result() for future in futures]
