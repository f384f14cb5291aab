"""The garbage collector's pace for the processes that fire timers all day."""

from __future__ import annotations

import gc


def collect_garbage_less_often() -> None:
    """Restoring and writing an instance's state allocates thousands of small objects, so CPython's
    default (a young-generation collection every 700 allocations) runs the collector hundreds of
    times per tick. Every 100,000 measured ~9% less per fired timer in one process (two interleaved
    pairs); in a tick shared by two workers the gain was within the noise (103/86 ms against
    106/87). The task trees' reference cycles are still collected, a few ticks later. Not for the
    web app: under gunicorn the median completion measured 4–14% slower (three interleaved pairs),
    though throughput rose."""
    gc.set_threshold(100_000, 50, 50)
