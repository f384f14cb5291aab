"""What a scheduler tick reports to Prometheus: the due backlog when it began, the timers it fired and
how late, the escalations it raised, that it ticked (read from this process's registry)."""

from __future__ import annotations

from prometheus_client import REGISTRY

from engine.scheduler.runner import Scheduler
from tests.scheduler.conftest import set_tenant_settings, start

POLICY = {"escalatie.review": "uit", "escalatie.fase.beoordeling": "uit", "escalatie.taak": "P5D"}
NAMES = (
    "wams_timer_fires_total",
    "wams_timer_lateness_seconds_count",
    "wams_timer_lateness_seconds_sum",
    "wams_escalations_total",
    "wams_scheduler_ticks_total",
)


def _values() -> dict[str, float]:
    return {name: REGISTRY.get_sample_value(name) or 0.0 for name in NAMES}


def test_a_tick_counts_fires_lateness_backlog_and_escalations(services, deployed, clock):
    set_tenant_settings(services, POLICY)
    for _ in range(3):
        start(services, "timers", {"herinneringen": 0})
    for _ in range(2):
        start(services, "deadlines", {"beoordelaar": "anna"})
    clock.advance(days=5, seconds=1)  # the timers (PT2H) are due 4 days 22 hours late, the tasks (P5D) 1 s
    before = _values()
    report = Scheduler(services, mailer=None).tick()
    after = {name: value - before[name] for name, value in _values().items()}
    assert report.timers.fired == 3 and report.escalations.escalated == 2
    assert REGISTRY.get_sample_value("wams_scheduler_due_timers") == 3
    assert after["wams_timer_fires_total"] == 3
    assert after["wams_timer_lateness_seconds_count"] == 3
    late = (5 * 86400 + 1) - 2 * 3600
    assert after["wams_timer_lateness_seconds_sum"] == 3 * late
    assert after["wams_escalations_total"] == 2
    assert after["wams_scheduler_ticks_total"] == 1
    Scheduler(services, mailer=None).tick()
    assert REGISTRY.get_sample_value("wams_scheduler_due_timers") == 0
