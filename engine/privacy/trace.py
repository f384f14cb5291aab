"""The request a processing happens in: W3C trace id and the action's name, for the processing log.

The web layer sets it once per request (`api.v1.privacy`), so every log line written while serving
that request carries the same trace id without each view passing it. Engine code outside a request
(CLI, scheduler) gets a fresh trace id per operation.
"""

from __future__ import annotations

import re
import secrets
from contextvars import ContextVar, Token
from dataclasses import dataclass

_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")


@dataclass(frozen=True)
class RequestContext:
    trace_id: str
    action: str | None = None


_current: ContextVar[RequestContext | None] = ContextVar("wams_privacy_request", default=None)


def new_trace_id() -> str:
    return secrets.token_hex(16)


def new_span_id() -> str:
    return secrets.token_hex(8)


def trace_id_from(traceparent: str | None) -> str | None:
    """The trace id of a W3C `traceparent` header, or None when absent or malformed."""
    if not traceparent:
        return None
    match = _TRACEPARENT.match(traceparent.strip().lower())
    if match is None or match.group(1) == "0" * 32:
        return None
    return match.group(1)


def begin_request(trace_id: str | None, action: str | None) -> Token[RequestContext | None]:
    return _current.set(RequestContext(trace_id or new_trace_id(), action))


def end_request(token: Token[RequestContext | None]) -> None:
    _current.reset(token)


def current() -> RequestContext | None:
    return _current.get()
