"""The process runtime's commands: start, complete a task, send a message, fire timers, cancel.

Each command runs inside a unit of work the caller owns and does not commit: a domain service wraps
one or more runtime calls and its own writes in one transaction. Every command locks its instance
first — ``SELECT … FOR UPDATE NOWAIT`` on PostgreSQL, the write lock taken at ``BEGIN IMMEDIATE`` on
SQLite — and the instance row's version counter catches anything that slips past, so two concurrent
commands on one instance never both succeed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import insert, select
from sqlalchemy.exc import OperationalError

from ..bpmn import spiff_clock
from ..bpmn.sandbox import create_script_engine, using_settings
from ..bpmn.state import dump_state, load_state, new_workflow
from ..clock import active_clock
from ..definitions.cache import LoadedDefinition, definition_cache
from ..definitions.service import get_version
from ..errors import (
    Conflict,
    FieldError,
    InvalidForm,
    InvalidInput,
    NotFound,
    ProcessError,
    TaskAlreadyCompleted,
    TaskNotOpen,
)
from ..forms import Form
from ..status import InstanceStatus, TaskStatus, instance_transition, task_transition
from ..uow import UnitOfWork, is_lock_error
from .models import ProcessEvent, ProcessInstance, Task
from .stepper import Advance, advance, engine_errors, next_timer_due, ready_user_tasks, waiting_steps
from .task_rows import StepSettings, build_task_row

DEFAULT_MAX_STATE_BYTES = 256 * 1024


@dataclass
class StepOutcome:
    """What a command changed: the instance, the tasks it closed and opened, the path it ran."""

    instance: ProcessInstance
    definition: LoadedDefinition
    completed_task: Task | None = None
    opened: list[Task] = field(default_factory=list)
    cancelled: list[Task] = field(default_factory=list)
    path: list[str] = field(default_factory=list)
    continued_into: list[str] = field(default_factory=list)
    submitted: dict[str, Any] = field(default_factory=dict)

    @property
    def ended(self) -> bool:
        return self.instance.status in {InstanceStatus.COMPLETED, InstanceStatus.CANCELLED}


class RuntimeHooks(Protocol):
    """Domain layers plug into the runtime here, inside the command's transaction."""

    def prepare_submission(
        self,
        uow: UnitOfWork,
        instance: ProcessInstance,
        task: Task | None,
        form: Form | None,
        data: dict[str, Any],
        actor: str | None,
        context: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Return the data the process receives (e.g. without personal data stored elsewhere).
        `context` is the process data the task sees (read-only)."""
        ...

    def after_step(self, uow: UnitOfWork, outcome: StepOutcome, actor: str | None) -> None: ...


Authorize = Callable[[Task, ProcessInstance], None]


class Runtime:
    def __init__(
        self,
        *,
        script_budget_ms: int = 250,
        max_state_bytes: int = DEFAULT_MAX_STATE_BYTES,
        hooks: Sequence[RuntimeHooks] = (),
    ) -> None:
        spiff_clock.install()
        self.script_engine = create_script_engine(script_budget_ms)
        self.max_state_bytes = max_state_bytes
        self.hooks = list(hooks)

    # --- commands ---------------------------------------------------------------------------

    def start(
        self,
        uow: UnitOfWork,
        tenant_id: str,
        process_id: str,
        data: dict[str, Any],
        actor: str | None,
        *,
        version: int | None = None,
        prepare: Callable[[ProcessInstance, LoadedDefinition], dict[str, Any]] | None = None,
    ) -> StepOutcome:
        """Start an instance of the newest (or given) version of `process_id`.

        `prepare`, if given, runs after the start form accepted `data` and the instance row exists;
        it returns the data the process starts with (a domain layer records its own rows there).
        """
        row = get_version(uow, tenant_id, process_id, version)
        definition = definition_cache(uow).get(uow, row.id)
        form = definition.start_form()
        if form is not None:
            _validate(form, data)
        now = uow.now()
        instance = ProcessInstance(
            id=uuid.uuid4(),
            tenant_id=tenant_id,
            definition_id=definition.id,
            current_process_id=definition.process_id,
            segment=1,
            status=InstanceStatus.RUNNING,
            current_steps=[],
            started_at=now,
            started_by=actor,
            updated_at=now,
            state="",
        )
        uow.session.add(instance)
        if prepare is not None:
            data = prepare(instance, definition)
        for hook in self.hooks:
            data = hook.prepare_submission(uow, instance, None, form, data, actor, {})
        settings = StepSettings(uow, tenant_id, definition.settings)
        workflow = new_workflow(definition.compiled, definition.process_id, self.script_engine)
        workflow.task_tree.data.update(data)
        with using_settings(settings):
            progress = advance(workflow, definition.process_id, definition.compiled, self.script_engine)
        events = [
            _event(
                instance,
                "instance_started",
                actor,
                data_keys=sorted(data),
                detail={"version": definition.version},
            )
        ]
        return self._persist(uow, instance, definition, progress, settings, actor, events, submitted=data)

    def complete_task(
        self,
        uow: UnitOfWork,
        tenant_id: str,
        task_id: uuid.UUID,
        data: dict[str, Any],
        actor: str | None,
        *,
        authorize: Authorize | None = None,
    ) -> StepOutcome:
        task, instance = self._lock_task(uow, tenant_id, task_id)
        if authorize is not None:
            authorize(task, instance)
        definition = definition_cache(uow).get(uow, instance.definition_id)
        form = definition.form(task.form_key) if task.form_key else None
        if form is not None:
            _validate(form, data)
        elif data:
            raise InvalidForm(
                "this task has no form; it takes no data",
                [FieldError(key, "unknown field", "unknown_field") for key in sorted(data)],
            )
        settings = StepSettings(uow, tenant_id, definition.settings)
        workflow = self._load(instance, definition)
        try:
            spiff_task = workflow.get_task_from_id(task.id)
        except TaskNotFoundException:
            spiff_task = None
        if spiff_task is None or spiff_task.state != TaskState.READY:
            raise Conflict("the task is no longer waiting in the process; reload the procedure")
        for hook in self.hooks:
            data = hook.prepare_submission(uow, instance, task, form, data, actor, spiff_task.data)

        def run_task(_: BpmnWorkflow) -> None:
            spiff_task.data.update(data)
            spiff_task.run()

        with using_settings(settings):
            progress = advance(
                workflow,
                instance.current_process_id,
                definition.compiled,
                self.script_engine,
                before=run_task,
            )
        now = uow.now()
        task.status = task_transition(task.status, TaskStatus.COMPLETED)
        task.completed_by = actor
        task.completed_at = now
        events = [
            _event(instance, "task_completed", actor, task=task, data_keys=sorted(data)),
        ]
        return self._persist(
            uow, instance, definition, progress, settings, actor, events, completed=task, submitted=data
        )

    def send_message(
        self,
        uow: UnitOfWork,
        tenant_id: str,
        instance_id: uuid.UUID,
        name: str,
        payload: dict[str, Any],
        actor: str | None,
    ) -> StepOutcome:
        instance = self._lock_instance(uow, instance_id, tenant_id)
        _require_running(instance)
        definition = definition_cache(uow).get(uow, instance.definition_id)
        settings = StepSettings(uow, instance.tenant_id, definition.settings)
        workflow = self._load(instance, definition)
        event_definition = _waiting_message(workflow, name)
        if event_definition is None:
            raise InvalidInput(f"the procedure is not waiting for message {name!r}", message_name=name)

        def deliver(wf: BpmnWorkflow) -> None:
            wf.send_event(BpmnEvent(event_definition, payload))

        with using_settings(settings):
            progress = advance(
                workflow, instance.current_process_id, definition.compiled, self.script_engine, before=deliver
            )
        events = [
            _event(instance, "message_received", actor, data_keys=sorted(payload), detail={"message": name})
        ]
        return self._persist(uow, instance, definition, progress, settings, actor, events, submitted=payload)

    def fire_timers(
        self, uow: UnitOfWork, instance_id: uuid.UUID, *, skip_locked: bool = False
    ) -> StepOutcome | None:
        """Fire whatever timers of the instance are due (by the unit of work's clock).

        Returns None when there was nothing to do: the instance ended meanwhile, or (with
        `skip_locked`) another scheduler holds it right now.
        """
        if skip_locked:
            found = self._try_lock_instance(uow, instance_id)
            if found is None:
                return None
            instance = found
        else:
            instance = self._lock_instance(uow, instance_id, None)
        if instance.status != InstanceStatus.RUNNING:
            instance.next_timer_due = None
            return None
        definition = definition_cache(uow).get(uow, instance.definition_id)
        settings = StepSettings(uow, instance.tenant_id, definition.settings)
        workflow = self._load(instance, definition)
        with using_settings(settings):
            progress = advance(
                workflow,
                instance.current_process_id,
                definition.compiled,
                self.script_engine,
                refresh_timers=True,
            )
        events = [_event(instance, "timers_fired", None)] if progress.path else []
        return self._persist(uow, instance, definition, progress, settings, None, events)

    def cancel(
        self, uow: UnitOfWork, tenant_id: str, instance_id: uuid.UUID, reason: str, actor: str | None
    ) -> StepOutcome:
        instance = self._lock_instance(uow, instance_id, tenant_id)
        instance.status = instance_transition(instance.status, InstanceStatus.CANCELLED)
        now = uow.now()
        instance.ended_at = now
        instance.updated_at = now
        instance.next_timer_due = None
        instance.current_steps = []
        definition = definition_cache(uow).get(uow, instance.definition_id)
        cancelled = self._close_open_tasks(uow, instance, keep=set())
        events = [_event(instance, "task_cancelled", actor, task=t) for t in cancelled]
        events.append(_event(instance, "instance_cancelled", actor, detail={"reason": reason}))
        _write_events(uow, events)
        outcome = StepOutcome(instance=instance, definition=definition, cancelled=cancelled)
        for hook in self.hooks:
            hook.after_step(uow, outcome, actor)
        return outcome

    def mark_error(self, uow: UnitOfWork, instance_id: uuid.UUID, error: ProcessError) -> None:
        """Record that the instance cannot advance on its own (e.g. a timer ran into a model error),
        so the scheduler stops retrying and a person can look."""
        instance = self._lock_instance(uow, instance_id, None)
        if instance.status != InstanceStatus.RUNNING:
            return
        instance.status = instance_transition(instance.status, InstanceStatus.ERROR)
        instance.error = {"message": error.message, **{k: str(v) for k, v in error.details.items()}}
        instance.next_timer_due = None
        instance.updated_at = uow.now()
        _write_events(uow, [_event(instance, "instance_error", None, detail=instance.error)])

    # --- internals --------------------------------------------------------------------------

    def _load(self, instance: ProcessInstance, definition: LoadedDefinition) -> BpmnWorkflow:
        with engine_errors():
            return load_state(
                instance.state, definition.compiled, instance.current_process_id, self.script_engine
            )

    def _lock_instance(
        self, uow: UnitOfWork, instance_id: uuid.UUID, tenant_id: str | None
    ) -> ProcessInstance:
        """Lock the instance or fail at once with `Conflict`; another tenant's id is `NotFound`."""
        query = select(ProcessInstance).where(ProcessInstance.id == instance_id)
        if uow.dialect == "postgresql":
            query = query.with_for_update(nowait=True)
        try:
            instance = uow.session.scalar(query)
        except OperationalError as exc:
            if is_lock_error(exc):
                raise Conflict("the procedure is being changed by someone else; try again") from exc
            raise
        if instance is None or (tenant_id is not None and instance.tenant_id != tenant_id):
            raise NotFound("procedure not found")
        return instance

    def _try_lock_instance(self, uow: UnitOfWork, instance_id: uuid.UUID) -> ProcessInstance | None:
        """Lock the instance unless another transaction holds it (then None): for scheduler sweeps."""
        query = select(ProcessInstance).where(ProcessInstance.id == instance_id)
        if uow.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return uow.session.scalar(query)

    def _lock_task(self, uow: UnitOfWork, tenant_id: str, task_id: uuid.UUID) -> tuple[Task, ProcessInstance]:
        query = (
            select(Task, ProcessInstance)
            .join(ProcessInstance, Task.instance_id == ProcessInstance.id)
            .where(Task.id == task_id)
        )
        if uow.dialect == "postgresql":
            query = query.with_for_update(nowait=True)
        try:
            row = uow.session.execute(query).first()
        except OperationalError as exc:
            if is_lock_error(exc):
                raise TaskAlreadyCompleted("the task is being completed by someone else") from exc
            raise
        if row is None or row[0].tenant_id != tenant_id:
            raise NotFound("task not found")
        task, instance = row[0], row[1]
        if task.status == TaskStatus.COMPLETED:
            raise TaskAlreadyCompleted("the task has already been completed", completed_by=task.completed_by)
        if task.status != TaskStatus.OPEN:
            raise TaskNotOpen(f"the task is {task.status}")
        _require_running(instance)
        return task, instance

    def _close_open_tasks(
        self, uow: UnitOfWork, instance: ProcessInstance, keep: set[uuid.UUID]
    ) -> list[Task]:
        now = uow.now()
        closed = []
        for task in uow.session.scalars(
            select(Task).where(Task.instance_id == instance.id, Task.status == TaskStatus.OPEN)
        ):
            if task.id in keep:
                continue
            task.status = task_transition(task.status, TaskStatus.CANCELLED)
            task.cancelled_at = now
            closed.append(task)
        return closed

    def _persist(
        self,
        uow: UnitOfWork,
        instance: ProcessInstance,
        definition: LoadedDefinition,
        progress: Advance,
        settings: StepSettings,
        actor: str | None,
        events: list[dict[str, Any]],
        *,
        completed: Task | None = None,
        submitted: dict[str, Any] | None = None,
    ) -> StepOutcome:
        workflow = progress.workflow
        now = uow.now()
        ready = {uuid.UUID(str(t.id)): t for t in ready_user_tasks(workflow)}
        open_rows = {
            t.id: t
            for t in uow.session.scalars(
                select(Task).where(Task.instance_id == instance.id, Task.status == TaskStatus.OPEN)
            )
            if completed is None or t.id != completed.id
        }
        cancelled = []
        for task_id, row in open_rows.items():
            if task_id not in ready:
                row.status = task_transition(row.status, TaskStatus.CANCELLED)
                row.cancelled_at = now
                cancelled.append(row)
        opened = []
        with using_settings(settings):
            for task_id, spiff_task in ready.items():
                if task_id not in open_rows:
                    row = build_task_row(spiff_task, instance, settings, now)
                    uow.session.add(row)
                    opened.append(row)
        state = dump_state(workflow)
        if len(state) > self.max_state_bytes:
            raise ProcessError(
                f"the live state would be {len(state):,} bytes (limit {self.max_state_bytes:,}); "
                "keep lists out of the process data or continue as new (docs/modelling.md)"
            )
        instance.state = state
        instance.current_steps = waiting_steps(workflow)
        instance.updated_at = now
        instance.next_timer_due = next_timer_due(workflow)
        if progress.continuations:
            instance.segment += len(progress.continuations)
            instance.current_process_id = progress.process_id
        if workflow.is_completed():
            instance.status = instance_transition(instance.status, InstanceStatus.COMPLETED)
            instance.ended_at = now
            instance.next_timer_due = None
        if progress.path:
            events.append(_event(instance, "path", actor, detail={"elements": progress.path}))
        for continuation in progress.continuations:
            events.append(
                _event(
                    instance,
                    "continued",
                    actor,
                    detail={"from": continuation.from_process, "to": continuation.to_process},
                )
            )
        events.extend(_event(instance, "task_cancelled", None, task=t) for t in cancelled)
        events.extend(_event(instance, "task_opened", None, task=t) for t in opened)
        if instance.status == InstanceStatus.COMPLETED:
            events.append(_event(instance, "instance_completed", actor))
        uow.flush()
        _write_events(uow, events)
        outcome = StepOutcome(
            instance=instance,
            definition=definition,
            completed_task=completed,
            opened=opened,
            cancelled=cancelled,
            path=progress.path,
            continued_into=[c.to_process for c in progress.continuations],
            submitted=submitted or {},
        )
        for hook in self.hooks:
            hook.after_step(uow, outcome, actor)
        return outcome


def _validate(form: Form, data: dict[str, Any]) -> None:
    errors = form.validate(data)
    if errors:
        raise InvalidForm(f"{len(errors)} field(s) are not valid", errors)


def _require_running(instance: ProcessInstance) -> None:
    if instance.status != InstanceStatus.RUNNING:
        raise Conflict(f"the procedure is {instance.status}", status=instance.status)


def _waiting_message(workflow: BpmnWorkflow, name: str) -> MessageEventDefinition | None:
    for task in workflow.get_tasks(state=TaskState.WAITING | TaskState.READY):
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, MessageEventDefinition) and definition.name == name:
            return definition
    return None


def _event(
    instance: ProcessInstance,
    type_: str,
    actor: str | None,
    *,
    task: Task | None = None,
    data_keys: list[str] | None = None,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "tenant_id": instance.tenant_id,
        "instance_id": instance.id,
        "task_id": task.id if task else None,
        "process_id": task.process_id if task else instance.current_process_id,
        "element_id": task.element_id if task else None,
        "type": type_,
        "actor": actor,
        "at": active_clock().now(),
        "segment": instance.segment,
        "data_keys": data_keys,
        "detail": detail,
    }


def _write_events(uow: UnitOfWork, events: list[dict[str, Any]]) -> None:
    if events:
        uow.session.execute(insert(ProcessEvent), events)
