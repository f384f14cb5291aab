"""Where the long-running processes (the web app, `wams scheduler` and its fire workers) log: stderr,
at ``WAMS_LOG_LEVEL``, one JSON object per line (``WAMS_LOG_FORMAT=json``, the default in production)
or plain text.

Every line carries the context bound for the work in progress (`log_context`, `bind`): the web app
binds each request's id (its W3C trace id), tenant and user, so a line logged deep inside a command
can be traced to its request. What is bound, and what code logs, is never a personal value: no form
values, names or free text of a procedure — only ids, codes, counts and durations. A test plants
markers in every field of a procedure and reads the log for them (tests/api/test_request_log.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from types import MappingProxyType
from typing import Any, TextIO

from pythonjsonlogger.json import JsonFormatter

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
FORMATS = ("json", "text")
TEXT_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s"
JSON_NAMES = {"asctime": "time", "levelname": "level", "name": "logger", "process": "pid"}

_CONTEXT: ContextVar[Mapping[str, Any]] = ContextVar("wams_log_context", default=MappingProxyType({}))


def bind(**fields: Any) -> Token[Mapping[str, Any]]:
    """Add fields to every line logged from here on in this context; `unbind(token)` ends them."""
    return _CONTEXT.set({**_CONTEXT.get(), **fields})


def unbind(token: Token[Mapping[str, Any]]) -> None:
    _CONTEXT.reset(token)


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    token = bind(**fields)
    try:
        yield
    finally:
        unbind(token)


class ContextFilter(logging.Filter):
    """Copies the bound context onto each record (fields the call gave itself win)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _CONTEXT.get().items():
            if key not in record.__dict__:
                setattr(record, key, value)
        return True


def formatter(kind: str) -> logging.Formatter:
    if kind == "json":
        return JsonFormatter(JSON_FIELDS, rename_fields=JSON_NAMES, json_ensure_ascii=False)
    return logging.Formatter(TEXT_FORMAT)


def configure_logging(level: str, kind: str = "json", stream: TextIO | None = None) -> None:
    """Log to stderr (or `stream`) at `level`. Calling it again replaces the handler it installed,
    so a process configures once however often it is called.

    SpiffWorkflow reports every task state change at INFO (`spiff.*`): thousands of lines a second
    under load, whose formatting alone costs more than the steps — it speaks at WARNING unless the
    level is DEBUG, as does APScheduler's report of every tick."""
    number = logging.getLevelName(level.upper())
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "wams_handler", False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream)
    handler.wams_handler = True  # type: ignore[attr-defined]
    handler.setFormatter(formatter(kind))
    handler.addFilter(ContextFilter())
    root.addHandler(handler)
    root.setLevel(number)
    # SpiffWorkflow puts a task's whole data (personal values) on its lines whenever the `spiff.task`
    # logger's own level is below INFO: at DEBUG it speaks at INFO (state changes, without the data).
    spiff_task = max(number, logging.INFO if number <= logging.DEBUG else logging.WARNING)
    logging.getLogger("spiff.task").setLevel(spiff_task)
    if number > logging.DEBUG:
        logging.getLogger("spiff").setLevel(max(number, logging.WARNING))
        # Two lines a second ("Running job", "executed successfully") say nothing the status doesn't.
        logging.getLogger("apscheduler.executors").setLevel(max(number, logging.WARNING))


# gunicorn's access-log atoms (its `access_log_format` letters) a line may carry: no client address,
# query string, user agent or referrer, which may be personal data.
ACCESS_FIELDS = {"m": "method", "U": "path", "s": "status", "B": "bytes", "M": "duration_ms"}


def _access_fields(record: logging.LogRecord) -> dict[str, Any] | None:
    atoms = record.args
    if not isinstance(atoms, Mapping):
        return None
    fields: dict[str, Any] = {}
    for atom, name in ACCESS_FIELDS.items():
        value = atoms.get(atom)
        if value not in (None, "-"):
            numeric = name not in {"method", "path"} and str(value).isdigit()
            fields[name] = int(str(value)) if numeric else value
    return fields


class _AccessJson(JsonFormatter):
    """A gunicorn access line as JSON: message "request" and the fields of `ACCESS_FIELDS`."""

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        fields = _access_fields(record)
        if fields is not None:
            log_data["message"] = "request"
            log_data.update(fields)


class _AccessText(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = _access_fields(record)
        if fields is None:
            return super().format(record)
        record = logging.makeLogRecord({**record.__dict__, "args": None})
        record.msg = " ".join(f"{k}={v}" for k, v in fields.items())
        return super().format(record)


def access_formatter(kind: str) -> logging.Formatter:
    """For gunicorn's `gunicorn.access` logger (api/gunicorn_conf.py)."""
    if kind == "json":
        return _AccessJson(JSON_FIELDS, rename_fields=JSON_NAMES, json_ensure_ascii=False)
    return _AccessText(TEXT_FORMAT)
