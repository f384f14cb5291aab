"""Words for the codes the engine stores (statuses, event types, kinds of people), in the reader's
language. Template globals; unknown codes are shown as they are."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import gettext, lazy_gettext

TASK_STATUS = {
    "open": lazy_gettext("open"),
    "completed": lazy_gettext("completed"),
    "cancelled": lazy_gettext("cancelled"),
}
PROCEDURE_STATUS = {
    "open": lazy_gettext("running"),
    "suspended": lazy_gettext("suspended"),
    "closed": lazy_gettext("closed"),
    "cancelled": lazy_gettext("cancelled"),
}
SUBJECT_KIND = {
    "client": lazy_gettext("client"),
    "household_member": lazy_gettext("household member"),
    "reporter": lazy_gettext("reporter"),
}
PARTICIPATION = {
    "pending": lazy_gettext("not asked yet"),
    "included": lazy_gettext("takes part"),
    "declined": lazy_gettext("declined to take part"),
}
EVENT = {
    "instance_started": lazy_gettext("Procedure started"),
    "task_opened": lazy_gettext("Task opened"),
    "task_completed": lazy_gettext("Task completed"),
    "task_cancelled": lazy_gettext("Task closed without completing"),
    "task_claimed": lazy_gettext("Task claimed"),
    "task_released": lazy_gettext("Task given back"),
    "task_assigned": lazy_gettext("Task handed over"),
    "message_received": lazy_gettext("Message received"),
    "timers_fired": lazy_gettext("Period passed"),
    "instance_error": lazy_gettext("The process stopped with an error"),
    "continued": lazy_gettext("Moved on to the next part"),
    "instance_completed": lazy_gettext("Procedure ended"),
    "instance_cancelled": lazy_gettext("Procedure cancelled"),
    "procedure_suspended": lazy_gettext("Procedure suspended"),
    "procedure_resumed": lazy_gettext("Procedure resumed"),
    "timers_shifted": lazy_gettext("Waiting periods moved on by the suspension"),
    "procedure_extended": lazy_gettext("Deadlines extended"),
    "escalation_raised": lazy_gettext("Escalated"),
    "escalation_resolved": lazy_gettext("Escalation resolved"),
    "escalation_lapsed": lazy_gettext("Escalation no longer needed"),
}
HIDDEN_EVENTS = frozenset({"path"})


def _lookup(table: dict[str, Any], code: str | None) -> str:
    if code is None:
        return ""
    found = table.get(code)
    return str(found) if found is not None else code


def task_status(code: str | None) -> str:
    return _lookup(TASK_STATUS, code)


def procedure_status(code: str | None) -> str:
    return _lookup(PROCEDURE_STATUS, code)


def subject_kind(code: str | None) -> str:
    return _lookup(SUBJECT_KIND, code)


def participation(code: str | None) -> str:
    return _lookup(PARTICIPATION, code)


def event_label(code: str | None) -> str:
    return _lookup(EVENT, code)


def fact_value(value: Any) -> str:
    if value is True:
        return gettext("Yes")
    if value is False:
        return gettext("No")
    if isinstance(value, list):
        return ", ".join(fact_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {fact_value(v)}" for k, v in value.items())
    return "" if value is None else str(value)


def install(app: Flask) -> None:
    for function in (task_status, procedure_status, subject_kind, participation, event_label, fact_value):
        app.add_template_global(function)
    app.add_template_global(HIDDEN_EVENTS, "hidden_events")
