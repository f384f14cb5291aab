"""Time as a dependency.

Everything that reads "now" takes a `Clock`, so tests and benchmarks can move weeks in seconds.
SpiffWorkflow reads the wall clock inside its timer code; `engine.bpmn.spiff_clock` routes that read
through the clock active in the current context.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that stands still until moved; for tests, benchmarks and scenario walks."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self._now = self._now + (delta or timedelta(**kwargs))
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment.astimezone(UTC)


SYSTEM_CLOCK = SystemClock()
_active_clock: contextvars.ContextVar[Clock] = contextvars.ContextVar("wams_clock", default=SYSTEM_CLOCK)


def active_clock() -> Clock:
    return _active_clock.get()


@contextmanager
def using_clock(clock: Clock) -> Iterator[Clock]:
    token = _active_clock.set(clock)
    try:
        yield clock
    finally:
        _active_clock.reset(token)
