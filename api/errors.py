"""The one mapping from errors to HTTP: `application/problem+json` (RFC 9457) with a stable `code`, a
message in the reader's language (Dutch or English) and field errors where they apply. A browser asking
for a page outside the REST API gets the same error as an HTML page (`api.error_pages`). No stack traces:
an unexpected error is logged and answered with a bare 500."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, current_app, make_response, request
from flask_babel import gettext, lazy_gettext
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from engine.accounts.service import TooManyAttempts
from engine.errors import (
    ClockBackwards,
    Conflict,
    DomainError,
    FieldError,
    InvalidBody,
    InvalidForm,
    InvalidInput,
    InvalidProcessModel,
    NotAuthenticated,
    NotAuthorized,
    NotFound,
    ProcessError,
    ScriptError,
)

from .error_pages import error_page, page_headers, wants_html
from .field_messages import MESSAGES, field_message
from .security import record_refusal

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:wams:problem:"

# Most specific first: the first matching class decides the status.
STATUS_BY_ERROR: list[tuple[type[DomainError], int]] = [
    (TooManyAttempts, 429),
    (NotFound, 404),
    (NotAuthenticated, 401),
    (NotAuthorized, 403),
    (InvalidBody, 400),
    (ClockBackwards, 422),
    (InvalidForm, 422),
    (InvalidProcessModel, 422),
    (InvalidInput, 422),
    (Conflict, 409),
    (ScriptError, 422),
    (ProcessError, 422),
]

TITLES: dict[str, Any] = {
    "not_found": lazy_gettext("Not found"),
    "not_authenticated": lazy_gettext("Not logged in"),
    "too_many_attempts": lazy_gettext("Too many attempts"),
    "not_authorized": lazy_gettext("Not allowed"),
    "not_a_rehearsal": lazy_gettext("Only the clock of a rehearsal municipality can be read or moved"),
    "clock_backwards": lazy_gettext("Rehearsal time only moves forward"),
    "task_claimed_by_other": lazy_gettext("Someone else has this task"),
    "invalid_form": lazy_gettext("The form is not filled in correctly"),
    "invalid_input": lazy_gettext("The request is not valid"),
    "invalid_body": lazy_gettext("The request body is not valid JSON"),
    "invalid_process_model": lazy_gettext("The process model has errors"),
    "conflict": lazy_gettext("Changed by someone else"),
    "task_already_completed": lazy_gettext("The task has already been completed"),
    "task_already_claimed": lazy_gettext("The task is claimed by someone else"),
    "task_not_open": lazy_gettext("The task is no longer open"),
    "task_not_completable": lazy_gettext("This task is not completed with a form"),
    "invalid_transition": lazy_gettext("This change is not possible now"),
    "script_error": lazy_gettext("A rule in the process model failed"),
    "sandbox_violation": lazy_gettext("A rule in the process model is not allowed"),
    "script_timeout": lazy_gettext("A rule in the process model took too long"),
    "process_error": lazy_gettext("The process cannot continue"),
    "bad_request": lazy_gettext("The request is not valid"),
    "method_not_allowed": lazy_gettext("Method not allowed"),
    "payload_too_large": lazy_gettext("The upload is too large"),
    "unsupported_media_type": lazy_gettext("Unsupported content type"),
    "not_acceptable": lazy_gettext("Not acceptable"),
    "internal_error": lazy_gettext("Something went wrong on our side"),
    "service_unavailable": lazy_gettext("The service is unavailable"),
}

# Field error messages by code (api/field_messages.py); codes not listed keep the validator's message.
FIELD_MESSAGES = MESSAGES

HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "not_authorized",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_attempts",
    422: "invalid_input",
    503: "service_unavailable",
}


def status_of(error: DomainError) -> int:
    for kind, status in STATUS_BY_ERROR:
        if isinstance(error, kind):
            return status
    return 400


def _title(code: str, status: int) -> str:
    title = TITLES.get(code) or TITLES.get(HTTP_CODES.get(status, ""))
    return str(title) if title is not None else gettext("Error")


def _field(error: FieldError) -> dict[str, str]:
    return {"field": error.field, "code": error.code, "message": field_message(error, fallback=error.message)}


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return str(value)


def problem(
    status: int,
    code: str,
    detail: str | None = None,
    *,
    errors: list[dict[str, Any]] | None = None,
    issues: list[dict[str, Any]] | None = None,
    details: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + code,
        "title": _title(code, status),
        "status": status,
        "code": code,
        "detail": detail or _title(code, status),
        "instance": request.path,
    }
    if errors is not None:
        body["errors"] = errors
    if issues is not None:
        body["issues"] = issues
    if details:
        body["details"] = _jsonable(details)
    for key, value in (extra or {}).items():  # extension members (RFC 9457 §3.2)
        body.setdefault(key, _jsonable(value))
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON)
    response.headers["Content-Language"] = _language()
    if status == 429:
        response.headers["Retry-After"] = "900"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="wams"'
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _language() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return str(locale.language) if locale else "nl"


def _page(status: int, message: str | None = None, code: str | None = None) -> Response:
    response = make_response(error_page(status, message, code))
    for key, value in page_headers().items():
        response.headers.setdefault(key, value)
    response.headers["Content-Language"] = _language()
    return response


def domain_error_response(error: DomainError, *, extra: Mapping[str, Any] | None = None) -> Response:
    status = status_of(error)
    record_refusal(error, status)
    if wants_html():
        plain = error.code in ("not_found", "not_authorized", "not_authenticated")
        return _page(status, None if plain else _title(error.code, status), error.code)
    errors = None
    if isinstance(error, InvalidForm):
        errors = [_field(e) for e in error.errors]
    elif isinstance(error, InvalidInput) and "field" in error.details:
        field = str(error.details["field"])
        errors = [{"field": field, "code": "invalid", "message": gettext(error.message)}]
    elif isinstance(error, Conflict | NotFound) and "field" in error.details:
        errors = [
            {"field": str(error.details["field"]), "code": error.code, "message": gettext(error.message)}
        ]
    issues = [i.as_dict() for i in error.issues] if isinstance(error, InvalidProcessModel) else None
    details = {k: v for k, v in error.details.items() if k != "field"}
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, TooManyAttempts) else None
    return problem(
        status,
        error.code,
        gettext(error.message),
        errors=errors,
        issues=issues,
        details=details,
        headers=headers,
        extra=extra,
    )


def _flatten(messages: Any, prefix: str = "") -> list[dict[str, str]]:
    """webargs/marshmallow messages ({location: {field: [msg]}}) as a flat list of field errors."""
    result: list[dict[str, str]] = []
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = str(key) if not prefix else f"{prefix}.{key}"
            result.extend(_flatten(value, name))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        result.extend({"field": prefix, "code": "invalid", "message": m} for m in messages)
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            result.extend(_flatten(value, f"{prefix}[{index}]"))
    else:
        result.append({"field": prefix, "code": "invalid", "message": str(messages)})
    return result


def http_error_response(error: HTTPException) -> Response:
    status = error.code or 500
    if wants_html():
        response = _page(status)
        for key, value in error.get_headers():
            if key.lower() not in {"content-type", "content-length"}:
                response.headers[key] = value
        return response
    if status >= 500:
        return problem(status, "internal_error" if status == 500 else "service_unavailable")
    code = HTTP_CODES.get(status, "bad_request")
    data = getattr(error, "data", None) or {}
    errors = None
    if "messages" in data:  # argument parsing (webargs): the location is not part of the field name
        messages = data["messages"]
        per_location = messages.values() if isinstance(messages, Mapping) else [messages]
        errors = [e for value in per_location for e in _flatten(value)]
        code = "invalid_input"
    headers = {k: v for k, v in error.get_headers() if k.lower() not in {"content-type", "content-length"}}
    detail = None if errors else (error.description if status != 404 else None)
    return problem(status, code, detail, errors=errors, headers=headers)


def data_error_response(error: DataError) -> Response:
    """A value the database cannot store (too long, out of range, unstorable characters): the request's
    fault, answered 422 rather than 500; logged, since a schema should have caught it earlier."""
    current_app.logger.warning(
        "database refused a value on %s %s: %s", request.method, request.path, error.orig
    )
    message = gettext("a value cannot be stored (too long or not allowed)")
    if wants_html():
        return _page(422, message, "invalid_input")
    return problem(422, "invalid_input", message)


def unexpected_error_response(error: Exception) -> Response:
    current_app.logger.exception("unexpected error on %s %s", request.method, request.path, exc_info=error)
    if wants_html():
        return _page(500)
    return problem(500, "internal_error")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, domain_error_response)
    app.register_error_handler(HTTPException, http_error_response)
    app.register_error_handler(DataError, data_error_response)
    app.register_error_handler(Exception, unexpected_error_response)
