"""The manager's dashboard: procedures per phase, the bottleneck heatmap on the diagram, overdue work and
escalations, workload per coordinator, the monitoring indicators of a period as charts, CSV export."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext

from engine.errors import InvalidInput
from engine.monitoring.dashboard import conformance_map, heatmap
from engine.monitoring.dashboard import dashboard as load_dashboard
from engine.municipal_time import days_to_period, municipal_zone
from engine.procedures.service import WAMS_PROCESS
from engine.scheduler import commands as scheduler

from ..auth import tenant_now
from . import bp, common, labels

PRESETS = ("year", "30d", "90d", "365d")


def _period() -> tuple[date, date, str]:
    """The period picker: a preset, or explicit dates (end inclusive). Default: this year so far."""
    today = tenant_now().astimezone(municipal_zone()).date()
    preset = request.args.get("preset") or ""
    start = end = None
    try:
        if request.args.get("start"):
            start = date.fromisoformat(request.args["start"])
        if request.args.get("end"):
            end = date.fromisoformat(request.args["end"])
    except ValueError:
        start = end = None
    if start is None or end is None:
        preset = preset if preset in PRESETS else "year"
        end = today
        start = date(today.year, 1, 1) if preset == "year" else today - timedelta(days=int(preset[:-1]) - 1)
    else:
        preset = ""
    return start, end, preset


def _named(counts: Any, field: str | None = None) -> Any:
    """Chart categories by name ("Hulpvraag of verzoek van de cliënt zelf", not "client_verzoek")."""
    if not isinstance(counts, dict):
        return counts
    return {labels.code_label(code, field): n for code, n in counts.items()}


@bp.get("/dashboard")
def dashboard() -> Any:
    start, end, preset = _period()
    try:
        found = load_dashboard(common.uow(readonly=True), common.actor(), *days_to_period(start, end))
    except InvalidInput as error:
        flash(gettext("Not a usable period: %(detail)s", detail=gettext(error.message)), "error")
        return redirect(url_for("web.dashboard"))
    indicators = found.indicators
    charts = {
        "phases": {(labels.phase_name(p.phase) or "–"): p.open + p.suspended for p in found.overview.phases},
        "ingang": _named(indicators.ingang, "ingang"),
        "domains": _named(indicators.domains, "uitgesloten_domeinen"),
        "parties": _named(indicators.parties),
        "clientondersteuning": _named(indicators.clientondersteuning, "clientondersteuning_gebruikt"),
        "complaints": _named(indicators.complaint_nature),
        **{f"outcome_{k}": _named(v) for k, v in indicators.outcomes.items()},
        "assessment": _named(indicators.assessment, "beoordeling_besluit"),
        "consent": _named(indicators.consent, "toestemming"),
        "family_participation": _named(indicators.family_participation),
        "party_answers": _named(indicators.party_answers, "besluit"),
        "medical_decisions": _named(indicators.medical_decisions, "besluit"),
        "stalls": {
            (labels.phase_name(phase) or phase): days
            for phase, days in indicators.waiting_days_median_by_phase.items()
        },
        "drukmiddel": {
            (
                gettext("Flagged at the melding")
                if k == "signaal"
                else labels.code_label(k, "drukmiddel_besluit")
            ): n
            for k, n in indicators.drukmiddel.items()
        },
    }
    return render_template(
        "web/dashboard.html",
        found=found,
        overview=found.overview,
        indicators=indicators,
        charts=charts,
        start=start,
        end=end,
        preset=preset,
        presets=PRESETS,
        process_id=request.args.get("process") or WAMS_PROCESS,
        csv_query={"start": start.isoformat(), "end": end.isoformat()},
    )


@bp.get("/dashboard/heatmap.json")
def heatmap_json() -> Any:
    entry = request.args.get("entry") or WAMS_PROCESS
    start, end, _ = _period()
    found = heatmap(
        common.uow(readonly=True),
        common.actor(),
        entry,
        request.args.get("process") or None,
        *days_to_period(start, end),
    )
    return jsonify(
        {
            "process_id": found.process_id,
            "version": found.version,
            "xml": found.xml,
            "items": [{**asdict(b), "waiting": common.hours(b.waiting_hours_median)} for b in found.items],
            "processes": [asdict(p) for p in found.processes],
        }
    )


@bp.get("/dashboard/conformance.json")
def conformance_json() -> Any:
    """Practice against the model on one diagram: variants, deviations per element, gateway splits."""
    start, end, _ = _period()
    found = conformance_map(
        common.uow(readonly=True),
        common.actor(),
        request.args.get("entry") or WAMS_PROCESS,
        *days_to_period(start, end),
        request.args.get("process") or None,
        keep=common.uow(),
    )
    report = asdict(found.report)
    return jsonify(
        {
            "process_id": found.process_id,
            "version": found.version,
            "xml": found.xml,
            "processes": [asdict(p) for p in found.processes],
            **{k: report[k] for k in ("procedures", "truncated", "fitting", "variant_count")},
            "variants": report["variants"],
            "elements": report["elements"],
            "gateways": report["gateways"],
        }
    )


@bp.post("/escalations/<uuid:escalation_id>/resolve")
def resolve_escalation(escalation_id: uuid.UUID) -> Any:
    reason = (request.form.get("reason") or "").strip()
    try:
        scheduler.resolve_escalation(common.uow(), common.actor(), escalation_id, reason)
    except InvalidInput:
        flash(gettext("Give a reason to resolve the escalation."), "error")
    else:
        flash(gettext("The escalation is resolved."), "info")
    return redirect(common.back(url_for("web.dashboard")))
