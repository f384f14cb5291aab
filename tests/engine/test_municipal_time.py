"""Days and periods in the municipality's time (engine.municipal_time): the one rule the API, the
dashboard, the command line and the escalation mails share."""

from __future__ import annotations

from datetime import UTC, date, datetime

from engine.municipal_time import days_to_period, start_of_day, this_year_to_today


def test_a_day_starts_at_municipal_midnight():
    assert start_of_day(date(2027, 1, 1)) == datetime(2026, 12, 31, 23, tzinfo=UTC)  # winter: UTC+1
    assert start_of_day(date(2027, 7, 1)) == datetime(2027, 6, 30, 22, tzinfo=UTC)  # summer: UTC+2


def test_a_period_of_days_is_half_open_and_follows_the_clock_change():
    start, end = days_to_period(date(2027, 3, 28), date(2027, 3, 28))  # clocks go forward that night
    assert (end - start).total_seconds() == 23 * 3600
    start, end = days_to_period(date(2027, 1, 1), date(2027, 12, 31))
    assert (start, end) == (datetime(2026, 12, 31, 23, tzinfo=UTC), datetime(2027, 12, 31, 23, tzinfo=UTC))


def test_the_default_period_is_this_municipal_year_to_today():
    # 23:30 UTC on New Year's Eve is already 1 January in the municipality.
    assert this_year_to_today(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == (
        date(2027, 1, 1),
        date(2027, 1, 1),
    )
