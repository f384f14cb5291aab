"""Monitoring for managers: indicators per period and bottlenecks per BPMN element, as JSON or CSV."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response
from flask_smorest import Blueprint

from engine.monitoring import exports
from engine.monitoring import service as monitoring
from engine.monitoring.conformance import conformance as load_conformance
from engine.monitoring.eventlog import open_export
from engine.municipal_time import days_to_period, municipal_zone, this_year_to_today

from ..auth import current_actor, tenant_now
from ..schemas.monitoring import (
    BottleneckListSchema,
    ConformanceArgs,
    ConformanceSchema,
    IndicatorsSchema,
    PeriodArgs,
    SeriesArgs,
    SeriesSchema,
)
from .common import errors, svc, uow

blp = Blueprint("monitoring", __name__, description="Monitoring indicators and bottlenecks (manager)")
CSV = "text/csv"


def _period(args: dict[str, Any]) -> tuple[datetime, datetime]:
    """Dates (municipal time, end inclusive) → a half-open UTC interval. Default: this year to today."""
    first, today = this_year_to_today(tenant_now())
    return days_to_period(args.get("start") or first, args.get("end") or today)


def _csv(text: str, name: str) -> Response:
    response = Response(text, mimetype=CSV)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@blp.route("/monitoring/indicators", methods=["GET"])
@blp.arguments(PeriodArgs(), location="query")
@blp.response(200, IndicatorsSchema)
@errors(blp, 403, 422)
def indicators(args: dict[str, Any]) -> Any:
    """Procedures started and ended, ingang, average and median duration, domains and parties involved,
    cliëntondersteuning, complaints and privacy incidents — for your municipality and the period
    (dates, end inclusive)."""
    return monitoring.indicators(uow(readonly=True), current_actor(), *_period(args))


@blp.route("/monitoring/indicators.csv", methods=["GET"])
@blp.arguments(PeriodArgs(), location="query")
@blp.response(200, {"type": "string"}, content_type=CSV, description="indicator,category,value rows")
@errors(blp, 403, 422)
def indicators_csv(args: dict[str, Any]) -> Any:
    """The indicators as CSV (long format: indicator, category, value)."""
    report = monitoring.indicators(uow(readonly=True), current_actor(), *_period(args))
    return _csv(exports.indicators_csv(report), "indicatoren")


@blp.route("/monitoring/bottlenecks", methods=["GET"])
@blp.arguments(PeriodArgs(), location="query")
@blp.response(200, BottleneckListSchema)
@errors(blp, 403, 422)
def bottlenecks(args: dict[str, Any]) -> Any:
    """Per BPMN element: open tasks, median and p90 waiting time, overdue count; and the median handling
    time of the tasks completed in the period (default: the last 90 days)."""
    start, end = _period(args) if args else (None, None)
    return monitoring.bottlenecks(uow(readonly=True), current_actor(), start, end)


@blp.route("/monitoring/bottlenecks.csv", methods=["GET"])
@blp.arguments(PeriodArgs(), location="query")
@blp.response(200, {"type": "string"}, content_type=CSV, description="one row per BPMN element")
@errors(blp, 403, 422)
def bottlenecks_csv(args: dict[str, Any]) -> Any:
    """The bottlenecks as CSV."""
    start, end = _period(args) if args else (None, None)
    report = monitoring.bottlenecks(uow(readonly=True), current_actor(), start, end)
    return _csv(exports.bottlenecks_csv(report), "knelpunten")


def _series(args: dict[str, Any]) -> exports.Series:
    return exports.indicator_series(
        lambda: uow(readonly=True), current_actor(), *_period(args), args["per"], municipal_zone()
    )


@blp.route("/monitoring/indicators/series", methods=["GET"])
@blp.arguments(SeriesArgs(), location="query")
@blp.response(200, SeriesSchema)
@errors(blp, 403, 422)
def indicator_series(args: dict[str, Any]) -> Any:
    """The indicators of each month, quarter or year of the period, with their definitions
    (docs/indicators.md): what the Gemeentelijke Monitor Sociaal Domein and the evaluation read."""
    return exports.series_json(_series(args))


@blp.route("/monitoring/indicators/series.csv", methods=["GET"])
@blp.arguments(SeriesArgs(), location="query")
@blp.response(200, {"type": "string"}, content_type=CSV, description="period,indicator,category,value rows")
@errors(blp, 403, 422)
def indicator_series_csv(args: dict[str, Any]) -> Any:
    """The indicators per period as CSV: period_start, period_end, indicator, category, value, unit."""
    return _csv(exports.series_csv(_series(args)), f"indicatoren-per-{args['per']}")


@blp.route("/monitoring/conformance", methods=["GET"])
@blp.arguments(ConformanceArgs(), location="query")
@blp.response(200, ConformanceSchema)
@errors(blp, 403, 422)
def conformance(args: dict[str, Any]) -> Any:
    """Practice against the model for the procedures started in the period: variants with counts and
    durations, per element how often it was skipped, repeated or done out of order, gateway splits."""
    # Read-only read; the outcomes of procedures replayed now are kept in a write transaction of their own.
    return load_conformance(uow(readonly=True), current_actor(), args["entry"], *_period(args), keep=uow())


def _export(fmt: str, args: dict[str, Any]) -> Response:
    found = open_export(
        uow(), uow(readonly=True), current_actor(), fmt, *_period(args), svc().settings.pseudonym_key
    )
    # Streamed: the document is written while it is sent, never held whole (memory flat in its size).
    # Not through stream_with_context: it starts the generator at once, which opens the read
    # transaction before anyone reads the body (a response never read kept it open); the generator
    # needs no request context, everything it reads was handed to it here.
    response = Response(found.chunks, mimetype=found.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{found.filename}"'
    return response


@blp.route("/monitoring/eventlog.xes", methods=["GET"])
@blp.arguments(PeriodArgs(), location="query")
@blp.response(200, {"type": "string"}, content_type="application/xml", description="XES (IEEE 1849)")
@errors(blp, 403, 422)
def eventlog_xes(args: dict[str, Any]) -> Any:
    """The event log of the procedures started in the period as XES (IEEE 1849): one trace per
    procedure, concept/lifecycle/time/org extensions, staff and data subjects as pseudonyms. Recorded
    in the processing log."""
    return _export("xes", args)


@blp.route("/monitoring/eventlog.jsonocel", methods=["GET"])
@blp.arguments(PeriodArgs(), location="query")
@blp.response(200, {"type": "object"}, content_type="application/json", description="OCEL 2.0 JSON")
@errors(blp, 403, 422)
def eventlog_ocel(args: dict[str, Any]) -> Any:
    """The event log of the procedures started in the period as OCEL 2.0 JSON: objects procedure,
    party, data subject (pseudonym), task and information request. Recorded in the processing log."""
    return _export("ocel", args)
