"""A scheduler process for the crash test: one slow tick against a database at a frozen moment.

    python -m tests.scheduler.scheduler_process <database url> <iso moment> <seconds per item>

It prints a line as it takes each item (inside that item's transaction), so the test can kill it
with SIGKILL in the middle of a sweep. Timers are fired three per transaction, so a kill at the
fourth leaves the first three committed and the next batch in flight.
"""

from __future__ import annotations

import sys
import time
import uuid
from datetime import datetime

from engine.clock import FrozenClock
from engine.config import Settings
from engine.db.session import connect
from engine.scheduler.runner import Scheduler
from engine.services import build_services


def main(url: str, moment: str, delay: float) -> None:
    services = build_services(
        Settings(env="test", scheduler_fire_batch=3),
        database=connect(url),
        clock=FrozenClock(datetime.fromisoformat(moment)),
    )

    def slowly(kind: str, instance_id: uuid.UUID) -> None:
        print(kind, instance_id, flush=True)
        time.sleep(delay)

    report = Scheduler(services, mailer=None, on_item=slowly).tick()
    print("done", report.timers.fired, report.escalations.escalated, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]))
