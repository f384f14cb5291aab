"""Route SpiffWorkflow's reads of the wall clock through the engine's active clock.

SpiffWorkflow computes timer due times and checks whether they passed with
``datetime.now(timezone.utc)`` inside its timer module and offers no hook. We replace that module's
``datetime`` name with a subclass whose ``now()`` asks `engine.clock.active_clock()`. Everything else
about ``datetime`` is unchanged. Likewise its task module's ``time`` name, whose ``time()`` stamps
each task's ``last_state_change``: resuming a suspended procedure reads there when a waiting timer
began. This module is the one place we patch the library; the pinned minor version in
pyproject.toml and tests/engine/test_timers.py guard it.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from time import time as _wall_time

from SpiffWorkflow import task as spiff_task
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer

from ..clock import SYSTEM_CLOCK, active_clock


class _ClockDatetime(datetime):
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        moment = active_clock().now()
        return moment.astimezone(tz) if tz is not None else moment.astimezone().replace(tzinfo=None)


class _ClockTime:
    """Stands in for the ``time`` module inside SpiffWorkflow.task, which only calls ``time()``."""

    @staticmethod
    def time() -> float:
        clock = active_clock()
        return _wall_time() if clock is SYSTEM_CLOCK else clock.now().timestamp()


def install() -> None:
    if spiff_timer.datetime is not _ClockDatetime:
        spiff_timer.datetime = _ClockDatetime
    if spiff_task.time is not _ClockTime:
        spiff_task.time = _ClockTime
