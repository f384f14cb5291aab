"""The scheduler's own Prometheus endpoint: ``wams scheduler --metrics-port N``.

The scheduler runs as a service of its own (docker-compose.yml), in another container than the web
app, so the web app's ``GET /metrics`` cannot read its files. With a metrics port it answers
``GET /metrics`` itself: its figures and those of its fire workers (spawned processes), added up
through prometheus_client's multiprocess mode — timers fired and how late (histogram), the due
backlog, escalations, ticks.

prometheus_client chooses between in-process and multiprocess values when it is imported, which
the ``wams`` command has done long before it reads its options. So when the environment names no
``PROMETHEUS_MULTIPROC_DIR``, the command makes a fresh directory and starts itself again in the
same process (`os.execv`: same pid, same signals) with the variable set; that run removes the
directory when it exits.

Access: the endpoint listens on ``--metrics-host`` (127.0.0.1 unless told otherwise); with
``--metrics-token`` (``WAMS_SCHEDULER_METRICS_TOKEN``) it answers only ``Authorization: Bearer
<token>``, else 401. Its figures carry no personal data and no municipality (docs/scheduler.md).
"""

from __future__ import annotations

import atexit
import hmac
import json
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
OWNED_ENV = "WAMS_OWNED_METRICS_DIR"


def ensure_multiprocess_dir() -> None:
    """Make sure this process counts in multiprocess mode; may replace the process image (`execv`)."""
    if os.environ.get(MULTIPROC_ENV):
        owned = os.environ.get(OWNED_ENV)
        if owned and owned == os.environ[MULTIPROC_ENV]:
            atexit.register(shutil.rmtree, owned, ignore_errors=True)
        return
    directory = tempfile.mkdtemp(prefix="wams-scheduler-metrics-")
    os.environ[MULTIPROC_ENV] = directory
    os.environ[OWNED_ENV] = directory
    sys.stdout.flush()
    sys.stderr.flush()
    code = "import sys; from api.cli import main; sys.argv[0] = 'wams'; main(prog_name='wams')"
    os.execv(sys.executable, [sys.executable, "-c", code, *sys.argv[1:]])  # noqa: S606 - this same command


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes every few seconds are not worth a log line each."""


_UNAUTHORIZED = json.dumps(
    {
        "type": "urn:wams:problem:not_authenticated",
        "title": "Unauthorized",
        "status": 401,
        "code": "not_authenticated",
        "detail": "the scheduler's metrics need Authorization: Bearer <WAMS_SCHEDULER_METRICS_TOKEN>",
    }
).encode()

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def metrics_app(token: str | None) -> WsgiApp:
    """``GET /metrics``: every process writing to the multiprocess directory (this scheduler and its
    fire workers), in the classic text format."""
    from prometheus_client import CollectorRegistry, make_wsgi_app
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=os.environ[MULTIPROC_ENV])
    inner = make_wsgi_app(registry)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        given = environ.get("HTTP_AUTHORIZATION", "")
        if token and not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            headers = [("Content-Type", "application/problem+json"), ("WWW-Authenticate", "Bearer")]
            start_response("401 Unauthorized", headers)
            return [_UNAUTHORIZED]
        if environ.get("PATH_INFO") not in ("/metrics", "/"):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"GET /metrics\n"]
        return inner(environ, start_response)

    return app


def serve(host: str, port: int, token: str | None) -> WSGIServer:
    """Serve the metrics in a daemon thread; the caller shuts the server down when it stops."""
    server = make_server(host, port, metrics_app(token), server_class=_Server, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server
