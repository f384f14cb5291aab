"""Versions and migration: a draft's changes before publishing, and moving running procedures to
another version (plan → dry run → execute in batches, as Camunda 7's migration API does)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from engine.definitions.drafts import upload_changes
from engine.migration.batch import MigrationReport, dry_run, run_batch
from engine.migration.plan import MigrationPlan, propose

from ..auth import current_actor
from ..schemas.migrations import (
    ExecuteRequestSchema,
    MigrationReportSchema,
    MigrationRequestSchema,
    PlanArgs,
    PlanProposalSchema,
    VersionChangesSchema,
)
from .common import errors, svc, uow
from .definitions import UploadArgs, _limits, _read

blp = Blueprint("migrations", __name__, description="Version changes and migration of running procedures")


def _plan(body: dict[str, Any]) -> MigrationPlan:
    plan = body["plan"]
    mapping = dict(plan["mapping"])
    return MigrationPlan(plan["process_id"], plan["source_version"], plan["target_version"], mapping)


def _report(report: MigrationReport) -> dict[str, Any]:
    return {
        "plan": report.plan,
        "dry_run": report.dry_run,
        "moved": len(report.moved),
        "refused": len(report.refused),
        "remaining": report.remaining,
        "results": [
            {
                "instance_id": r.instance_id,
                "ok": r.ok,
                "blockers": [b.as_dict() for b in r.blockers],
                "elements": r.elements,
                "tasks": r.tasks,
            }
            for r in report.results
        ],
    }


def _units() -> Any:
    """A unit of work per procedure, made without the request (a batch runs on a few threads)."""
    services, tenant = svc(), current_actor().tenant_id
    return lambda: services.uow(tenant_id=tenant)


@blp.route("/process-definitions/<string:process_id>/changes", methods=["POST"])
@blp.arguments(UploadArgs(), location="files")
@blp.response(200, VersionChangesSchema)
@errors(blp, 403, 404, 413, 422)
def draft_changes(files: dict[str, Any], process_id: str) -> Any:
    """What deploying this upload would change to the process, against its newest version (process
    designer): elements added, removed, renamed and changed (form, role, due date, legal ground, …),
    forms and settings. Nothing is deployed."""
    filename, data = _read(files["file"])
    return upload_changes(uow(readonly=True), current_actor(), process_id, filename, data, **_limits())


@blp.route("/process-definitions/<string:process_id>/migration-plan", methods=["GET"])
@blp.arguments(PlanArgs(), location="query")
@blp.response(200, PlanProposalSchema)
@errors(blp, 403, 404, 422)
def migration_plan(args: dict[str, Any], process_id: str) -> Any:
    """A proposed plan from `source_version` to `target_version` (default: the newest): every element
    whose id exists in both maps onto itself. Edit `mapping` and send it to the dry run (process
    designer, administrator)."""
    return propose(uow(), current_actor(), process_id, args["source_version"], args.get("target_version"))


@blp.route("/migrations/dry-run", methods=["POST"])
@blp.arguments(MigrationRequestSchema)
@blp.response(200, MigrationReportSchema)
@errors(blp, 403, 404, 422)
def migration_dry_run(body: dict[str, Any]) -> Any:
    """Which procedures on the source version can move under the plan, and why the others cannot.
    Nothing is written (process designer, administrator)."""
    report = dry_run(_units(), svc().runtime, current_actor(), _plan(body), instances=body.get("instances"))
    return _report(report)


@blp.route("/migrations", methods=["POST"])
@blp.arguments(ExecuteRequestSchema)
@blp.response(200, MigrationReportSchema)
@errors(blp, 403, 404, 422)
def migration_execute(body: dict[str, Any]) -> Any:
    """Move one batch of procedures (`batch_size`), each in its own transaction under its instance
    lock; one that cannot move stays as it was and is reported with its reasons. Call again with
    the refused ids in `skip` while `remaining` is above zero (process designer, administrator)."""
    report = run_batch(
        _units(),
        svc().runtime,
        current_actor(),
        _plan(body),
        instances=body.get("instances"),
        batch_size=body["batch_size"],
        skip=body["skip"],
    )
    return _report(report)
