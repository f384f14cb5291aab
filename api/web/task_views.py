"""The inbox and the task page: claim, release, fill in the form and complete."""

from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext

from engine.accounts import service as accounts
from engine.errors import InvalidForm, NotAuthorized
from engine.tasks import commands, queries
from engine.tasks.overview import inbox_overview

from . import bp, common
from .form_errors import placed_errors
from .forms import build_fields, parse_submission, user_roles

DONE_KEY = "wams_done"


@bp.get("/inbox")
def inbox() -> Any:
    phase = request.args.get("phase") or None
    role = request.args.get("role") or None
    overdue = True if request.args.get("overdue") == "1" else None
    overview = inbox_overview(
        common.uow(readonly=True), common.actor(), phase=phase, role=role, overdue=overdue
    )
    return render_template(
        "web/inbox.html",
        overview=overview,
        filters={"phase": phase, "role": role, "overdue": overdue},
    )


def _users(schema: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """People to choose from for `x-ui.widget: user` fields; empty when the reader may not list them
    (the field then falls back to typing a username)."""
    result: dict[str, list[tuple[str, str]]] = {}
    for role in sorted(user_roles(schema)):
        try:
            people = accounts.list_users(common.uow(readonly=True), common.actor(), role=role)
        except NotAuthorized:
            continue
        # People by the name colleagues know them by; the username only tells namesakes apart.
        names = [u.display_name or u.username for u in people]
        result[role] = [
            (u.username, name if names.count(name) == 1 else f"{name} ({u.username})")
            for u, name in zip(people, names, strict=True)
        ]
    return result


def _task_page(
    detail: queries.TaskDetail,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> Any:
    schema = (detail.form or {}).get("schema") or {}
    fields = build_fields(schema, values, errors, _users(schema)) if detail.form else []
    return (
        render_template(
            "web/task.html",
            detail=detail,
            task=detail.item.task,
            item=detail.item,
            form=detail.form,
            fields=fields,
            errors=errors or {},
            case=detail.context,
        ),
        status,
    )


@bp.get("/tasks/<uuid:task_id>")
def task(task_id: uuid.UUID) -> Any:
    return _task_page(queries.task_detail(common.uow(readonly=True), common.actor(), task_id))


@bp.post("/tasks/<uuid:task_id>")
def complete(task_id: uuid.UUID) -> Any:
    who = common.actor()
    detail = queries.task_detail(common.uow(readonly=True), who, task_id)
    schema = (detail.form or {}).get("schema") or {}
    data = parse_submission(schema, request.form) if detail.form else {}
    try:
        done = commands.complete_task(common.uow(), common.svc().runtime, who, task_id, data)
    except InvalidForm as error:
        flash(gettext("The form is not filled in correctly. Check the fields marked below."), "error")
        return _task_page(detail, data, placed_errors(error, schema), 422)
    session[DONE_KEY] = {
        "task": str(task_id),
        "ended": done.ended,
        "next": [
            {"id": str(t.task.id), "name": t.task.name, "for_you": t.for_you, "role": t.task.role}
            | {"party": t.party, "about_party": t.about_party}
            for t in done.next
        ],
    }
    return redirect(url_for("web.task_done", task_id=task_id))


@bp.get("/tasks/<uuid:task_id>/done")
def task_done(task_id: uuid.UUID) -> Any:
    detail = queries.task_detail(common.uow(readonly=True), common.actor(), task_id)
    info = session.pop(DONE_KEY, None)
    if not isinstance(info, dict) or info.get("task") != str(task_id):
        info = None
    return render_template("web/task_done.html", detail=detail, task=detail.item.task, info=info)


def _after_change(task_id: uuid.UUID, item: queries.TaskItem) -> Any:
    if request.headers.get("HX-Request") == "true" and request.form.get("row") == "1":
        return render_template("web/_task_row.html", item=item, section=request.form.get("section", "mine"))
    return redirect(common.back(url_for("web.task", task_id=task_id)))


@bp.post("/tasks/<uuid:task_id>/claim")
def claim(task_id: uuid.UUID) -> Any:
    item = commands.claim_task(common.uow(), common.actor(), task_id)
    if request.headers.get("HX-Request") != "true":
        flash(gettext("You have claimed the task “%(name)s”.", name=item.task.name), "info")
    return _after_change(task_id, item)


@bp.post("/tasks/<uuid:task_id>/release")
def release(task_id: uuid.UUID) -> Any:
    item = commands.release_task(common.uow(), common.actor(), task_id, request.form.get("reason") or None)
    flash(gettext("The task is back in the pool of its role."), "info")
    return _after_change(task_id, item)
