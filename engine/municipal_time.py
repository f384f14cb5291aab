"""The municipality's own time (Europe/Amsterdam): what a day and a period mean to the people who
ask for figures, and the UTC moments stored rows are compared with.

A period given in days is the whole of its first and last day in municipal time, stored as a
half-open UTC interval — so "2026-03-29 to 2026-03-29" (the night clocks go forward) is 23 hours, and
a procedure started at 00:30 local time on 1 January counts in January, not in December."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ZONE_NAME = "Europe/Amsterdam"


@cache
def municipal_zone() -> tzinfo:
    try:
        return ZoneInfo(ZONE_NAME)
    except ZoneInfoNotFoundError:  # no time zone database on this machine: UTC rather than failing
        return UTC


def start_of_day(day: date) -> datetime:
    """Midnight at the start of `day` in municipal time, as a UTC moment."""
    return datetime(day.year, day.month, day.day, tzinfo=municipal_zone()).astimezone(UTC)


def days_to_period(first: date, last: date) -> tuple[datetime, datetime]:
    """The days `first` to `last` (inclusive) as a half-open UTC interval."""
    return start_of_day(first), start_of_day(last + timedelta(days=1))


def this_year_to_today(now: datetime) -> tuple[date, date]:
    """The default period of figures: 1 January of this year up to and including today."""
    today = now.astimezone(municipal_zone()).date()
    return date(today.year, 1, 1), today
