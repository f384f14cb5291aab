"""gunicorn settings for the web app: `gunicorn -c python:api.gunicorn_conf … 'api.app:create_app()'`.

gunicorn answers some requests itself, before the app sees them: a request line longer than
`limit_request_line` (414), too many or too large header fields (431), a malformed request line,
method, header or chunk (400). Its own answer is an HTML page; here it becomes
`application/problem+json` like every answer of the app, with a stable `code` and without echoing
the request (which may hold personal data in its URL). The limits stay: they bound what one request
can make a worker read before the app runs.
"""

from __future__ import annotations

import json
import socket
from http import HTTPStatus

from gunicorn import util

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
