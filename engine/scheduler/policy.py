"""Per-tenant escalation policy: how long phases may take, how often a procedure is reviewed, when an
unresolved escalation goes to level 2, and the default due period of user tasks.

Read from built-in defaults, under the bundle's settings.yaml, under the tenant's settings (flat or
nested keys):

    escalatie.fase.beoordeling: P14D     # a phase may take this long
    escalatie.fase.onderzoek: P8W
    escalatie.review: P6M                # maximum duration without review
    escalatie.review_fase: evaluatie     # completing a task of this phase is a review
    escalatie.niveau2_na: P7D            # unresolved this long after level 1 → level 2
    escalatie.taak: P14D                 # due period of a user task whose model sets none
    escalatie.taak.<element id>: P5D     # … for one task of the model
    escalatie.email: [teamleider@gemeente.nl]

A value of "uit" (or empty) switches a rule off. Values that are not ISO 8601 durations are ignored
(and reported by `policy_problems`), so one typo cannot stop the scheduler.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..bpmn.isotime import add_duration, is_duration, parse_datetime
from ..definitions.analysis import flatten_settings
from ..tenancy import tenant_settings
from ..uow import UnitOfWork

log = logging.getLogger(__name__)

PREFIX = "escalatie."
DEFAULTS: dict[str, Any] = {
    "escalatie.fase.beoordeling": "P14D",
    "escalatie.fase.onderzoek": "P8W",
    "escalatie.review": "P6M",
    "escalatie.review_fase": "evaluatie",
    "escalatie.niveau2_na": "P7D",
    "escalatie.taak": "P14D",
}
OFF = {"", "uit", "off", "none", "geen"}


@dataclass(frozen=True)
class EscalationPolicy:
    phases: Mapping[str, str] = field(default_factory=dict)
    review: str | None = None
    review_phase: str | None = None
    level2_after: str | None = None
    task: str | None = None
    task_by_element: Mapping[str, str] = field(default_factory=dict)
    emails: tuple[str, ...] = ()

    def phase_period(self, phase: str) -> str | None:
        return self.phases.get(phase)

    def task_period(self, element_id: str) -> str | None:
        if element_id in self.task_by_element:
            return self.task_by_element[element_id] or None
        return self.task


def after(moment: datetime, period: str) -> datetime:
    """`moment` plus an ISO period, month-aware."""
    return parse_datetime(add_duration(moment, period))


def merged_settings(
    definition_settings: Mapping[str, Any], tenant_settings: Mapping[str, Any]
) -> dict[str, Any]:
    merged = dict(DEFAULTS)
    merged.update(
        {k: v for k, v in flatten_settings(dict(definition_settings)).items() if k.startswith(PREFIX)}
    )
    merged.update({k: v for k, v in flatten_settings(dict(tenant_settings)).items() if k.startswith(PREFIX)})
    return merged


def _period(key: str, value: Any) -> str | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in OFF):
        return None
    text = str(value).strip()
    if not is_duration(text):
        log.warning("escalation setting %s=%r is not an ISO 8601 duration; ignored", key, value)
        return None
    return text


def build_policy(settings: Mapping[str, Any]) -> EscalationPolicy:
    phases: dict[str, str] = {}
    by_element: dict[str, str] = {}
    for key, value in settings.items():
        if key.startswith("escalatie.fase."):
            period = _period(key, value)
            if period:
                phases[key[len("escalatie.fase.") :]] = period
        elif key.startswith("escalatie.taak."):
            by_element[key[len("escalatie.taak.") :]] = _period(key, value) or ""
    emails = settings.get("escalatie.email") or ()
    if isinstance(emails, str):
        emails = [e for e in (part.strip() for part in emails.split(",")) if e]
    review_phase = settings.get("escalatie.review_fase")
    return EscalationPolicy(
        phases=phases,
        review=_period("escalatie.review", settings.get("escalatie.review")),
        review_phase=str(review_phase) if review_phase else None,
        level2_after=_period("escalatie.niveau2_na", settings.get("escalatie.niveau2_na")),
        task=_period("escalatie.taak", settings.get("escalatie.taak")),
        task_by_element=by_element,
        emails=tuple(str(e) for e in emails if "@" in str(e)),
    )


def policy_problems(settings: Mapping[str, Any]) -> list[str]:
    """The escalation settings that are not valid (for a settings screen or `wams validate`)."""
    problems = []
    for key, value in flatten_settings(dict(settings)).items():
        if not key.startswith(PREFIX) or key in {"escalatie.email", "escalatie.review_fase"}:
            continue
        if isinstance(value, str) and value.strip().lower() in OFF:
            continue
        if not is_duration(str(value).strip()):
            problems.append(f"{key}: {value!r} is not an ISO 8601 duration such as P14D, P8W or P6M")
    return problems


def load_policy(uow: UnitOfWork, tenant_id: str, definition_settings: Mapping[str, Any]) -> EscalationPolicy:
    return build_policy(merged_settings(definition_settings, tenant_settings(uow, tenant_id)))
