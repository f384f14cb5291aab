"""Procedures: the list, a new melding, one procedure's page (phase, timeline, participants, diagram)
and what coordinators and managers may do with it (suspend, resume, extend, cancel)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext

from engine.definitions import designer
from engine.errors import InvalidForm, InvalidInput
from engine.procedures import listing
from engine.procedures import service as procedures
from engine.procedures.diagram import procedure_diagram
from engine.procedures.messages import awaited_messages
from engine.scheduler import commands as scheduler

from . import bp, common
from .form_errors import placed_errors
from .forms import build_fields, parse_submission, walk

STATUSES = ("open", "suspended", "closed", "cancelled")


@bp.get("/procedures")
def procedure_list() -> Any:
    args = request.args
    filters = listing.ProcedureFilter(
        status=args.get("status") if args.get("status") in STATUSES else None,
        phase=args.get("phase") or None,
        reference=(args.get("reference") or "").strip() or None,
        overdue=True if args.get("overdue") == "1" else None,
        page=max(1, args.get("page", 1, type=int) or 1),
        page_size=50,
    )
    page = listing.list_procedures(common.uow(readonly=True), common.actor(), filters)
    return render_template(
        "web/procedures.html",
        page=page,
        filters=filters,
        statuses=STATUSES,
        may_start=common.actor().has(*procedures.STARTERS),
    )


def _start_page(
    process_id: str, values: dict[str, Any] | None = None, errors: Any = None, status: int = 200
) -> Any:
    who = common.actor()
    who.require(*procedures.STARTERS)  # the melding form is for those who may register one
    start = designer.start_form(common.uow(readonly=True), who, process_id)
    schema = (start.form or {}).get("schema") or {}
    return (
        render_template(
            "web/start.html",
            start=start,
            form=start.form,
            fields=build_fields(schema, values, errors or {}),
            errors=errors or {},
        ),
        status,
    )


@bp.get("/procedures/new")
def procedure_new() -> Any:
    return _start_page(request.args.get("process") or procedures.WAMS_PROCESS)


@bp.post("/procedures/new")
def procedure_start() -> Any:
    process_id = request.form.get("process_id") or procedures.WAMS_PROCESS
    who = common.actor()
    start = designer.start_form(common.uow(readonly=True), who, process_id)
    schema = (start.form or {}).get("schema") or {}
    data = parse_submission(schema, request.form) if start.form else {}
    try:
        procedure = procedures.start_procedure(
            common.uow(), common.svc().runtime, who, data, process_id=process_id
        )
    except InvalidForm as error:
        flash(gettext("The form is not filled in correctly. Check the fields marked below."), "error")
        return _start_page(process_id, data, placed_errors(error, schema), 422)
    flash(gettext("Procedure %(reference)s has started.", reference=procedure.reference), "info")
    return redirect(url_for("web.procedure", procedure_id=procedure.id))


@bp.get("/procedures/<uuid:procedure_id>")
def procedure(procedure_id: uuid.UUID) -> Any:
    who = common.actor()
    detail = listing.procedure_detail(common.uow(readonly=True), who, procedure_id)
    awaited = awaited_messages(common.uow(readonly=True), who, procedure_id)
    return render_template(
        "web/procedure.html",
        detail=detail,
        procedure=detail.header,
        may_steer=who.has(*procedures.STEERING),
        participants={"people": detail.people, "parties": detail.parties},
        messages=[(m, build_fields(m.form, {}) if m.form else []) for m in awaited],
    )


@bp.post("/procedures/<uuid:procedure_id>/messages/<name>")
def procedure_message(procedure_id: uuid.UUID, name: str) -> Any:
    """Pass on what the procedure waits for (e.g. the client withdraws), with its form's answers."""
    who = common.actor()
    offered = {m.name: m for m in awaited_messages(common.uow(readonly=True), who, procedure_id)}
    message = offered.get(name)
    if message is None:
        flash(gettext("Not done: the procedure is not waiting for this (any more)."), "error")
        return redirect(url_for("web.procedure", procedure_id=procedure_id))
    data = parse_submission(message.form, request.form) if message.form else {}
    try:
        procedures.send_procedure_message(common.uow(), common.svc().runtime, who, procedure_id, name, data)
    except InvalidForm as error:
        schema = message.form or {}
        labels = {f.path: f.label for f in walk(build_fields(schema, {}))}
        problems = "; ".join(
            f"{labels.get(path, path)}: {text}"
            for path, texts in placed_errors(error, schema).items()
            for text in texts
        )
        flash(gettext("Not done: %(detail)s", detail=problems), "error")
    except InvalidInput as error:
        flash(gettext("Not done: %(detail)s", detail=gettext(error.message)), "error")
    else:
        flash(gettext("Passed on: %(message)s.", message=message.label), "info")
    return redirect(url_for("web.procedure", procedure_id=procedure_id))


@bp.get("/procedures/<uuid:procedure_id>/diagram.json")
def procedure_diagram_json(procedure_id: uuid.UUID) -> Any:
    found = procedure_diagram(
        common.uow(readonly=True), common.actor(), procedure_id, request.args.get("process")
    )
    return jsonify(
        {
            "process_id": found.process_id,
            "version": found.version,
            "xml": found.xml,
            "current": found.current,
            "completed": found.completed,
            "processes": [
                {"process_id": p.process_id, "name": p.name, "active": p.active} for p in found.processes
            ],
        }
    )


def _reason() -> str:
    return (request.form.get("reason") or "").strip()


def _steer(procedure_id: uuid.UUID, action: Any, done: str) -> Any:
    try:
        action()
    except InvalidInput as error:
        flash(gettext("Not done: %(detail)s", detail=gettext(error.message)), "error")
    else:
        flash(done, "info")
    return redirect(url_for("web.procedure", procedure_id=procedure_id))


@bp.post("/procedures/<uuid:procedure_id>/cancel")
def procedure_cancel(procedure_id: uuid.UUID) -> Any:
    who = common.actor()
    if not _reason():
        flash(gettext("Give a reason to cancel the procedure."), "error")
        return redirect(url_for("web.procedure", procedure_id=procedure_id))
    return _steer(
        procedure_id,
        lambda: procedures.cancel_procedure(common.uow(), common.svc().runtime, who, procedure_id, _reason()),
        gettext("The procedure has been cancelled."),
    )


@bp.post("/procedures/<uuid:procedure_id>/suspend")
def procedure_suspend(procedure_id: uuid.UUID) -> Any:
    who = common.actor()
    return _steer(
        procedure_id,
        lambda: scheduler.suspend_procedure(common.uow(), who, procedure_id, _reason()),
        gettext("The procedure is suspended: its deadlines stand still."),
    )


@bp.post("/procedures/<uuid:procedure_id>/resume")
def procedure_resume(procedure_id: uuid.UUID) -> Any:
    who = common.actor()
    return _steer(
        procedure_id,
        lambda: scheduler.resume_procedure(
            common.uow(), common.svc().runtime, who, procedure_id, _reason() or None
        ),
        gettext("The procedure runs again; its deadlines have moved by the time it stood still."),
    )


@bp.post("/procedures/<uuid:procedure_id>/extend")
def procedure_extend(procedure_id: uuid.UUID) -> Any:
    who = common.actor()
    period = (request.form.get("period") or "").strip().upper()
    return _steer(
        procedure_id,
        lambda: scheduler.extend_procedure(common.uow(), who, procedure_id, period, _reason()),
        gettext("The procedure's deadlines have been extended by %(period)s.", period=period),
    )
