"""Schedulers racing each other, as two scheduler processes on one database would."""

from __future__ import annotations

import threading
import time

from engine.clock import Clock
from engine.config import Settings
from engine.db.session import connect
from engine.scheduler.runner import Scheduler, TickReport
from engine.services import build_services


def race_schedulers(
    database_url: str, clock: Clock, *, racers: int = 2, timeout: float = 60
) -> list[TickReport]:
    """Let `racers` schedulers tick at the same moment, each on connections of its own; their reports.

    A short pause per item widens the window in which the others reach the same rows. A racer that
    raises, or does not finish within `timeout` seconds, fails the test.
    """
    barrier = threading.Barrier(racers)
    reports: list[TickReport] = []
    errors: list[BaseException] = []

    def run() -> None:
        database = connect(database_url)  # its own connections, as a second process would have
        try:
            own = build_services(Settings(env="test"), database=database, clock=clock)
            scheduler = Scheduler(own, mailer=None, on_item=lambda kind, _id: time.sleep(0.002))
            barrier.wait()
            reports.append(scheduler.tick())
        except BaseException as exc:
            errors.append(exc)
        finally:
            database.dispose()

    threads = [threading.Thread(target=run) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert errors == []
    assert not any(thread.is_alive() for thread in threads), "a racing scheduler did not finish"
    return reports
