"""The composition root: one object holding what commands need (database, clock, runtime, settings).

The web app, the CLI, the scheduler and the benchmarks each build one with `build_services`; tests
build them around their own database and clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .clock import SYSTEM_CLOCK, Clock
from .config import Settings
from .db.session import Database, connect
from .procedures.hooks import ProcedureHooks
from .runtime.outcome import RuntimeHooks
from .runtime.service import Runtime
from .scheduler.hooks import DeadlineHooks
from .scheduler.notify import write_notice
from .uow import UnitOfWork


@dataclass
class Services:
    settings: Settings
    database: Database
    clock: Clock
    runtime: Runtime
    # Live status of long-running parts (e.g. the embedded scheduler) for /healthz.
    status: dict[str, Any] = field(default_factory=dict)

    def uow(self, *, readonly: bool = False, tenant_id: str | None = None) -> UnitOfWork:
        """A unit of work; given the tenant it works for, it reads that tenant's clock (a rehearsal
        municipality's runs ahead: engine/rehearsal.py)."""
        return UnitOfWork(
            self.database, self.clock, readonly=readonly, tenant_id=tenant_id, tenant_clock=True
        )


def build_services(
    settings: Settings,
    *,
    database: Database | None = None,
    clock: Clock = SYSTEM_CLOCK,
    hooks: Sequence[RuntimeHooks] = (),
) -> Services:
    database = database or connect(settings.database_url)
    runtime = Runtime(
        script_budget_ms=settings.script_time_budget_ms,
        max_state_bytes=settings.max_state_bytes,
        # Deadline tracking runs last, after the domain hooks have recorded the step.
        hooks=[ProcedureHooks(), *hooks, DeadlineHooks()],
        # What the runtime wants told (an instance in error) becomes the scheduler's notifications.
        write_notice=write_notice,
    )
    return Services(settings=settings, database=database, clock=clock, runtime=runtime)
