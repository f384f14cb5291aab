"""Reading tasks: the inbox (mine, available to my roles, all I may see) and one task with its form
and the case context the reader may see."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select

from ..access import Actor
from ..db.paging import clamp_page, count_rows, one_page, where_equal
from ..definitions.cache import definition_cache
from ..definitions.form_docs import form_document, ui_hints
from ..errors import InvalidInput, NotFound
from ..privacy.catalogue import catalogue_for_definition
from ..privacy.supply import withheld_categories, without_categories
from ..procedures.models import Procedure
from ..procedures.view import CaseView, case_view
from ..runtime.models import Task
from ..status import TaskStatus
from ..uow import UnitOfWork
from .rules import is_for_role_clause, may_release, may_work_on, owner, require_can_see, visible_clause

SCOPES = ("mine", "available", "all")
SORTS = {
    "due": (Task.due_at.is_(None), Task.due_at, Task.created_at),
    "-due": (Task.due_at.is_(None), Task.due_at.desc(), Task.created_at.desc()),
    "created": (Task.created_at,),
    "-created": (Task.created_at.desc(),),
    "follow_up": (Task.follow_up_at.is_(None), Task.follow_up_at, Task.created_at),
    "-follow_up": (Task.follow_up_at.is_(None), Task.follow_up_at.desc(), Task.created_at.desc()),
}
MAX_PAGE_SIZE = 200


@dataclass
class TaskItem:
    task: Task
    reference: str | None
    overdue: bool
    mine: bool
    can_work: bool

    def __getattr__(self, name: str) -> Any:  # the task's columns read through (for serializers)
        return getattr(self.task, name)


@dataclass
class TaskPage:
    items: list[TaskItem]
    total: int
    page: int
    page_size: int


@dataclass
class InboxFilter:
    scope: str = "mine"
    status: str = TaskStatus.OPEN
    process_id: str | None = None
    element_id: str | None = None
    phase: str | None = None
    role: str | None = None
    procedure_id: uuid.UUID | None = None
    overdue: bool | None = None
    due_before: datetime | None = None
    # The model's followUpDate: True for tasks whose follow-up moment has come, False for the others.
    follow_up: bool | None = None
    follow_up_before: datetime | None = None
    sort: str = "due"
    page: int = 1
    page_size: int = 50


@dataclass
class TaskDetail:
    item: TaskItem
    form: dict[str, Any] | None
    context: CaseView | None
    can_claim: bool
    can_release: bool
    allowed_actions: list[str] = field(default_factory=list)
    # The task's `legalGround` looked up in its version's legal grounds ({wet, artikel, omschrijving}).
    legal_ground: dict[str, Any] | None = None


def task_item(actor: Actor, task: Task, reference: str | None, now: datetime) -> TaskItem:
    return TaskItem(
        task=task,
        reference=reference,
        overdue=task.status == TaskStatus.OPEN and task.due_at is not None and task.due_at < now,
        mine=owner(task) == actor.username,
        can_work=task.status == TaskStatus.OPEN and may_work_on(actor, task),
    )


def _scoped(actor: Actor, scope: str) -> Select[Task, str]:
    query = (
        select(Task, Procedure.reference)
        .outerjoin(Procedure, Procedure.id == Task.instance_id)
        .where(Task.tenant_id == actor.tenant_id)
    )
    name = actor.username
    if scope == "mine":
        return query.where(
            or_(Task.claimed_by == name, (Task.claimed_by.is_(None)) & (Task.assignee == name))
        )
    if scope == "available":
        return query.where(Task.claimed_by.is_(None), Task.assignee.is_(None), is_for_role_clause(actor))
    if scope == "all":
        return query.where(visible_clause(actor))
    raise InvalidInput(f"scope is one of {', '.join(SCOPES)}", field="scope")


def inbox(uow: UnitOfWork, actor: Actor, filters: InboxFilter) -> TaskPage:
    if filters.sort not in SORTS:
        raise InvalidInput(f"sort is one of {', '.join(SORTS)}", field="sort")
    page, page_size = clamp_page(filters.page, filters.page_size, MAX_PAGE_SIZE)
    with uow:
        now = uow.now()
        query = _scoped(actor, filters.scope)
        if filters.status != "any":
            query = query.where(Task.status == filters.status)
        query = where_equal(
            query,
            [
                (Task.process_id, filters.process_id),
                (Task.element_id, filters.element_id),
                (Task.phase, filters.phase),
                (Task.role, filters.role),
                (Task.instance_id, filters.procedure_id),
            ],
        )
        if filters.overdue is True:
            query = query.where(Task.status == TaskStatus.OPEN, Task.due_at < now)
        elif filters.overdue is False:
            query = query.where(or_(Task.due_at.is_(None), Task.due_at >= now))
        if filters.due_before is not None:
            query = query.where(Task.due_at < filters.due_before)
        if filters.follow_up is True:
            query = query.where(Task.follow_up_at <= now)
        elif filters.follow_up is False:
            query = query.where(or_(Task.follow_up_at.is_(None), Task.follow_up_at > now))
        if filters.follow_up_before is not None:
            query = query.where(Task.follow_up_at < filters.follow_up_before)
        total = count_rows(uow.session, query)
        rows = uow.session.execute(
            one_page(query.order_by(*SORTS[filters.sort], Task.id), page, page_size)
        ).all()
        items = [task_item(actor, task, reference, now) for task, reference in rows]
    return TaskPage(items=items, total=total, page=page, page_size=page_size)


def task_detail(uow: UnitOfWork, actor: Actor, task_id: uuid.UUID) -> TaskDetail:
    with uow:
        row = uow.session.execute(
            select(Task, Procedure.reference)
            .outerjoin(Procedure, Procedure.id == Task.instance_id)
            .where(Task.id == task_id)
        ).first()
        if row is None or row[0].tenant_id != actor.tenant_id:
            raise NotFound("task not found")
        task, reference = row[0], row[1]
        require_can_see(actor, task)
        item = task_item(actor, task, reference, uow.now())
        form = None
        definition = definition_cache(uow).get(uow, task.definition_id)
        if task.form_key:
            loaded = definition.forms.get(task.form_key)
            form = form_document(loaded) if loaded is not None else None
            if form is not None and task.party:
                # A party is not offered fields it may never supply (engine.privacy.supply).
                catalogue = catalogue_for_definition(uow, task.definition_id)
                withheld = withheld_categories(catalogue, task.party, task.context or {})
                trimmed = without_categories(form["schema"], withheld)
                form = {**form, "schema": trimmed, "ui": ui_hints(trimmed)}
        ground_key = (task.properties or {}).get("legalGround")
        ground = definition.legal_grounds.get(ground_key) if isinstance(ground_key, str) else None
        context = case_view(uow, actor, task.instance_id) if reference is not None else None
    is_open = task.status == TaskStatus.OPEN
    can_claim = is_open and task.claimed_by is None and may_work_on(actor, task)
    can_release = is_open and owner(task) is not None and may_release(actor, task)
    actions = [
        a for a, ok in (("complete", item.can_work), ("claim", can_claim), ("release", can_release)) if ok
    ]
    return TaskDetail(
        item=item,
        form=form,
        context=context,
        can_claim=can_claim,
        can_release=can_release,
        allowed_actions=actions,
        legal_ground={"key": ground_key, **ground} if isinstance(ground, dict) else None,
    )
