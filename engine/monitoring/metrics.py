"""What the engine counts for Prometheus: task completions, and the scheduler's fires, lateness,
backlog, escalations and ticks; security events of logging in.

Metrics go through `prometheus_client`. With ``PROMETHEUS_MULTIPROC_DIR`` set before the process
starts (the gunicorn settings in `api/gunicorn_conf.py` set it for the web workers; the scheduler and
its fire workers inherit it when given the same directory), every process writes its values to a
file there and one scrape adds them all up; without it (`wams run`, tests) they live in this
process. Declaring a metric registers nothing in a database and starts nothing: these module-level
objects are the library's way, and cost nothing until a value is recorded.

Labels never carry personal data: tenant codes, BPMN element kinds, outcomes — no names, no ids.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

TASK_COMPLETIONS = Counter(
    "wams_task_completions", "User tasks completed.", ["tenant"]
)  # fmt: skip

TIMER_FIRES = Counter("wams_timer_fires", "Due BPMN timers fired by the scheduler (instances advanced).")
TIMER_ERRORS = Counter("wams_timer_errors", "Due timers whose firing failed (retried, or put in error).")
# From the moment a timer fell due to the commit that fired it: a scheduler falling behind shows here.
TIMER_LATENESS = Histogram(
    "wams_timer_lateness_seconds",
    "How late due timers were fired.",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0),
)
DUE_TIMERS = Gauge(
    "wams_scheduler_due_timers",
    "Instances with a timer due when the last tick began (counted up to the tick's batch + 1).",
    multiprocess_mode="mostrecent",
)
ESCALATIONS = Counter("wams_escalations", "Escalations raised by the scheduler.")
SCHEDULER_TICKS = Counter("wams_scheduler_ticks", "Scheduler ticks run.")
LAST_TICK = Gauge(
    "wams_scheduler_last_tick_timestamp_seconds",
    "When a scheduler last finished a tick (Unix time).",
    multiprocess_mode="max",
)

SECURITY_EVENTS = Counter(
    "wams_security_events", "Failed and blocked logins, refused credentials.", ["event"]
)  # fmt: skip
# Refused requests the web layer wrote to the security log (api/security.py), by outcome.
SECURITY_LOG_EVENTS = Counter(
    "wams_security_log_events", "Refused requests written to the security log.", ["outcome"]
)  # fmt: skip
