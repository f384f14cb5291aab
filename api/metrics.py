"""Prometheus metrics through `prometheus_client`: requests by route template and status, their
durations, what the engine counts (`engine.monitoring.metrics`: task completions, the scheduler's
fires, lateness, backlog and escalations, security events) and the municipality's gauges read from
the database at scrape time (`engine.monitoring.gauges`).

With ``PROMETHEUS_MULTIPROC_DIR`` set (gunicorn started with `api/gunicorn_conf.py` sets it), every
process writes its values to files there and a scrape, answered by any worker, adds up all of them:
every gunicorn worker, workers that have exited, and schedulers given the same directory. Without it
(`wams run`, tests) the scrape shows this process."""

from __future__ import annotations

import os

from flask import Response
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from engine.monitoring.gauges import Gauges

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
# The classic text format (what every Prometheus version reads); our names need no escaping.
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter(
    "wams_http_requests", "HTTP requests handled.", ["method", "endpoint", "status"]
)  # fmt: skip
DURATION = Histogram(
    "wams_http_request_duration_seconds",
    "Time to answer a request.",
    ["method", "endpoint"],
    buckets=BUCKETS,
)


class _TenantGauges(Collector):
    """The gauges of the scraping admin's municipality, as read from the database just now."""

    def __init__(self, gauges: Gauges) -> None:
        self.gauges = gauges

    def collect(self):  # type: ignore[no-untyped-def]
        found, tenant = self.gauges, self.gauges.tenant_id
        open_tasks = GaugeMetricFamily(
            "wams_open_tasks", "Open user tasks by role.", labels=["tenant", "role"]
        )
        for role, count in sorted(found.open_tasks.items()):
            open_tasks.add_metric([tenant, role], count)
        overdue = GaugeMetricFamily(
            "wams_overdue_tasks", "Open tasks past their due date.", labels=["tenant"]
        )
        overdue.add_metric([tenant], found.overdue_tasks)
        instances = GaugeMetricFamily(
            "wams_process_instances", "Process instances by status.", labels=["tenant", "status"]
        )
        for status, count in sorted(found.instances.items()):
            instances.add_metric([tenant, status], count)
        procedures = GaugeMetricFamily(
            "wams_procedures", "Procedures by status.", labels=["tenant", "status"]
        )
        for status, count in sorted(found.procedures.items()):
            procedures.add_metric([tenant, status], count)
        past_due = GaugeMetricFamily(
            "wams_timers_past_due", "Running instances whose next timer is past due.", labels=["tenant"]
        )
        past_due.add_metric([tenant], found.timers_past_due)
        yield from (open_tasks, overdue, instances, procedures, past_due)


class _OwnTenant(Collector):
    """Another collector's samples without those labelled with another municipality: tenants never
    see each other, not even as counts."""

    def __init__(self, source: Collector, tenant: str) -> None:
        self.source, self.tenant = source, tenant

    def collect(self):  # type: ignore[no-untyped-def]
        for family in self.source.collect():
            family.samples = [s for s in family.samples if s.labels.get("tenant", self.tenant) == self.tenant]
            yield family


def process_metrics(tenant: str) -> bytes:
    """Counters and histograms: of every process sharing the multiprocess directory, else of this one."""
    directory = os.environ.get(MULTIPROC_ENV)
    source: Collector = MultiProcessCollector(None, path=directory) if directory else REGISTRY
    registry = CollectorRegistry()
    registry.register(_OwnTenant(source, tenant))
    return generate_latest(registry)


def exposition(gauges: Gauges) -> Response:
    tenant = CollectorRegistry()
    tenant.register(_TenantGauges(gauges))
    body = process_metrics(gauges.tenant_id) + generate_latest(tenant)
    return Response(body, content_type=CONTENT_TYPE)


def install() -> None:
    # `*_created` series double every counter's lines and say only when the process started.
    disable_created_metrics()


def observe_request(method: str, endpoint: str, status: int, seconds: float) -> None:
    """Count one answered request (`api.request_log` calls this as each request ends)."""
    REQUESTS.labels(method, endpoint, str(status)).inc()
    DURATION.labels(method, endpoint).observe(seconds)
