"""The monitoring figures as files: indicators and bottlenecks as CSV, and the indicators per period
(month, quarter or year) as CSV and JSON — what a municipality hands to the Gemeentelijke Monitor
Sociaal Domein and to the law's evaluation. Each row names the indicator as docs/indicators.md
defines it (engine.monitoring.definitions)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, tzinfo
from typing import Any

from ..access import Actor
from ..errors import InvalidInput
from ..uow import UnitOfWork
from .definitions import DEFINITIONS
from .service import Bottleneck, BottleneckReport, Indicators, indicators

PERIODS = ("month", "quarter", "year")
# The single figures, then the ones with a category (one row per category).
SINGLE = (
    "started",
    "ended",
    "running_at_end",
    "duration_days_mean",
    "duration_days_median",
    "complaints",
    "privacy_incidents",
    "privacy_incidents_reported_to_ap",
)
GROUPED = (
    "ingang",
    "domains",
    "parties",
    "clientondersteuning",
    "complaint_nature",
    "drukmiddel",
    "consent",
    "family_participation",
    "assessment",
    "party_answers",
    "medical_decisions",
    "tasks_completed_by_phase",
    "waiting_days_median_by_phase",
    "completed_late_by_phase",
)


def _csv(header: list[str], rows: Iterable[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else _safe(v) for v in row])
    return buffer.getvalue()


def _safe(value: Any) -> Any:
    """Spreadsheets run cells that start with = + - @ as formulas: quote those."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value.isoformat() if isinstance(value, datetime) else value


def figures(report: Indicators) -> Iterator[tuple[str, str, Any]]:
    """Every figure of a report as (indicator, category, value); category "" for single figures."""
    for name in SINGLE:
        yield name, "", getattr(report, name)
    for name in GROUPED:
        for category, value in getattr(report, name).items():
            yield name, category, value
    for name, counts in report.outcomes.items():
        for category, value in counts.items():
            yield name, category, value


def indicators_csv(report: Indicators) -> str:
    """One row per figure: `indicator,category,value` (long format, easy to pivot)."""
    rows: list[list[Any]] = [
        ["period_start", "", report.period_start],
        ["period_end", "", report.period_end],
    ]
    rows.extend(list(f) for f in figures(report))
    return _csv(["indicator", "category", "value"], rows)


def bottlenecks_csv(report: BottleneckReport) -> str:
    header = list(Bottleneck.__dataclass_fields__)
    return _csv(header, ([asdict(b)[h] for h in header] for b in report.items))


# --- per period -------------------------------------------------------------------------------------


@dataclass
class Series:
    tenant_id: str
    per: str
    periods: list[Indicators]


def _boundaries(start: datetime, end: datetime, per: str, zone: tzinfo) -> list[tuple[datetime, datetime]]:
    """[start, end) cut at the first day of each month, quarter or year in the municipality's time."""
    step = {"month": 1, "quarter": 3, "year": 12}[per]
    local = start.astimezone(zone)
    month = local.month - (local.month - 1) % step
    cursor = datetime(local.year, month, 1, tzinfo=zone)
    cuts: list[tuple[datetime, datetime]] = []
    while cursor < end:
        year, month = divmod(cursor.month - 1 + step, 12)
        following = datetime(cursor.year + year, month + 1, 1, tzinfo=zone)
        cuts.append((max(cursor, start), min(following, end)))
        cursor = following
    return cuts


def indicator_series(
    uow_factory: Callable[[], UnitOfWork],
    actor: Actor,
    start: datetime,
    end: datetime,
    per: str,
    zone: tzinfo,
) -> Series:
    """The indicators of each month, quarter or year in [start, end) (the first and last cut to the
    period). `uow_factory()` opens a unit of work per period: each is one read of its own."""
    if per not in PERIODS:
        raise InvalidInput(f"per is one of {', '.join(PERIODS)}", field="per")
    cuts = _boundaries(start, end, per, zone)
    if len(cuts) > 120:
        raise InvalidInput("at most 120 periods at once", field="per")
    periods = [indicators(uow_factory(), actor, s, e) for s, e in cuts]
    return Series(actor.tenant_id, per, periods)


def series_csv(series: Series) -> str:
    """`period_start,period_end,indicator,category,value,unit`: one row per figure per period."""
    units = {d.key: d.unit for d in DEFINITIONS}
    rows = (
        [report.period_start, report.period_end, name, category, value, units.get(name, "")]
        for report in series.periods
        for name, category, value in figures(report)
    )
    return _csv(["period_start", "period_end", "indicator", "category", "value", "unit"], rows)


def series_json(series: Series) -> dict[str, Any]:
    """The same figures as JSON, with the definitions they follow."""
    return {
        "tenant_id": series.tenant_id,
        "per": series.per,
        "definitions": [asdict(d) for d in DEFINITIONS],
        "periods": [
            {
                "period_start": report.period_start.isoformat(),
                "period_end": report.period_end.isoformat(),
                "figures": [
                    {"indicator": name, "category": category, "value": value}
                    for name, category, value in figures(report)
                ],
            }
            for report in series.periods
        ],
    }
