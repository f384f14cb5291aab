"""Each request's trace, and one JSON log line per request.

The request's id is its W3C trace id: taken from an incoming ``traceparent`` header (a proxy or
another service started the trace), else new. It is bound for the processing log
(`engine.privacy.trace`: every disclosure logged while serving the request carries it) and for the
service log (`engine.logs.bind`: every line logged while the request runs). Each request is a span of
its own; the answer names it in ``traceparent`` (and the trace id in ``X-Trace-Id``), so a caller can
find its request in either log.

The request's line holds the request id, span, method, route template (never the path or query:
they can hold ids and search terms), status, duration, tenant and user — never a personal value of
a procedure."""

from __future__ import annotations

import contextlib
import logging
import re
import time

from flask import Flask, Response, g, request

from engine.logs import bind, unbind
from engine.privacy import trace

from .metrics import observe_request

log = logging.getLogger("wams.request")

TRACE_HEADER = "X-Trace-Id"
_FLAGS = re.compile(r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-([0-9a-f]{2})$")


def _route() -> str:
    # The route template (`/api/v1/tasks/<uuid:task_id>`), never the path.
    return request.url_rule.rule if request.url_rule is not None else "(unmatched)"


def install(app: Flask) -> None:
    @app.before_request
    def _begin() -> None:
        header = request.headers.get("traceparent")
        incoming = trace.trace_id_from(header)
        flags = _FLAGS.match((header or "").strip().lower()) if incoming else None
        token = trace.begin_request(incoming, f"{request.method} {_route()}")
        trace_id = trace.current().trace_id  # type: ignore[union-attr]  # just begun
        g.wams_request = (trace_id, trace.new_span_id(), flags[1] if flags else "01")
        g.wams_started = time.perf_counter()
        g.wams_tokens = (token, bind(request_id=trace_id))

    @app.after_request
    def _answer(response: Response) -> Response:
        g.wams_status = response.status_code
        found = g.get("wams_request")
        if found is not None:
            trace_id, span_id, flags = found
            response.headers[TRACE_HEADER] = trace_id
            response.headers["traceparent"] = f"00-{trace_id}-{span_id}-{flags}"
        return response

    @app.teardown_request
    def _end(error: BaseException | None) -> None:
        started, found = g.pop("wams_started", None), g.pop("wams_request", None)
        if started is None or found is None:
            return
        seconds = time.perf_counter() - started
        status = g.pop("wams_status", 500)
        route = _route()
        observe_request(request.method, route, status, seconds)
        actor = g.get("wams_actor")
        log.info(
            "request",
            extra={
                "request_id": found[0],
                "span_id": found[1],
                "method": request.method,
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 3),
                "tenant": actor.tenant_id if actor is not None else None,
                "user": actor.username if actor is not None else None,
            },
        )
        trace_token, log_token = g.pop("wams_tokens")
        # A reset from another context fails; the variables then die with that context anyway.
        with contextlib.suppress(ValueError):
            unbind(log_token)
        with contextlib.suppress(ValueError):
            trace.end_request(trace_token)
