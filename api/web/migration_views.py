"""The designer's versions and migration pages: a draft's changes against the newest version (asked by
the modeler before deploying), and moving running procedures to another version — the plan with an
editable mapping, a dry run, and execution in batches — so a designer does it in the browser alone.
The designer guard (`designer_views._designers_only`: process designers and administrators) holds
for every endpoint here, as their names start with `designer`."""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, flash, render_template, request
from flask_babel import gettext, lazy_gettext

from engine.definitions import designer as definitions
from engine.definitions.drafts import edit_changes
from engine.errors import DomainError, InvalidProcessModel
from engine.migration.batch import DEFAULT_BATCH, MAX_BATCH, MigrationReport, dry_run, run_batch
from engine.migration.plan import MigrationPlan, PlanProposal, propose

from . import bp, common
from .designer_views import _edit_args

# What a designer reads for each reason a procedure cannot move (engine.bpmn.migrate, runtime.migrate).
BLOCKERS = {
    "element_removed": lazy_gettext(
        "It waits at an element the new version does not have, and the plan maps it nowhere."
    ),
    "kind_changed": lazy_gettext("The plan maps the element it waits at onto an element of another kind."),
    "boundary_changed": lazy_gettext(
        "The new version has other boundary events (deadlines, messages) on the element it waits at."
    ),
    "history_needed": lazy_gettext(
        "It still depends on an element the new version does not have (a join or a subprocess)."
    ),
    "subprocess_missing": lazy_gettext("A subprocess it runs is not part of the new version."),
    "process_missing": lazy_gettext("The process it runs now is not part of the new version."),
    "tasks_change": lazy_gettext("In the new version it would have other open tasks or take a step at once."),
    "not_representable": lazy_gettext("The new version cannot hold where it stands."),
    "in_error": lazy_gettext("It stopped with an error; resolve that first."),
    "not_running": lazy_gettext("It has ended."),
    "other_version": lazy_gettext("It no longer runs the source version."),
    "locked": lazy_gettext("Someone is working on it right now; try again."),
    "failed": lazy_gettext("Moving it failed; nothing was changed."),
}
# Attributes of a changed element, as a designer knows them; others are shown by their name.
FIELDS = {
    "formKey": lazy_gettext("form"),
    "candidateGroups": lazy_gettext("role"),
    "dueDate": lazy_gettext("due date"),
    "assignee": lazy_gettext("assignee"),
    "property:legalGround": lazy_gettext("legal ground"),
    "property:phase": lazy_gettext("phase"),
    "property:purpose": lazy_gettext("purpose"),
    "property:partyVariable": lazy_gettext("party variable"),
    "property:aboutPartyVariable": lazy_gettext("variable of the party the task is about"),
    "property:subjectVariable": lazy_gettext("subject variable"),
    "property:continueAs": lazy_gettext("continues as"),
    "conditionExpression": lazy_gettext("condition"),
    "sourceRef": lazy_gettext("from"),
    "targetRef": lazy_gettext("to"),
}


def blocker_text(code: str) -> str:
    found = BLOCKERS.get(code)
    return str(found) if found is not None else code


def field_label(key: str) -> str:
    found = FIELDS.get(key)
    return str(found) if found is not None else key


@bp.post("/designer/<string:process_id>/changes")
def designer_changes(process_id: str) -> Any:
    """The modeler's draft against the newest version, as an HTML fragment the editor shows."""
    path, xml = _edit_args()
    try:
        changes = edit_changes(common.uow(readonly=True), common.actor(), process_id, path, xml)
    except InvalidProcessModel as error:
        return render_template("web/_changes.html", changes=None, error=common.error_message(error)), 422
    return render_template("web/_changes.html", changes=changes, draft=True)


def _proposal(process_id: str, source: int | None, target: int | None) -> PlanProposal:
    if source is None:
        versions = definitions.get_process_version(
            common.uow(readonly=True), common.actor(), process_id, None
        )
        source = max(1, versions.version - 1)
    return propose(common.uow(), common.actor(), process_id, source, target)


@bp.get("/designer/<string:process_id>/migrate")
def designer_migrate(process_id: str) -> Any:
    args = request.args
    try:
        proposal = _proposal(process_id, args.get("from", type=int), args.get("to", type=int))
    except DomainError as error:
        flash(common.error_message(error), "error")
        proposal = None
    return _page(process_id, proposal, None)


@bp.post("/designer/<string:process_id>/migrate")
def designer_migrate_run(process_id: str) -> Any:
    form = request.form
    source, target = form.get("source_version", type=int), form.get("target_version", type=int)
    if source is None or target is None:
        abort(400)
    proposal = _proposal(process_id, source, target)
    known = {e.id for e in proposal.target}
    mapping = {}
    for element in proposal.source:
        chosen = form.get(f"map.{element.id}", "")
        if chosen in known:
            mapping[element.id] = chosen
    proposal.plan.mapping = mapping
    plan = MigrationPlan(process_id, source, target, mapping)
    services, tenant = common.svc(), common.actor().tenant_id
    units = lambda: services.uow(tenant_id=tenant)  # noqa: E731 - one per procedure, off the request
    action = form.get("action")
    report = None
    try:
        if action == "run":
            batch = max(1, min(form.get("batch_size", DEFAULT_BATCH, type=int) or DEFAULT_BATCH, MAX_BATCH))
            skip = [uuid.UUID(v) for v in form.getlist("skip") if _is_uuid(v)]
            report = run_batch(units, common.svc().runtime, common.actor(), plan, batch_size=batch, skip=skip)
            flash(
                gettext(
                    "%(n)s procedure(s) moved to version %(version)s.", n=len(report.moved), version=target
                ),
                "success",
            )
        else:
            report = dry_run(units, common.svc().runtime, common.actor(), plan)
    except DomainError as error:
        flash(common.error_message(error), "error")
    return _page(process_id, proposal, report)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _page(process_id: str, proposal: PlanProposal | None, report: MigrationReport | None) -> Any:
    newest = definitions.get_process_version(common.uow(readonly=True), common.actor(), process_id, None)
    skip: list[str] = []
    if report is not None and not report.dry_run:
        skip = [str(r.instance_id) for r in report.refused] + request.form.getlist("skip")
    return render_template(
        "web/designer_migrate.html",
        process_id=process_id,
        newest=newest,
        proposal=proposal,
        report=report,
        skip=skip,
        versions=list(range(newest.version, 0, -1)),
        blocker_text=blocker_text,
        batch_size=DEFAULT_BATCH,
    )


bp.add_app_template_global(field_label, "field_label")
