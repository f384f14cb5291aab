"""The event log as XES (IEEE 1849-2016), written as text case by case.

The document follows the standard's XML schema (tests/fixtures/eventlog/xes-ieee-1849-2016.xsd):
extensions concept, lifecycle, time and org; globals and classifiers; one trace per procedure (its
reference as `concept:name`) and one event per timeline entry. Keys the standard extensions do not
define carry the prefix `wams:`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from ..uow import UnitOfWork
from .eventlog import CaseHeader, LogEvent, Period, events

EXTENSIONS = (
    ("Concept", "concept", "http://www.xes-standard.org/concept.xesext"),
    ("Lifecycle", "lifecycle", "http://www.xes-standard.org/lifecycle.xesext"),
    ("Time", "time", "http://www.xes-standard.org/time.xesext"),
    ("Organizational", "org", "http://www.xes-standard.org/org.xesext"),
)
FLUSH_CHARS = 64 * 1024
_ATTR = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


def _text(value: object) -> str:
    return escape(str(value), _ATTR)


def timestamp(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="milliseconds")


def _string(key: str, value: object | None, indent: str) -> str:
    if value is None or value == "":
        return ""
    return f'{indent}<string key="{key}" value="{_text(value)}"/>\n'


def _date(key: str, value: datetime | None, indent: str) -> str:
    return "" if value is None else f'{indent}<date key="{key}" value="{timestamp(value)}"/>\n'


def header(period: Period) -> str:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n', '<log xes.version="1.0">\n']
    parts += [f'  <extension name="{n}" prefix="{p}" uri="{u}"/>\n' for n, p, u in EXTENSIONS]
    parts.append('  <global scope="trace">\n    <string key="concept:name" value="onbekend"/>\n  </global>\n')
    parts.append(
        '  <global scope="event">\n'
        '    <string key="concept:name" value="onbekend"/>\n'
        '    <string key="lifecycle:transition" value="complete"/>\n'
        '    <date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>\n'
        "  </global>\n"
    )
    parts.append('  <classifier name="Activity" keys="concept:name"/>\n')
    parts.append('  <classifier name="Activity_and_transition" keys="concept:name lifecycle:transition"/>\n')
    parts.append(_string("concept:name", f"Wams {period.tenant_id}", "  "))
    parts.append(_string("wams:tenant", period.tenant_id, "  "))
    parts.append(_date("wams:period_start", period.start, "  "))
    parts.append(_date("wams:period_end", period.end, "  "))
    return "".join(parts)


def trace_open(case: CaseHeader) -> str:
    return (
        "  <trace>\n"
        + _string("concept:name", case.reference, "    ")
        + _string("wams:procedure_id", case.id, "    ")
        + _string("wams:process", case.process_id, "    ")
        + _string("wams:status", case.status, "    ")
        + _string("wams:ingang", case.ingang, "    ")
        + _date("wams:started_at", case.started_at, "    ")
        + _date("wams:ended_at", case.ended_at, "    ")
        + _string("wams:data_subjects", " ".join(case.subjects), "    ")
    )


def event(item: LogEvent) -> str:
    i = "      "
    return (
        "    <event>\n"
        + _string("concept:name", item.activity, i)
        + _string("lifecycle:transition", item.lifecycle, i)
        + _date("time:timestamp", item.at, i)
        + _string("org:resource", item.resource, i)
        + _string("org:role", item.role, i)
        + _string("org:group", item.party, i)
        + _string("concept:instance", item.task_id, i)
        + _string("wams:event_type", item.type, i)
        + _string("wams:element_id", item.element_id, i)
        + _string("wams:data_subject", item.subject, i)
        + "    </event>\n"
    )


def write_xes(uow: UnitOfWork, period: Period, key: str) -> Iterator[str]:
    buffer = [header(period)]
    size = 0
    current = None
    for item in events(uow, period, key):
        if item.case.id != current:
            if current is not None:
                buffer.append("  </trace>\n")
            current = item.case.id
            buffer.append(trace_open(item.case))
        text = event(item)
        buffer.append(text)
        size += len(text)
        if size >= FLUSH_CHARS:
            yield "".join(buffer)
            buffer, size = [], 0
    if current is not None:
        buffer.append("  </trace>\n")
    buffer.append("</log>\n")
    yield "".join(buffer)
