"""Migrating one running instance to another version of its process (engine.migration drives the
plan, the dry run and the batches): lock the instance, move its live state (engine.bpmn.migrate),
make its open task rows follow (through the journal) and write one `migrated` timeline event.

The open tasks stay the same tasks: a migration never opens, closes or runs anything. A state that
would need that (an automatic step becoming due, a task appearing or vanishing) is refused.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select

from ..bpmn.migrate import Blocker, CannotMigrate, migrate
from ..bpmn.script_helpers import using_settings
from ..bpmn.state import dump_state, load_state
from ..definitions.cache import LoadedDefinition
from ..errors import Conflict
from ..status import InstanceStatus
from ..uow import UnitOfWork
from . import journal
from .locks import lock_instance_with_open_tasks
from .models import ProcessInstance, Task
from .persist import workflows
from .service import Runtime
from .stepper import snapshot
from .task_rows import StepSettings, build_task_row
from .writer import update_object


@dataclass
class InstanceMigration:
    """The result for one instance: moved (or, in a dry run, movable) or the reasons it cannot."""

    instance_id: uuid.UUID
    ok: bool
    blockers: list[Blocker] = field(default_factory=list)
    elements: dict[str, str] = field(default_factory=dict)
    tasks: int = 0


def migrate_instance(
    runtime: Runtime,
    uow: UnitOfWork,
    tenant_id: str,
    instance_id: uuid.UUID,
    source: LoadedDefinition,
    target: LoadedDefinition,
    mapping: Mapping[str, str],
    actor: str | None,
    *,
    write: bool,
    settings: Mapping[str, Any] | None = None,
) -> InstanceMigration:
    """Check (and with `write`, carry out) the move of one instance, inside the caller's unit of work.
    Reasons it cannot move are returned, not raised; the caller rolls back on anything raised.
    `settings`: the target's settings under the tenant's, when the caller read them once for a batch."""
    result = InstanceMigration(instance_id, ok=False)
    try:
        instance, rows = lock_instance_with_open_tasks(uow, instance_id, tenant_id)
    except Conflict:
        result.blockers.append(Blocker("locked", None, "the procedure is being changed by someone else"))
        return result
    if instance.status != InstanceStatus.RUNNING:
        code = "in_error" if instance.status == InstanceStatus.ERROR else "not_running"
        result.blockers.append(Blocker(code, None, f"the procedure is {instance.status}"))
        return result
    if instance.definition_id != source.id:
        result.blockers.append(
            Blocker("other_version", None, "the procedure no longer runs the plan's source version")
        )
        return result
    try:
        workflow = load_state(
            instance.state, source.compiled, instance.current_process_id, runtime.script_engine
        )
        before = {t.id: t for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
        old_due = {task_id: _due_rule(t) for task_id, t in before.items()}
        moved = migrate(workflow, target.compiled, instance.current_process_id, mapping)
        state = dump_state(workflow)
        # The written state must restore against the target's specs alone: prove it now.
        workflow = load_state(state, target.compiled, instance.current_process_id, runtime.script_engine)
    except CannotMigrate as refused:
        result.blockers.extend(refused.blockers)
        return result
    except Exception as exc:  # a state the target's specs cannot hold (the library's own errors)
        result.blockers.append(Blocker("not_representable", None, f"the target cannot hold the state: {exc}"))
        return result
    where = snapshot(workflow)
    automatic = any(True for _ in workflow.get_tasks(state=TaskState.READY, manual=False))
    if set(where.ready) != set(before) or automatic:
        result.blockers.append(
            Blocker(
                "tasks_change",
                None,
                "in the target version the procedure would have other open tasks or run a step at once",
            )
        )
        return result
    result.elements = moved.elements
    result.tasks = len(rows)
    result.ok = True
    if not write:
        return result
    if settings is None:
        settings = StepSettings(uow, tenant_id, target.settings)
    with using_settings(settings, target.parties):
        for row in rows:
            spiff_task = where.ready.get(row.id)
            if spiff_task is None:
                continue
            fresh = build_task_row(spiff_task, instance, settings, row.created_at, definition_id=target.id)
            changes = _task_changes(row, fresh)
            if _due_rule(spiff_task) != old_due.get(row.id):
                changes["due_at"] = fresh.due_at
            journal.follow_migration(uow, row, changes)
    values: dict[str, Any] = {
        "definition_id": target.id,
        "state": state,
        "current_steps": where.steps,
        "next_timer_due": where.next_timer_due,
        "updated_at": uow.now(),
    }
    workflows(uow).take(instance.id, instance.version)  # the cached workflow is the old version's
    update_object(uow, instance, values, version="version")
    detail = {
        "from_version": source.version,
        "to_version": target.version,
        "elements": dict(sorted(moved.elements.items())),
        "tasks": len(rows),
    }
    journal.append(uow, [journal.entry(instance, "migrated", actor, detail=detail)])
    return result


FOLLOWED = ("definition_id", "process_id", "element_id", "name", "role", "form_key", "phase", "properties")


def _task_changes(row: Task, fresh: Task) -> dict[str, Any]:
    """What an open task takes from the target's element: where it is, its name, role, form, phase
    and properties. Its due moment only when the element's due date changed (the caller): an
    extension or a reschedule of the old one is otherwise kept."""
    return {name: getattr(fresh, name) for name in FOLLOWED if getattr(fresh, name) != getattr(row, name)}


def _due_rule(task: SpiffTask) -> Any:
    return (getattr(task.task_spec, "extensions", None) or {}).get("dueDate")


def _candidates(
    tenant_id: str,
    definition_id: int,
    only: Sequence[uuid.UUID] | None,
    excluding: Collection[uuid.UUID] = (),
) -> list[Any]:
    """Candidates of a plan: the instances on the source version that have not ended (one in error
    is a candidate the dry run reports), of the given ones if any."""
    where = [
        ProcessInstance.tenant_id == tenant_id,
        ProcessInstance.definition_id == definition_id,
        ProcessInstance.status.in_([InstanceStatus.RUNNING, InstanceStatus.ERROR]),
    ]
    if only is not None:
        where.append(ProcessInstance.id.in_(list(only)))
    if excluding:
        where.append(ProcessInstance.id.not_in(list(excluding)))
    return where


def instance_ids(
    uow: UnitOfWork,
    tenant_id: str,
    definition_id: int,
    limit: int,
    *,
    only: Sequence[uuid.UUID] | None = None,
) -> list[uuid.UUID]:
    """Up to `limit` candidates, oldest first."""
    query = (
        select(ProcessInstance.id)
        .where(*_candidates(tenant_id, definition_id, only))
        .order_by(ProcessInstance.started_at, ProcessInstance.id)
        .limit(limit)
    )
    return list(uow.session.scalars(query))


def count_candidates(
    uow: UnitOfWork,
    tenant_id: str,
    definition_id: int,
    *,
    only: Sequence[uuid.UUID] | None = None,
    excluding: Collection[uuid.UUID] = (),
) -> int:
    query = select(func.count()).select_from(ProcessInstance)
    return int(uow.session.scalar(query.where(*_candidates(tenant_id, definition_id, only, excluding))) or 0)
