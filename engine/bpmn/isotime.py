"""ISO 8601 durations and date-times as the models write them (P14D, PT30M, R/P1M, 2027-01-01T09:00Z)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$", re.I)
_CYCLE = re.compile(r"^R\d*/", re.I)


def is_duration(text: str) -> bool:
    return bool(_DURATION.match(text.strip()))


def looks_like_timer_literal(text: str) -> bool:
    """True for a bare ISO duration, cycle or date-time, as Camunda Modeler writes timers."""
    text = text.strip()
    if is_duration(text) or _CYCLE.match(text):
        return True
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def parse_datetime(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def add_duration(start: str | datetime, duration: str) -> str:
    """`start` plus an ISO duration, month-aware (P1M from 31 January is the end of February + …)."""
    moment = parse_datetime(start) if isinstance(start, str) else start
    if not is_duration(duration):
        raise ValueError(f"not an ISO 8601 duration: {duration!r}")
    parsed = TimerEventDefinition.parse_iso_duration(duration)
    return (moment + TimerEventDefinition.get_timedelta_from_start(parsed, moment)).isoformat()


MIN_CYCLE_PERIOD = timedelta(minutes=1)


def validate_timer_value(value: str, kind: str) -> str | None:
    """Check an evaluated timer value for a timer of `kind` (date, duration, cycle); None if fine."""
    try:
        if kind == "duration":
            if not is_duration(value):
                return f"{value!r} is not an ISO 8601 duration such as P14D or PT30M"
            TimerEventDefinition.parse_iso_duration(value)
        elif kind == "cycle":
            _, _, period = TimerEventDefinition.parse_iso_recurring_interval(value)
            if period < MIN_CYCLE_PERIOD:
                # R/PT0S would fire on every tick, forever, and grow the live state with each round.
                return f"{value!r} repeats more often than once a minute"
        else:
            TimerEventDefinition.get_datetime(value)
    except Exception as exc:
        return f"{value!r} is not a valid timer {kind}: {exc}"
    return None
