"""gunicorn settings for the web app: ``gunicorn -c python:api.gunicorn_conf 'api.app:create_app()'``
(other options on the command line as usual).

Errors gunicorn answers itself. gunicorn answers some requests before the app sees them: a request
line longer than `limit_request_line` (414), too many or too large header fields (431), a malformed
request line, method, header or chunk (400). Its own answer is an HTML page; here it becomes
`application/problem+json` like every answer of the app, with a stable `code` and without echoing
the request (which may hold personal data in its URL). The limits stay: they bound what one request
can make a worker read before the app runs.

Metrics of all workers in one scrape: prometheus_client's multiprocess mode needs
``PROMETHEUS_MULTIPROC_DIR`` set before a worker imports it. When the environment names no
directory, the master makes a fresh one for this run (and removes it at exit); when it names one
(shared with `wams scheduler` so the scrape includes the scheduler too), it is used as it is: give it
an empty directory when the services start (docker-compose.yml's `migrate` step empties it). A worker
that exits is marked dead, so its live gauges stop counting; its counters stay in the totals.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
from http import HTTPStatus
from typing import Any

from gunicorn import util

from engine.config import Settings, log_format

# --- gunicorn's own errors as problem+json --------------------------------------------------------

# The same as gunicorn's defaults, written down because the answers above depend on them.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

CODES = {
    400: "bad_request",
    403: "not_authorized",
    414: "uri_too_long",
    417: "expectation_failed",
    431: "header_fields_too_large",
    500: "internal_error",
    501: "not_implemented",
}


def problem_bytes(status: int, reason: str) -> bytes:
    """A complete HTTP/1.1 response with a problem+json body (RFC 9457)."""
    code = CODES.get(status, "bad_request")
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else reason
    body = json.dumps(
        {
            "type": f"urn:wams:problem:{code}",
            "title": phrase,
            "status": status,
            "code": code,
            "detail": phrase,
        }
    ).encode("utf-8")
    head = (
        f"HTTP/1.1 {status} {phrase}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/problem+json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


def write_problem(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """Replaces `gunicorn.util.write_error` (what every worker calls for these answers)."""
    util.write_nonblock(sock, problem_bytes(status_int, reason))


util.write_error = write_problem

# --- metrics of every worker in one scrape ----------------------------------------------------------

_ENV = "PROMETHEUS_MULTIPROC_DIR"
_made_here: str | None = None

if not os.environ.get(_ENV):
    _made_here = tempfile.mkdtemp(prefix="wams-metrics-")
    os.environ[_ENV] = _made_here


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    if _made_here is not None:
        shutil.rmtree(_made_here, ignore_errors=True)


# --- gunicorn's own log lines like the app's ---------------------------------------------------------

# gunicorn writes its error log (starting, booting and stopping workers, a worker's crash) and, when
# asked, an access log line per request through the loggers `gunicorn.error` and `gunicorn.access`.
# They go to stderr in the app's format: one JSON object per line (engine/logs.py) when
# WAMS_LOG_FORMAT is json, as it is by default in production (the rule is engine.config.log_format).
# The access log is off unless WAMS_ACCESS_LOG=true: the app already logs each request it answers
# (api/request_log.py) with its route template, municipality and user. An access line holds the
# method, the path without its query string, status, size and duration; never the client's address,
# the query or the user agent (they may be personal data).
_log_format = log_format(os.environ.get("WAMS_ENV", Settings.env), os.environ.get("WAMS_LOG_FORMAT", ""))
_access = os.environ.get("WAMS_ACCESS_LOG", "").lower() in {"1", "true", "yes", "on"}
_level = os.environ.get("WAMS_LOG_LEVEL", Settings.log_level).upper()

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    # The root logger is the app's (engine.logs.configure_logging installs its handler in each worker).
    "root": {"level": _level, "handlers": []},
    "loggers": {
        "gunicorn.error": {"level": _level, "handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {
            "level": "INFO" if _access else "WARNING",
            "handlers": ["access"],
            "propagate": False,
        },
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": _log_format, "stream": "ext://sys.stderr"},
        "access": {
            "class": "logging.StreamHandler",
            "formatter": f"access_{_log_format}",
            "stream": "ext://sys.stderr",
        },
    },
    "formatters": {
        "json": {"()": "engine.logs.formatter", "kind": "json"},
        "text": {"()": "engine.logs.formatter", "kind": "text"},
        "access_json": {"()": "engine.logs.access_formatter", "kind": "json"},
        "access_text": {"()": "engine.logs.access_formatter", "kind": "text"},
    },
}
