"""Prometheus metrics: request counts and durations of this worker process, the refused requests it
wrote to the security log, plus the municipality's gauges read from the database
(`engine.monitoring.gauges`). Text exposition format 0.0.4.

Request metrics are per worker process (each gunicorn worker counts its own requests, labelled with
its pid); the gauges are the same from any worker."""

from __future__ import annotations

import os
import threading
import time
from collections import defaultdict

from flask import Flask, Response, g, request

from engine.monitoring.gauges import Gauges

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class RequestMetrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts: dict[tuple[str, str, str], int] = defaultdict(int)
        self.sums: dict[tuple[str, str], float] = defaultdict(float)
        self.buckets: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * (len(BUCKETS) + 1))
        # Refused requests written to the security log, by outcome (api.security).
        self.security_events: dict[str, int] = defaultdict(int)

    def count_security_event(self, outcome: str) -> None:
        with self._lock:
            self.security_events[outcome] += 1

    def observe(self, method: str, endpoint: str, status: int, seconds: float) -> None:
        key = (method, endpoint)
        with self._lock:
            self.counts[(method, endpoint, str(status))] += 1
            self.sums[key] += seconds
            counts = self.buckets[key]
            for index, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    counts[index] += 1
            counts[-1] += 1

    def render(self) -> list[str]:
        pid = str(os.getpid())
        lines = [
            "# HELP wams_http_requests_total HTTP requests handled by this worker.",
            "# TYPE wams_http_requests_total counter",
        ]
        with self._lock:
            for (method, endpoint, status), count in sorted(self.counts.items()):
                labels = _labels(method=method, endpoint=endpoint, status=status, pid=pid)
                lines.append(f"wams_http_requests_total{labels} {count}")
            lines += [
                "# HELP wams_http_request_duration_seconds Time to answer a request in this worker.",
                "# TYPE wams_http_request_duration_seconds histogram",
            ]
            for (method, endpoint), counts in sorted(self.buckets.items()):
                for bound, count in zip((*BUCKETS, "+Inf"), counts, strict=True):
                    labels = _labels(method=method, endpoint=endpoint, pid=pid, le=str(bound))
                    lines.append(f"wams_http_request_duration_seconds_bucket{labels} {count}")
                base = _labels(method=method, endpoint=endpoint, pid=pid)
                lines.append(
                    f"wams_http_request_duration_seconds_sum{base} {self.sums[(method, endpoint)]:.6f}"
                )
                lines.append(f"wams_http_request_duration_seconds_count{base} {counts[-1]}")
            lines += [
                "# HELP wams_security_events_total Refused requests this worker wrote to the security log.",
                "# TYPE wams_security_events_total counter",
            ]
            for outcome, count in sorted(self.security_events.items()):
                lines.append(f"wams_security_events_total{_labels(outcome=outcome, pid=pid)} {count}")
        return lines


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(**labels: str) -> str:
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items()) + "}"


def gauge_lines(gauges: Gauges) -> list[str]:
    tenant = gauges.tenant_id
    lines = ["# HELP wams_open_tasks Open user tasks by role.", "# TYPE wams_open_tasks gauge"]
    lines += [
        f"wams_open_tasks{_labels(tenant=tenant, role=r)} {n}" for r, n in sorted(gauges.open_tasks.items())
    ]
    lines += ["# HELP wams_overdue_tasks Open tasks past their due date.", "# TYPE wams_overdue_tasks gauge"]
    lines.append(f"wams_overdue_tasks{_labels(tenant=tenant)} {gauges.overdue_tasks}")
    lines += [
        "# HELP wams_process_instances Process instances by status.",
        "# TYPE wams_process_instances gauge",
    ]
    lines += [
        f"wams_process_instances{_labels(tenant=tenant, status=s)} {n}"
        for s, n in sorted(gauges.instances.items())
    ]
    lines += ["# HELP wams_procedures Procedures by status.", "# TYPE wams_procedures gauge"]
    lines += [
        f"wams_procedures{_labels(tenant=tenant, status=s)} {n}" for s, n in sorted(gauges.procedures.items())
    ]
    lines += [
        "# HELP wams_timers_past_due Running instances whose next timer is past due.",
        "# TYPE wams_timers_past_due gauge",
        f"wams_timers_past_due{_labels(tenant=tenant)} {gauges.timers_past_due}",
    ]
    return lines


def exposition(metrics: RequestMetrics, gauges: Gauges) -> Response:
    return Response("\n".join(metrics.render() + gauge_lines(gauges)) + "\n", content_type=CONTENT_TYPE)


def install(app: Flask) -> RequestMetrics:
    metrics = RequestMetrics()
    app.extensions["wams_metrics"] = metrics

    @app.before_request
    def _start_timer() -> None:
        g.wams_started = time.perf_counter()

    @app.teardown_request
    def _observe(_: BaseException | None) -> None:
        started = g.pop("wams_started", None)
        if started is None:
            return
        response_status = g.pop("wams_status", 0)
        endpoint = request.url_rule.rule if request.url_rule is not None else "(unmatched)"
        metrics.observe(request.method, endpoint, response_status, time.perf_counter() - started)

    @app.after_request
    def _status(response: Response) -> Response:
        g.wams_status = response.status_code
        return response

    return metrics
