"""The process runtime's commands: start, complete a task, send a message, fire timers, cancel.

Each command runs inside a unit of work the caller owns and does not commit: a domain service wraps
one or more runtime calls and its own writes in one transaction. Every command locks its instance
first — ``SELECT … FOR UPDATE NOWAIT`` on PostgreSQL, the write lock taken at ``BEGIN IMMEDIATE`` on
SQLite — and the instance row's version counter catches anything that slips past, so two concurrent
commands on one instance never both succeed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from ..bpmn import spiff_clock
from ..bpmn.sandbox import create_script_engine
from ..bpmn.script_helpers import using_settings
from ..bpmn.state import dump_state, load_state, new_workflow
from ..bpmn.tree import unexpected_end, waiting_message
from ..definitions.cache import LoadedDefinition, definition_cache
from ..definitions.service import get_version
from ..errors import (
    Conflict,
    InvalidInput,
    ProcessError,
)
from ..forms import require_data
from ..status import InstanceStatus, TaskStatus, instance_transition
from ..uow import UnitOfWork
from . import failure, journal
from .locks import lock_instance, lock_task, require_running, try_lock_instance
from .models import ProcessInstance, Task
from .outcome import Authorize, Notice, NoticeWriter, RuntimeHooks, StepOutcome
from .persist import Step, insert_opened, persist_step, ready_ids, workflows
from .stepper import Advance, ShiftedTimer, advance, engine_errors, shift_waiting_timers, snapshot
from .task_rows import StepSettings
from .versions import newest_for_continuation
from .workflow_cache import Cached
from .writer import update_object

DEFAULT_MAX_STATE_BYTES = 256 * 1024


class Runtime:
    def __init__(
        self,
        *,
        script_budget_ms: int = 250,
        max_state_bytes: int = DEFAULT_MAX_STATE_BYTES,
        hooks: Sequence[RuntimeHooks] = (),
        write_notice: NoticeWriter | None = None,
    ) -> None:
        spiff_clock.install()
        self.script_engine = create_script_engine(script_budget_ms)
        self.max_state_bytes = max_state_bytes
        self.hooks = list(hooks)
        # Writes the notifications the runtime wants sent (engine.services gives the scheduler's);
        # a bare runtime (engine tests) tells nobody.
        self.write_notice = write_notice

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
            form.require_valid(data)
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
        categories = form.categories(data) if form is not None else None
        if prepare is not None:
            data = prepare(instance, definition)
        for hook in self.hooks:
            data = hook.prepare_submission(uow, instance, None, form, data, actor, {})
        settings = StepSettings(uow, tenant_id, definition.settings)
        workflow = new_workflow(definition.compiled, definition.process_id, self.script_engine)
        workflow.task_tree.data.update(data)
        with using_settings(settings, definition.parties):
            progress = advance(workflow, definition.process_id, definition.compiled, self.script_engine)
        events = [
            journal.entry(
                instance,
                "instance_started",
                actor,
                data_keys=sorted(data),
                detail={"version": definition.version},
                categories=categories,
            )
        ]
        return self._finish(
            uow,
            Step(
                instance, definition, progress, settings, actor, events, set(), submitted=data, started=True
            ),
        )

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
        task, instance = lock_task(uow, tenant_id, task_id)
        if authorize is not None:
            authorize(task, instance)
        definition = definition_cache(uow).get(uow, instance.definition_id)
        form = definition.form(task.form_key) if task.form_key else None
        require_data(form, data, "this task has no form; it takes no data")
        settings = StepSettings(uow, tenant_id, definition.settings)
        workflow, before = self._load(uow, instance, definition)
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

        progress = self._advance(uow, instance, definition, settings, workflow, before=run_task)
        journal.close_task(uow, task, TaskStatus.COMPLETED, by=actor)
        events = [
            journal.entry(
                instance,
                "task_completed",
                actor,
                task=task,
                data_keys=sorted(data),
                categories=form.categories(data) if form is not None else None,
            ),
        ]
        step = Step(
            instance, definition, progress, settings, actor, events, before, task, data, dict(spiff_task.data)
        )
        return self._finish(uow, step)

    def send_message(
        self,
        uow: UnitOfWork,
        tenant_id: str,
        instance_id: uuid.UUID,
        name: str,
        payload: dict[str, Any],
        actor: str | None,
    ) -> StepOutcome:
        instance = lock_instance(uow, instance_id, tenant_id)
        require_running(instance)
        definition = definition_cache(uow).get(uow, instance.definition_id)
        settings = StepSettings(uow, instance.tenant_id, definition.settings)
        workflow, before = self._load(uow, instance, definition)
        catcher = waiting_message(workflow, name)
        if catcher is None:
            raise InvalidInput(f"the procedure is not waiting for message {name!r}", message_name=name)
        event_definition = catcher.task_spec.event_definition
        # Like a user task's data: checked against the catching event's form, or none is taken.
        form_key = (getattr(catcher.task_spec, "extensions", None) or {}).get("formKey")
        require_data(
            definition.form(form_key) if form_key else None, payload, f"message {name!r} takes no data"
        )

        def deliver(wf: BpmnWorkflow) -> None:
            wf.send_event(BpmnEvent(event_definition, payload))

        progress = self._advance(uow, instance, definition, settings, workflow, before=deliver)
        events = [
            journal.entry(
                instance, "message_received", actor, data_keys=sorted(payload), detail={"message": name}
            )
        ]
        return self._finish(
            uow, Step(instance, definition, progress, settings, actor, events, before, submitted=payload)
        )

    def fire_timers(
        self,
        uow: UnitOfWork,
        instance_id: uuid.UUID,
        *,
        skip_locked: bool = False,
        locked: ProcessInstance | None = None,
    ) -> StepOutcome | None:
        """Fire whatever timers of the instance are due (by the unit of work's clock).

        Returns None when there was nothing to do: the instance ended meanwhile, or (with
        `skip_locked`) another scheduler holds it right now. A sweep that already claimed (locked)
        the instance in this unit of work passes it as `locked`.
        """
        if locked is not None:
            instance = locked
        elif skip_locked:
            found = try_lock_instance(uow, instance_id)
            if found is None:
                return None
            instance = found
        else:
            instance = lock_instance(uow, instance_id, None)
        if instance.status != InstanceStatus.RUNNING:
            instance.next_timer_due = None
            return None
        definition = definition_cache(uow).get(uow, instance.definition_id)
        settings = StepSettings(uow, instance.tenant_id, definition.settings)
        workflow, before = self._load(uow, instance, definition)
        progress = self._advance(uow, instance, definition, settings, workflow, refresh_timers=True)
        events = [journal.entry(instance, "timers_fired", None)] if progress.path else []
        return self._finish(uow, Step(instance, definition, progress, settings, None, events, before))

    def cancel(
        self, uow: UnitOfWork, tenant_id: str, instance_id: uuid.UUID, reason: str, actor: str | None
    ) -> StepOutcome:
        instance = lock_instance(uow, instance_id, tenant_id)
        instance.status = instance_transition(instance.status, InstanceStatus.CANCELLED)
        now = uow.now()
        instance.ended_at = now
        instance.updated_at = now
        instance.next_timer_due = None
        instance.current_steps = []
        definition = definition_cache(uow).get(uow, instance.definition_id)
        cancelled = self._close_open_tasks(uow, instance, keep=set())
        events = [journal.entry(instance, "task_cancelled", actor, task=t) for t in cancelled]
        events.append(journal.entry(instance, "instance_cancelled", actor, detail={"reason": reason}))
        journal.append(uow, events)
        outcome = StepOutcome(instance=instance, definition=definition, cancelled=cancelled)
        for hook in self.hooks:
            hook.after_step(uow, outcome, actor)
        return outcome

    def shift_timers(
        self, uow: UnitOfWork, instance: ProcessInstance, stood_still_from: datetime, actor: str | None
    ) -> list[ShiftedTimer]:
        """Move the waiting duration and cycle timers of a locked, running instance by the time each
        stood still since `stood_still_from` (its procedure's suspension), in the stored state and in
        `next_timer_due`."""
        delta = uow.now() - stood_still_from
        if instance.status != InstanceStatus.RUNNING or delta <= timedelta(0):
            return []
        definition = definition_cache(uow).get(uow, instance.definition_id)
        workflow, ready = self._load(uow, instance, definition)
        shifted = shift_waiting_timers(workflow, stood_still_from, uow.now())
        cache = workflows(uow)
        cached = Cached(workflow, frozenset(ready))
        if not shifted:
            cache.put(instance.id, instance.version, cached)  # unchanged: back where it was taken
            return []
        values = {"state": dump_state(workflow), "next_timer_due": snapshot(workflow).next_timer_due}
        update_object(uow, instance, {**values, "updated_at": uow.now()}, version="version")
        version = instance.version
        uow.after_commit(lambda: cache.put(instance.id, version, cached))
        # `seconds` the procedure stood still; each timer moved by the part it was counting.
        detail = {
            "seconds": delta.total_seconds(),
            "elements": [t.element_id for t in shifted],
            "moved_seconds": [(t.due_after - t.due_before).total_seconds() for t in shifted],
        }
        journal.append(uow, [journal.entry(instance, "timers_shifted", actor, detail=detail)])
        return shifted

    def mark_error(self, uow: UnitOfWork, instance_id: uuid.UUID, error: ProcessError) -> None:
        """Record that the instance cannot advance on its own, its managers told in the same unit of
        work (engine.runtime.failure)."""
        notice = failure.mark_error(uow, instance_id, error)
        if notice is not None:
            self._write_notice(uow, notice)

    # --- internals --------------------------------------------------------------------------

    def _advance(
        self,
        uow: UnitOfWork,
        instance: ProcessInstance,
        definition: LoadedDefinition,
        settings: StepSettings,
        workflow: BpmnWorkflow,
        *,
        before: Callable[[BpmnWorkflow], None] | None = None,
        refresh_timers: bool = False,
    ) -> Advance:
        """Run the instance's automatic work under its municipality's settings; a period that ends
        continues on the newest version where the bundle says so."""
        with using_settings(settings, definition.parties):
            return advance(
                workflow,
                instance.current_process_id,
                definition.compiled,
                self.script_engine,
                before=before,
                refresh_timers=refresh_timers,
                newer=newest_for_continuation(uow, instance, definition, settings),
            )

    def _write_notice(self, uow: UnitOfWork, notice: Notice) -> None:
        if self.write_notice is not None:
            self.write_notice(uow, notice)

    def task_data(
        self, uow: UnitOfWork, instance: ProcessInstance, task_ids: Sequence[uuid.UUID]
    ) -> list[dict[str, Any]]:
        """The process data open tasks see (read-only; for diagnostics and tests, never shown to users:
        personal data live in facts, see engine.procedures.view)."""
        workflow = self._restore(instance, definition_cache(uow).get(uow, instance.definition_id))
        return [dict(workflow.get_task_from_id(task_id).data) for task_id in task_ids]

    def _load(
        self, uow: UnitOfWork, instance: ProcessInstance, definition: LoadedDefinition
    ) -> tuple[BpmnWorkflow, set[uuid.UUID]]:
        """The instance's live workflow and the ids of its READY user tasks (whose rows are the open
        task rows): from the cache the last step on it left in this process, else restored."""
        cached = workflows(uow).take(instance.id, instance.version)
        if cached is not None:
            return cached.workflow, set(cached.ready)
        workflow = self._restore(instance, definition)
        return workflow, ready_ids(workflow)

    def _restore(self, instance: ProcessInstance, definition: LoadedDefinition) -> BpmnWorkflow:
        """The instance's workflow as stored (a library error in the state is a ProcessError)."""
        with engine_errors():
            return load_state(
                instance.state, definition.compiled, instance.current_process_id, self.script_engine
            )

    def _close_open_tasks(
        self, uow: UnitOfWork, instance: ProcessInstance, keep: set[uuid.UUID]
    ) -> list[Task]:
        closed = []
        for task in uow.session.scalars(
            select(Task).where(
                Task.instance_id == instance.id, Task.status == TaskStatus.OPEN, Task.kind == "user"
            )
        ):
            if task.id in keep:
                continue
            journal.close_task(uow, task, TaskStatus.CANCELLED)
            closed.append(task)
        return closed

    def _finish(self, uow: UnitOfWork, step: Step) -> StepOutcome:
        if step.progress.switched_to is not None:  # the next period runs on a newer version
            step.definition = step.progress.switched_to
            step.settings = StepSettings(uow, step.definition.tenant_id, step.definition.settings)
        if step.progress.workflow.is_completed():
            refused = unexpected_end(step.progress.workflow)
            if refused is not None:
                failure.mark_error_after_rollback(uow, step.instance.id, refused, self._write_notice)
                raise refused
        outcome = persist_step(uow, step, max_state_bytes=self.max_state_bytes)
        for hook in self.hooks:
            hook.after_step(uow, outcome, step.actor)
        insert_opened(uow, outcome)
        return outcome
