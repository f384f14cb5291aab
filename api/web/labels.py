"""Words for the codes the engine stores (statuses, event types, kinds of people) and for the keys of
the bundle's catalogues (parties, legal grounds, phases, form choices, usernames), in the reader's
language. Template globals; unknown codes are shown as they are.

The catalogue labels come from `engine.definitions.labels` once per request. English names of tasks,
phases and form fields come from the bundle's labels.yaml (`model_text`); what it lacks stays Dutch."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask, g, has_request_context
from flask_babel import format_date, gettext, lazy_gettext

from engine.definitions.labels import Labels, display_names, tenant_labels
from engine.errors import DomainError
from engine.roles import Role

from ..auth import current_actor

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
# The data categories of forms/ (`x-category`); a bundle's own category shows its code.
CATEGORY = {
    "general": lazy_gettext("general"),
    "identifying": lazy_gettext("identifying"),
    "financial": lazy_gettext("financial"),
    "housing": lazy_gettext("housing"),
    "education": lazy_gettext("education"),
    "work_income": lazy_gettext("work and income"),
    "health": lazy_gettext("health (special category)"),
    "criminal": lazy_gettext("criminal (special category)"),
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
    "migrated": lazy_gettext("Moved to a new version of the process"),
    "instance_completed": lazy_gettext("Procedure ended"),
    "instance_cancelled": lazy_gettext("Procedure cancelled"),
    "procedure_suspended": lazy_gettext("Procedure suspended"),
    "procedure_resumed": lazy_gettext("Procedure resumed"),
    "timers_shifted": lazy_gettext("Waiting periods moved on by the suspension"),
    "procedure_extended": lazy_gettext("Deadlines extended"),
    "escalation_raised": lazy_gettext("Escalated"),
    "escalation_resolved": lazy_gettext("Escalation resolved"),
    "escalation_lapsed": lazy_gettext("Escalation no longer needed"),
    "drukmiddel_signaal": lazy_gettext("Request by a party shortly after a refusal: a manager decides first"),
    "personal_data_erased": lazy_gettext("Personal data erased"),
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


def category_name(code: str | None) -> str:
    return _lookup(CATEGORY, code)


def logged_ground(text: str) -> str:
    """A legal ground as a log line keeps it ("key (law art. N)", written when the line was) as the
    catalogue names it now: law and article, and whether the article is still to be verified; the kept
    text when the key is gone from the catalogue."""
    key = text.split(" (", 1)[0]
    shown = legal_ground(key) if key in _labels().legal_grounds else None
    if shown is None:
        return text
    where = legal_ground_short(key)
    return f"{where} ({gettext('article to be verified')})" if shown["unverified_note"] else where


def participation(code: str | None) -> str:
    return _lookup(PARTICIPATION, code)


def event_label(code: str | None) -> str:
    return _lookup(EVENT, code)


def erasure_ground(detail: dict[str, Any] | None) -> str:
    """Why a procedure's personal data were erased (its timeline event, engine.privacy.retention), in
    words: the retention period had passed, and until when the data were to be kept."""
    from .common import when

    until = (detail or {}).get("retention_until")
    try:
        moment = datetime.fromisoformat(until) if isinstance(until, str) else None
    except ValueError:
        moment = None
    if moment is None:
        return gettext("the retention period had passed")
    return gettext("the retention period had passed (kept until %(moment)s)", moment=when(moment))


def _actor() -> Any:
    try:
        return current_actor()
    except DomainError:
        return None


def _labels() -> Labels:
    if "wams_labels" not in g:
        from .common import uow

        actor = _actor()
        if actor is None:
            g.wams_labels = Labels()
        else:
            with uow(readonly=True) as unit:
                g.wams_labels = tenant_labels(unit, actor.tenant_id)
    labels: Labels = g.wams_labels
    return labels


def _english() -> bool:
    from .common import language

    return language() == "en"


def model_text(text: str | None) -> str:
    """A Dutch name from the models (task, process, form title, field, choice) in the reader's language."""
    if not text:
        return ""
    if has_request_context() and _english():
        return _labels().english.get(text, text)
    return text


def party_name(code: str | None) -> str:
    if not code:
        return ""
    name = _labels().parties.get(code)
    return model_text(name) if name else code


def phase_name(code: str | None) -> str:
    if not code:
        return ""
    names = _labels().phases.get(code) or {}
    return names.get("en" if _english() else "nl") or names.get("nl") or code


def choice_title(field: str | None, value: Any) -> str | None:
    """The title a form gives to a choice (`relatie: kind` → "Kind"), or None if no form names it."""
    if field is None or isinstance(value, bool) or not isinstance(value, str | int):
        return None
    name = field.rsplit(".", 1)[-1]
    choices = _labels().choices
    key = {True: "True", False: "False"}.get(value, str(value)) if isinstance(value, bool) else str(value)
    title = (choices.get(name) or {}).get(key)
    if title is None and isinstance(value, str) and "_" in value:
        # A code without its field (an indicator's category): the title any form gives it.
        title = next((options[key] for options in choices.values() if key in options), None)
    return model_text(title) if title else None


def code_label(value: Any, field: str | None = None) -> str:
    """A category code of the dashboard (ingang, domain, party, outcome) by its name."""
    return _scalar(value, field or "")


def person(username: str | None) -> str:
    """A colleague by the name people know them by, not their username."""
    if not username:
        return ""
    if username == "system":
        return gettext("the system")
    if "wams_people" not in g:
        from .common import uow

        actor = _actor()
        names: dict[str, str] = {}
        if actor is not None:
            with uow(readonly=True) as unit:
                names = display_names(unit, actor.tenant_id)
        g.wams_people = names
    found: str = g.wams_people.get(username, username)
    return found


def may_see_unverified() -> bool:
    """Designers and the privacy officer see which articles still have to be verified; workers do not
    get an unverified article presented as law."""
    actor = _actor()
    return actor is not None and actor.has(Role.PROCESS_DESIGNER, Role.PRIVACY_OFFICER)


def legal_ground(ground: Any) -> dict[str, Any] | None:
    """A legal ground (its key, or the task's {key, wet, artikel, omschrijving}) as the reader may see it:
    law, article (only when verified, unless the reader is a designer or the privacy officer),
    description, and whether the article is still to be verified."""
    key = ground.get("key") if isinstance(ground, dict) else ground
    found = _labels().legal_grounds.get(str(key)) if key else None
    if found is None:
        if isinstance(ground, dict):
            return {
                "law": ground.get("wet") or "",
                "article": ground.get("artikel") or "",
                "verified": True,
                "description": ground.get("omschrijving") or "",
                "unverified_note": False,
            }
        return {
            "law": str(key or ""),
            "article": "",
            "verified": True,
            "description": "",
            "unverified_note": False,
        }
    expert = may_see_unverified()
    return {
        "law": found.law,
        "article": found.article if expert else (found.article if found.verified else ""),
        "verified": found.verified,
        "description": found.description if expert else found.settled_description,
        "unverified_note": expert and not found.verified,
    }


def legal_ground_short(key: str | None) -> str:
    """One line for a fact: "Wmo 2015 (gewijzigd door de Wams), art. 2.3a.4"."""
    shown = legal_ground(key) if key else None
    if not shown:
        return ""
    if shown["article"]:
        return f"{shown['law']}, {gettext('art.')} {shown['article']}"
    return str(shown["law"])


def _scalar(value: Any, field: str | None = None) -> str:
    if value is True:
        return gettext("Yes")
    if value is False:
        return gettext("No")
    if value is None:
        return ""
    titled = choice_title(field, value)
    if titled:
        return titled
    if isinstance(value, str):
        if value in _labels().parties:
            return party_name(value)
        try:
            return format_date(date.fromisoformat(value), "long") if len(value) == 10 else value
        except ValueError:
            return value
    return str(value)


def fact_items(value: Any, field: str | None = None) -> list[str] | None:
    """A list value as the lines of a bulleted list (plan goals, agreements), or None for one value."""
    if not isinstance(value, list) or not any(isinstance(v, dict) for v in value):
        return None
    lines = []
    for item in value:
        if isinstance(item, dict):
            lines.append(
                " — ".join(
                    _scalar(v, f"{field}.{k}" if field else k) for k, v in item.items() if v not in (None, "")
                )
            )
        else:
            lines.append(_scalar(item, field))
    return lines


def fact_value(value: Any, field: str | None = None) -> str:
    if isinstance(value, list):
        return ", ".join(fact_value(v, field) for v in value)
    if isinstance(value, dict):
        return " — ".join(fact_value(v, f"{field}.{k}" if field else k) for k, v in value.items())
    return _scalar(value, field)


def install(app: Flask) -> None:
    for function in (
        task_status,
        procedure_status,
        subject_kind,
        category_name,
        logged_ground,
        participation,
        event_label,
        erasure_ground,
        fact_value,
        fact_items,
        model_text,
        party_name,
        phase_name,
        person,
        legal_ground,
        legal_ground_short,
        may_see_unverified,
    ):
        app.add_template_global(function)
    app.add_template_global(HIDDEN_EVENTS, "hidden_events")
