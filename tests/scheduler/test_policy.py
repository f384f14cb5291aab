"""The per-tenant escalation policy: defaults, the bundle's settings under the tenant's, flat or
nested keys, rules switched off, and typos that are reported instead of stopping the scheduler."""

from __future__ import annotations

from datetime import UTC, datetime

from engine.scheduler.escalate import period_text
from engine.scheduler.policy import after, build_policy, merged_settings, policy_problems


def test_defaults_then_bundle_then_tenant():
    settings = merged_settings(
        {"escalatie.fase.onderzoek": "P4W", "escalatie.review": "P3M", "due.beoordeling": "P5D"},
        {"escalatie": {"review": "P6M", "fase": {"beoordeling": "uit"}}, "escalatie.niveau2_na": "P3D"},
    )
    policy = build_policy(settings)
    assert policy.phases == {"onderzoek": "P4W"}  # beoordeling switched off by the tenant
    assert (policy.review, policy.level2_after, policy.task, policy.review_phase) == (
        "P6M",
        "P3D",
        "P14D",
        "evaluatie",
    )
    assert "due.beoordeling" not in settings  # only escalation keys are read


def test_task_periods_per_element_and_addresses():
    policy = build_policy(
        {"escalatie.taak": "P10D", "escalatie.taak.melding": "P2D", "escalatie.taak.archief": "uit",
         "escalatie.email": "a@gemeente.example, geen-adres"}
    )  # fmt: skip
    assert policy.task_period("melding") == "P2D"
    assert policy.task_period("archief") is None
    assert policy.task_period("iets") == "P10D"
    assert policy.emails == ("a@gemeente.example",)


def test_a_typo_is_ignored_and_reported():
    settings = {"escalatie.fase.beoordeling": "14 dagen", "escalatie.review": "P6M"}
    assert build_policy(settings).phases == {}
    assert policy_problems(settings) == [
        "escalatie.fase.beoordeling: '14 dagen' is not an ISO 8601 duration such as P14D, P8W or P6M"
    ]


def test_periods_are_month_aware_and_readable():
    assert after(datetime(2027, 2, 1, tzinfo=UTC), "P1M") == datetime(2027, 3, 1, tzinfo=UTC)  # not 30 days
    assert (period_text("P14D"), period_text("P1W"), period_text("P6M"), period_text("PT4H")) == (
        "14 dagen",
        "1 week",
        "6 maanden",
        "PT4H",
    )
