"""A subprocess of bench/national.py: one municipality's XES export written to /dev/null as the API
streams it (open_export: the processing log first, then the document), and this process's peak
resident memory. Prints one JSON line.

python -m bench.export_probe <database url> <tenant> <instance folder>
"""

from __future__ import annotations

import json
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from engine.access import Actor
from engine.clock import FrozenClock
from engine.config import Settings
from engine.db.session import connect
from engine.monitoring.eventlog import open_export
from engine.roles import Role
from engine.services import build_services


def main(url: str, tenant: str, workdir: str) -> None:
    settings = Settings.from_env({}, env="test", database_url=url, instance_path=Path(workdir))
    now = datetime(2027, 1, 1, 9, tzinfo=UTC)
    services = build_services(settings, database=connect(url, pool_size=2), clock=FrozenClock(now))
    actor = Actor(f"manager.{tenant}", tenant, frozenset({Role.MANAGER}))
    start, end = datetime(2023, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    began = time.perf_counter()
    export = open_export(
        services.uow(), services.uow(readonly=True), actor, "xes", start, end, settings.pseudonym_key
    )
    logged = time.perf_counter()
    events = 0
    with open("/dev/null", "w", encoding="utf-8") as sink:
        for chunk in export.chunks:
            events += chunk.count("<event>")
            sink.write(chunk)
    done = time.perf_counter()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "events": events,
                "log_s": round(logged - began, 2),
                "write_s": round(done - logged, 2),
                "events_per_s": round(events / (done - logged)),
                "peak_rss_mb": round(peak_kb / 1024, 1),
            }
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:4])
