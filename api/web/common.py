"""What the page views share: the logged-in actor, the unit of work, error messages in the reader's
language, and the little formatting helpers the templates use."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import request
from flask_babel import format_datetime, gettext, lazy_gettext

from engine.access import Actor
from engine.errors import DomainError
from engine.municipal_time import municipal_zone
from engine.roles import DUTCH_NAMES, Role
from engine.services import Services
from engine.uow import UnitOfWork

from ..auth import current_actor, services, tenant_uow
from ..errors import TITLES

ROLE_NAMES_EN: dict[Role, str] = {
    Role.PROCESS_DESIGNER: "Process designer",
    Role.MELDPUNT: "Reporting point",
    Role.ASSESSOR: "Assessor",
    Role.COORDINATOR: "Coordinator",
    Role.PARTY_CONTACT: "Party contact",
    Role.MEDICAL_PROFESSIONAL: "Medical professional",
    Role.MANAGER: "Manager",
    Role.PRIVACY_OFFICER: "Privacy officer (DPO)",
    Role.ADMIN: "Administrator",
}


# The jumps the rehearsal clock control offers (ISO 8601 durations and how they read).
CLOCK_STEPS: list[tuple[str, Any]] = [
    ("P1D", lazy_gettext("one day")),
    ("P1W", lazy_gettext("one week")),
    ("P1M", lazy_gettext("one month")),
    ("P3M", lazy_gettext("three months")),
    ("P6M", lazy_gettext("six months")),
    ("P1Y", lazy_gettext("one year")),
]


def actor() -> Actor:
    return current_actor()


def uow(*, readonly: bool = False) -> UnitOfWork:
    return tenant_uow(readonly=readonly)


def svc() -> Services:
    return services()


def language() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return str(locale.language) if locale else "nl"


def role_name(role: str | Role | None) -> str:
    if role is None:
        return ""
    try:
        member = Role(role)
    except ValueError:
        return str(role)
    return DUTCH_NAMES[member] if language() == "nl" else ROLE_NAMES_EN[member]


def error_message(error: DomainError) -> str:
    """One sentence for a flash message: the error's title, plus the engine's detail when it helps."""
    title = TITLES.get(error.code)
    detail = gettext(error.message)
    if title is None:
        return detail
    return f"{title}: {detail}" if language() == "en" else str(title)


def safe_next(target: str | None, default: str) -> str:
    """Only local paths: never redirect to another site after logging in."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def back(default: str) -> str:
    return safe_next(request.form.get("next") or request.args.get("next"), default)


def when(moment: datetime | None, style: str = "short") -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    # rebase=False: flask-babel would otherwise convert back to its default time zone (UTC).
    return format_datetime(moment.astimezone(municipal_zone()), style, rebase=False)


def local_input(moment: datetime | None) -> str:
    """A moment as a `datetime-local` input's value (minutes, the municipality's time zone)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(municipal_zone()).strftime("%Y-%m-%dT%H:%M")


def hours(value: float | None) -> str:
    """A waiting time in hours, shown in days from two days on."""
    if value is None:
        return "–"
    if value >= 48:
        return gettext("%(n)s d", n=round(value / 24, 1))
    return gettext("%(n)s h", n=round(value, 1))
