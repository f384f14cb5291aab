"""The time budget of one evaluation in the sandbox: a trace function that stops an expression or
script once it has spent its share of this thread's CPU time.

CPU time, not wall time: on a busy machine a thread can wait for a core longer than the budget.
Garbage collection is left out: a full collection of a large heap may start inside any evaluation
and outlast the budget, and it is the process's work, not the expression's.
"""

from __future__ import annotations

import gc
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import FrameType
from typing import Any


class BudgetExceeded(BaseException):
    """Raised from the trace function; a BaseException so a script's ``except Exception`` can't keep it."""


class _CollectorTime(threading.local):
    """CPU time this thread spent in Python's cyclic garbage collector. A collection may start
    during any evaluation and, in a process with a large heap, take longer than the whole budget;
    it is the process's work, not the expression's."""

    def __init__(self) -> None:
        self.total = 0.0
        self.started: float | None = None


_collector = _CollectorTime()
_collector_hook = threading.Lock()


def _on_collection(phase: str, info: Mapping[str, Any]) -> None:
    if phase == "start":
        _collector.started = time.thread_time()
    elif _collector.started is not None:
        _collector.total += time.thread_time() - _collector.started
        _collector.started = None


def watch_collector() -> None:
    """Start timing garbage collections in this process (once; every sandbox asks)."""
    with _collector_hook:
        if _on_collection not in gc.callbacks:
            gc.callbacks.append(_on_collection)


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Stop the code run inside (by raising `BudgetExceeded`) once it spent `seconds` of CPU time."""
    wall_deadline = time.perf_counter() + seconds
    cpu_started = time.thread_time()
    collector_started = _collector.total
    previous = sys.gettrace()

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        # The budget is the CPU time this thread spent on the expression: on a busy machine a thread
        # can wait longer than the budget for a core, and a garbage collection can run in the middle
        # of a trivial expression; neither is the expression's doing. Wall time is checked first
        # only because it is the cheaper clock to read on every traced line.
        if time.perf_counter() > wall_deadline:
            now = time.thread_time()
            collecting = now - _collector.started if _collector.started is not None else 0.0
            spent = now - cpu_started - (_collector.total - collector_started) - collecting
            if spent > seconds:
                raise BudgetExceeded
        return tracer

    sys.settrace(tracer)
    try:
        yield
    finally:
        sys.settrace(previous)
