"""Tasks: the inbox, one task with its form and case context, claim, release, hand over, complete."""

from __future__ import annotations

import uuid
from typing import Any

from flask_smorest import Blueprint

from engine.procedures.models import Procedure
from engine.procedures.view import CaseView
from engine.tasks import commands, queries

from ..auth import current_actor
from ..schemas.work import (
    AssignSchema,
    CompleteSchema,
    CompletionSchema,
    TaskDetailSchema,
    TaskListArgs,
    TaskPageSchema,
    TaskReleaseSchema,
    TaskSummarySchema,
)
from .common import errors, svc, uow

blp = Blueprint("tasks", __name__, description="User tasks: inbox, claim, hand over, complete")


def procedure_ref(procedure: Procedure | None) -> dict[str, Any] | None:
    if procedure is None:
        return None
    return {
        "id": procedure.id,
        "reference": procedure.reference,
        "status": procedure.status,
        "phase": procedure.phase,
    }


def case_document(case: CaseView) -> dict[str, Any]:
    return {"subjects": case.subjects}


@blp.route("/tasks", methods=["GET"])
@blp.arguments(TaskListArgs(), location="query")
@blp.response(200, TaskPageSchema)
@errors(blp, 422)
def inbox(args: dict[str, Any]) -> Any:
    """Your inbox. `scope=mine` (claimed by or assigned to you), `available` (nobody's yet, for your
    roles and party) or `all` (everything you may see); filter, sort by due date or follow-up moment
    (`follow_up`: the model's followUpDate; tasks without one last), page."""
    return queries.inbox(uow(readonly=True), current_actor(), queries.InboxFilter(**args))


@blp.route("/tasks/<uuid:task_id>", methods=["GET"])
@blp.response(200, TaskDetailSchema)
@errors(blp, 403, 404)
def detail(task_id: uuid.UUID) -> Any:
    """One task: its form (JSON Schema + UI hints), the procedure and the case data you may see."""
    found = queries.task_detail(uow(readonly=True), current_actor(), task_id)
    return {
        "task": found.item,
        "form": found.form,
        "procedure": procedure_ref(found.context.procedure) if found.context else None,
        "context": case_document(found.context) if found.context else None,
        "allowed_actions": found.allowed_actions,
    }


@blp.route("/tasks/<uuid:task_id>/claim", methods=["POST"])
@blp.response(200, TaskSummarySchema)
@errors(blp, 403, 404, 409)
def claim(task_id: uuid.UUID) -> Any:
    """Claim an open task for yourself: from now on only you complete it."""
    return commands.claim_task(uow(), current_actor(), task_id)


@blp.route("/tasks/<uuid:task_id>/release", methods=["POST"])
@blp.arguments(TaskReleaseSchema())
@blp.response(200, TaskSummarySchema)
@errors(blp, 403, 404, 409, 422)
def release(body: dict[str, Any], task_id: uuid.UUID) -> Any:
    """Give a task back to its role's pool (whoever has it, or a manager); the reason is recorded."""
    return commands.release_task(uow(), current_actor(), task_id, body.get("reason"))


@blp.route("/tasks/<uuid:task_id>/assign", methods=["POST"])
@blp.arguments(AssignSchema())
@blp.response(200, TaskSummarySchema)
@errors(blp, 403, 404, 409, 422)
def assign(body: dict[str, Any], task_id: uuid.UUID) -> Any:
    """Hand a task to a colleague who may do it (a manager, or someone who may do it); the reason is
    recorded in the procedure's timeline."""
    return commands.assign_task(uow(), current_actor(), task_id, body["username"], body["reason"])


@blp.route("/tasks/<uuid:task_id>/complete", methods=["POST"])
@blp.arguments(CompleteSchema())
@blp.response(200, CompletionSchema)
@errors(blp, 403, 404, 409, 422)
def complete(body: dict[str, Any], task_id: uuid.UUID) -> Any:
    """Complete a task with its form data. 200 tells what is next; 422 lists field errors; 409 when
    the task was completed meanwhile or the process moved on."""
    services = svc()
    done = commands.complete_task(uow(), services.runtime, current_actor(), task_id, body["data"])
    return {
        "task": done.task,
        "instance": {"id": done.instance_id, "status": done.instance_status, "ended": done.ended},
        "procedure": procedure_ref(done.procedure),
        # As the engine says the completer may be told them (engine.tasks.commands.Completion.next).
        "next": [
            {name: getattr(t.task, name) for name in BRIEF_FIELDS}
            | {"party": t.party, "about_party": t.about_party, "context": t.context, "for_you": t.for_you}
            for t in done.next
        ],
    }


BRIEF_FIELDS = (
    "id",
    "name",
    "kind",
    "process_id",
    "element_id",
    "instance_id",
    "role",
    "party",
    "subject",
    "phase",
    "form_key",
    "status",
    "created_at",
    "due_at",
    "follow_up_at",
    "assignee",
    "claimed_by",
    "claimed_at",
    "completed_by",
    "completed_at",
    "context",
)
