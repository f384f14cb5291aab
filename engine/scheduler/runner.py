"""One scheduler tick (fire due timers, then escalate overdue deadlines) and the APScheduler wiring.

`Scheduler.tick()` is what every mode runs: `wams scheduler` (a separate process, blocking),
`wams run` with ``WAMS_SCHEDULER=embedded`` (a background thread next to the web server), tests and
benchmarks (calling `tick()` with a frozen clock). State lives in the database, so ticks missed while
no scheduler ran are caught up by the next one — everything due by then — neither lost nor doubled.
The status of the last tick is published in ``services.status["scheduler"]`` for /healthz.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from ..clock import FrozenClock
from ..monitoring.metrics import DUE_TIMERS, LAST_TICK, SCHEDULER_TICKS
from ..privacy.retention import sweep_retention
from ..rehearsal import tenant_scope
from ..runtime.models import ProcessInstance
from ..services import Services
from ..uow import UnitOfWork
from .escalate import EscalationSweep, OnItem, sweep_escalations
from .heartbeat import Heartbeat
from .notify import Mailer, mailer_for
from .rehearsal import RehearsalSweep, catch_up_tenant, rehearsal_tenant_ids
from .timers import TimerSweep, count_due_timers, sweep_timers
from .workers import FireWorkers

log = logging.getLogger(__name__)

# One job run keeps waking for timers that fall due before the next tick, but hands back to
# APScheduler now and then.
MAX_JOB_SECONDS = 60.0
RETENTION_INTERVAL_SECONDS = 3600


class _QuietSkips(logging.Filter):
    """A tick that outlasts the interval makes APScheduler skip runs and warn each time; the tick
    itself catches up with everything due, so those warnings are noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


logging.getLogger("apscheduler.scheduler").addFilter(_QuietSkips())


@dataclass
class TickReport:
    timers: TimerSweep = field(default_factory=TimerSweep)
    escalations: EscalationSweep = field(default_factory=EscalationSweep)
    rehearsal: RehearsalSweep = field(default_factory=RehearsalSweep)
    ms: float = 0.0
    # The clock before the sweeps read theirs: what fell due after it is this tick's to wait for.
    began_at: datetime | None = None

    @property
    def more(self) -> bool:
        return self.timers.more or self.escalations.more or self.rehearsal.more


class Scheduler:
    def __init__(
        self,
        services: Services,
        *,
        batch_size: int | None = None,
        mailer: Mailer | None = None,
        on_item: OnItem | None = None,
        mode: str = "embedded",
    ) -> None:
        self.services = services
        self.batch_size = batch_size or services.settings.scheduler_batch_size
        self.mailer = mailer if mailer is not None else mailer_for(services.settings)
        self.on_item = on_item
        self.mode = mode
        self._failures: dict[uuid.UUID, int] = {}
        # Worker processes for the timer sweep (not with `on_item`, a test hook that must run here).
        self.workers: FireWorkers | None = None
        if services.settings.scheduler_workers > 1 and on_item is None:
            self.workers = FireWorkers(services.settings, services.settings.scheduler_workers)
            self.workers.start()
        self._apscheduler: Any = None
        self._totals = {"fired": 0, "escalated": 0, "errors": 0, "ticks": 0}
        self.heartbeat = Heartbeat(services.uow, mode)
        self._publish("starting", None, None)
        self.heartbeat.beat("starting", self._totals)

    # --- one tick -----------------------------------------------------------------------------

    def tick(self) -> TickReport:
        began = time.perf_counter()
        report = TickReport(began_at=self.services.clock.now())
        self._count_backlog()
        finish_timers = self._start_timer_sweep()
        try:
            report.escalations = sweep_escalations(
                self.services.uow, self.mailer, limit=self.batch_size, on_item=self.on_item
            )
        finally:
            report.timers = finish_timers()
        report.rehearsal = self.catch_up_rehearsals()
        report.ms = round((time.perf_counter() - began) * 1000, 3)
        self._totals["ticks"] += 1
        self._totals["fired"] += report.timers.fired + report.rehearsal.fired
        self._totals["escalated"] += report.escalations.escalated + report.rehearsal.escalated
        self._totals["errors"] += report.timers.errors + report.escalations.errors + report.rehearsal.errors
        SCHEDULER_TICKS.inc()
        LAST_TICK.set(self.services.clock.now().timestamp())
        self._publish("running", report, None)
        return report

    def _count_backlog(self) -> None:
        """Due timers when the tick begins, counted no further than the tick's batch + 1 (more: the
        scheduler is behind; `wams_timers_past_due` in the web app's scrape has the full count). The
        same bounded count the fire workers make: with a bound of thousands PostgreSQL planned a
        scan that held a tick up to 0.3 s (bench: timer lateness p99 0.3 s instead of 0.02 s)."""
        with self.services.uow(readonly=True) as uow:
            DUE_TIMERS.set(count_due_timers(uow, uow.now(), self.batch_size + 1))

    def catch_up_rehearsals(self) -> RehearsalSweep:
        """Step each rehearsal tenant's clock through what fell due there (scheduler/rehearsal.py)."""
        report = RehearsalSweep()
        services = self.services
        for tenant_id in rehearsal_tenant_ids(services.uow(readonly=True)):

            def pinned(clock: FrozenClock, tenant_id: str = tenant_id) -> UnitOfWork:
                return UnitOfWork(services.database, clock, tenant_id=tenant_id)

            catch_up_tenant(
                services.uow,
                pinned,
                services.runtime,
                tenant_id,
                # A jump can raise many escalations at once and the addresses are real people's:
                # a practice municipality's escalations stay in the app.
                mailer=None,
                limit=self.batch_size,
                batch_size=services.settings.scheduler_fire_batch,
                failures=self._failures,
                on_item=self.on_item,
                report=report,
            )
        return report

    def _start_timer_sweep(self) -> Callable[[], TimerSweep]:
        """The timer sweep, done here (then its report), or started in the worker processes (the
        escalation sweep runs meanwhile; an instance both sweeps want is skipped by the second
        and handled on the next tick)."""
        fire_batch = self.services.settings.scheduler_fire_batch
        if self.workers is not None:
            finish = self.workers.start_sweep(
                self.services.uow,
                self.services.clock,
                limit=self.batch_size,
                batch_size=fire_batch,
                failures=self._failures,
            )
            if finish is not None:
                return finish
        report = sweep_timers(
            self.services.uow,
            self.services.runtime,
            limit=self.batch_size,
            failures=self._failures,
            on_item=self.on_item,
            batch_size=fire_batch,
        )
        return lambda: report

    def run_due(self) -> None:
        """What the APScheduler job runs, never raising: a tick, again at once while a sweep stopped at
        its batch limit, and again the moment a timer falls due before the next regular tick — so
        timers fire within milliseconds of their moment, not up to a tick interval late."""
        began = time.monotonic()
        interval = self.services.settings.scheduler_tick_seconds
        try:
            while self._running():
                report = self.tick()
                if report.more:
                    continue
                wait = self._until_next_timer(report.began_at)
                if wait is None or wait >= interval or time.monotonic() - began > MAX_JOB_SECONDS:
                    break  # the next regular tick is soon enough
                time.sleep(wait)
        except Exception as exc:  # the database may be away; the next tick tries again
            log.exception("scheduler tick failed")
            self._publish("error", None, f"{type(exc).__name__}: {exc}")
            self.heartbeat.beat("error", self._totals)
        else:
            # Once per job run (a tick interval or longer), not per tick: a tick's statements are
            # the sweep's own (tests/scheduler/test_timer_sweep.py counts them).
            self.heartbeat.beat("running", self._totals)

    def _running(self) -> bool:
        return self._apscheduler is None or bool(self._apscheduler.running)

    def _until_next_timer(self, since: datetime | None) -> float | None:
        """Seconds until the next timer falls due (a range scan of the partial index), 0 for one that
        fell due while the tick ran, or None.

        Timers already due when the tick began do not count: the tick's sweep saw them, so one still
        waiting is held by someone else (or failing) and waits for the regular cadence. One that
        fell due after the sweep read its clock (a slow tick) is fired at once, not a tick late."""
        with self.services.uow(readonly=True) as uow:
            now = uow.now()
            due = uow.session.scalar(
                select(func.min(ProcessInstance.next_timer_due)).where(
                    ProcessInstance.next_timer_due > (since or now),
                    # A rehearsal tenant's timers are on its own clock: caught up on the regular ticks.
                    tenant_scope(ProcessInstance.tenant_id, scoped=False),
                )
            )
            if due is None:
                return None
            # SpiffWorkflow fires once the moment has passed: wake just after it.
            return max((due - now).total_seconds(), 0.0) + 0.002

    # --- running ------------------------------------------------------------------------------

    def start(self) -> None:
        """In a background thread (embedded in the web process)."""
        from apscheduler.schedulers.background import BackgroundScheduler

        self._apscheduler = BackgroundScheduler(timezone=UTC)
        self._add_job()
        self._apscheduler.start()
        log.info("scheduler started (every %ss)", self.services.settings.scheduler_tick_seconds)

    def run_forever(self) -> None:
        """In the foreground (`wams scheduler`), until `shutdown` (e.g. from a signal handler)."""
        from apscheduler.schedulers.blocking import BlockingScheduler

        self._apscheduler = BlockingScheduler(timezone=UTC)
        self._add_job()
        self._apscheduler.start()

    def sweep_retention(self) -> None:
        """Erase procedures whose retention period has passed (engine.privacy.retention); hourly, in
        its own job so a long erasure never delays timers."""
        try:
            report = sweep_retention(self.services.uow, limit=self.batch_size)
            if report.procedures or report.errors:
                log.info("retention sweep: %s erased, %s errors", report.procedures, report.errors)
        except Exception:  # the database may be away; the next run tries again
            log.exception("retention sweep failed")

    def _add_job(self) -> None:
        self._apscheduler.add_job(
            self.sweep_retention,
            "interval",
            seconds=RETENTION_INTERVAL_SECONDS,
            id="wams-retention-sweep",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            next_run_time=datetime.now(UTC),
        )
        self._apscheduler.add_job(
            self.run_due,
            "interval",
            seconds=self.services.settings.scheduler_tick_seconds,
            id="wams-scheduler-tick",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            next_run_time=datetime.now(UTC),
        )

    def shutdown(self, wait: bool = True) -> None:
        if self._apscheduler is not None and self._apscheduler.running:
            self._apscheduler.shutdown(wait=wait)
        if self.workers is not None:
            self.workers.close()
        self._publish("stopped", None, None)
        self.heartbeat.beat("stopped", self._totals)

    # --- status -------------------------------------------------------------------------------

    def _publish(self, state: str, report: TickReport | None, error: str | None) -> None:
        current: dict[str, Any] = dict(self.services.status.get("scheduler") or {})
        current.update({"state": state, "mode": self.mode, **self._totals})
        current.setdefault("last_tick", None)
        current.setdefault("last_tick_ms", None)
        if report is not None:
            current["last_tick"] = self.services.clock.now().isoformat()
            current["last_tick_ms"] = report.ms
            current["last"] = {
                "fired": report.timers.fired,
                "escalated": report.escalations.escalated,
                "lapsed": report.escalations.lapsed,
                "rehearsal_steps": report.rehearsal.steps,
                "skipped": report.timers.skipped + report.escalations.skipped,
                "more": report.more,
            }
        current["error"] = error
        self.services.status["scheduler"] = current
