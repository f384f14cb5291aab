"""Keeping deadlines in step with the process: a `RuntimeHooks` the runtime calls after every step,
inside the step's transaction and under the instance lock the runtime holds.

- A user task that opens gets a due time — from its model (`camunda:dueDate`, else the `duePeriod`
  property), else the tenant's policy. Its deadline row is opened by the scheduler only once that time
  has passed with the task still open (`deadlines.open_overdue_task_deadlines`): most tasks are done
  in time and never need one. A task that closes closes its deadline row, if it got one.
- A task of another phase opening (the first one a step opens, as `engine.procedures` reads it)
  means the phase changed: the old phase's deadline closes, the new one opens with the tenant's
  period for that phase.
- The review deadline runs from the start; a review (continue-as-new into the next period, or a
  completed task of the review phase / with property ``review``) starts the next period.
- When the procedure ends, every deadline closes and unresolved escalations lapse (a plain process,
  which has task deadlines only, closes those of the tasks it ended with).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..bpmn.isotime import is_duration
from ..definitions.cache import LoadedDefinition
from ..forms import Form
from ..procedures.hooks import procedure_of
from ..runtime import journal
from ..runtime.models import ProcessInstance, Task
from ..runtime.outcome import StepOutcome
from ..status import ProcedureStatus
from ..tenancy import tenant_settings
from ..uow import UnitOfWork
from .deadlines import active_deadlines, active_suspension, close_deadline, close_task_deadline, open_deadline
from .models import (
    PHASE_PREFIX,
    RULE_REVIEW,
    SUBJECT_PROCEDURE,
    SUBJECT_TASK,
    Deadline,
)
from .policy import EscalationPolicy, after, build_policy, merged_settings
from .status import AdjustmentStatus, adjustment_transition

TRUE = {"true", "ja", "yes", "1"}


class DeadlineHooks:
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
        return data

    def after_step(self, uow: UnitOfWork, outcome: StepOutcome, actor: str | None) -> None:
        if not (
            outcome.ended
            or outcome.completed_task is not None
            or outcome.cancelled
            or outcome.opened
            or outcome.continued_into
            or outcome.started  # the review period begins with the procedure
        ):
            return  # e.g. a reminder timer that ran a script: no task or phase changed
        step = _Step(uow, outcome)
        if outcome.ended and not step.is_procedure:
            # A plain process has task deadlines only (review and phase deadlines are a
            # procedure's): those of the tasks it ended with, without reading the others.
            for task in (outcome.completed_task, *outcome.cancelled):
                if task is not None and task.deadline_id is not None:
                    close_task_deadline(uow, task.id, "het proces is beëindigd")
            return
        if outcome.ended:
            for deadline in step.active:
                close_deadline(uow, deadline, "de procedure is beëindigd")
            # Only a procedure can be suspended (its status may already say it ended: look it up).
            suspension = active_suspension(uow, step.instance.id) if step.is_procedure else None
            if suspension is not None:
                suspension.status = adjustment_transition(suspension.status, AdjustmentStatus.ENDED)
                suspension.ended_at = uow.now()
                suspension.ended_by = actor
                suspension.end_reason = "de procedure is beëindigd"
            return
        # A task overdue long enough to have a deadline row closes it, without reading the others.
        completed = outcome.completed_task
        if completed is not None and completed.deadline_id is not None:
            close_task_deadline(uow, completed.id, "de taak is afgerond")
        for task in outcome.cancelled:
            if task.deadline_id is not None:
                close_task_deadline(uow, task.id, "de taak is vervallen")
        if step.is_procedure:
            self._review(step)  # review and phase deadlines belong to procedures
        for task in outcome.opened:
            _task_due(uow, task, step.policy())
        phases = [task.phase for task in outcome.opened if task.phase]
        if phases and step.is_procedure and phases[0] != step.phase_before:
            self._phase(step, phases[0])

    def _review(self, step: _Step) -> None:
        completed = step.outcome.completed_task
        reviewed = bool(step.outcome.continued_into) or (
            completed is not None and _is_review(completed, step.policy())
        )
        if not (reviewed or step.outcome.started):
            return  # the running review period stays as it is
        current = next((d for d in step.active if d.rule == RULE_REVIEW), None)
        if reviewed and current is not None:
            close_deadline(step.uow, current, "er is een review gehouden")
            current = None
        if current is None:
            period = step.policy().review
            if period:
                start = step.uow.now() if reviewed else step.instance.started_at
                step.open(SUBJECT_PROCEDURE, step.instance.id, RULE_REVIEW, after(start, period), period)

    def _phase(self, step: _Step, phase: str) -> None:
        rule = PHASE_PREFIX + phase
        current = next((d for d in step.active if d.rule.startswith(PHASE_PREFIX)), None)
        if current is not None and current.rule == rule:
            return
        if current is not None:
            close_deadline(step.uow, current, f"fase {current.rule[len(PHASE_PREFIX) :]} is afgerond")
        period = step.policy().phase_period(phase)
        due_at = after(step.uow.now(), period) if period else None
        step.open(SUBJECT_PROCEDURE, step.instance.id, rule, due_at, period)


class _Step:
    """What the hook needs for one step, read only when a branch needs it: the tenant's settings
    (usually already loaded by the step), whether the procedure is suspended (its status), and its
    active deadlines — only the active ones, since a procedure running for years closes a review
    deadline every period and a step must not read that history."""

    def __init__(self, uow: UnitOfWork, outcome: StepOutcome) -> None:
        self.uow = uow
        self.outcome = outcome
        self.instance = outcome.instance
        self._procedure = procedure_of(uow, self.instance.id)
        # The phase before this step, as the procedure hooks found it (None: not a procedure).
        self.phase_before: str | None = uow.memo.get(("phase_before", self.instance.id))
        self._active: list[Deadline] | None = None
        self._policy: EscalationPolicy | None = None

    @property
    def is_procedure(self) -> bool:
        return self._procedure is not None

    @property
    def paused(self) -> bool:
        """Only a procedure can be suspended (opgeschort), and its status says so."""
        return self._procedure is not None and self._procedure.status == ProcedureStatus.SUSPENDED

    @property
    def active(self) -> list[Deadline]:
        if self._active is None:
            self._active = active_deadlines(self.uow, self.instance.id)
        return self._active

    def policy(self) -> EscalationPolicy:
        if self._policy is None:
            self._policy = _policy_for(self.uow, self.outcome.definition)
        return self._policy

    def open(
        self,
        subject_type: str,
        subject_id: uuid.UUID,
        rule: str,
        due_at: datetime | None,
        period: str | None,
    ) -> None:
        # A new task's deadline is its first; a procedure-level rule (phase, review) counts on from
        # its highest occurrence, looked up only when one opens (a phase change, a review).
        occurrence = 1 if subject_type == SUBJECT_TASK else None
        open_deadline(
            self.uow,
            self.instance,
            subject_type,
            subject_id,
            rule,
            due_at=due_at,
            period=period,
            paused=self.paused,
            occurrence=occurrence,
        )


def _policy_for(uow: UnitOfWork, definition: LoadedDefinition) -> EscalationPolicy:
    """The escalation policy of a definition version for its tenant, rebuilt only when the tenant's
    settings were reloaded (a new object from `tenant_settings`): most steps need it."""
    overrides = tenant_settings(uow, definition.tenant_id)
    cache: dict[int, tuple[Mapping[str, Any], EscalationPolicy]] = uow.database.caches.setdefault(
        "escalation_policies", {}
    )
    entry = cache.get(definition.id)
    if entry is not None and entry[0] is overrides:
        return entry[1]
    policy = build_policy(merged_settings(definition.settings, overrides))
    cache[definition.id] = (overrides, policy)
    return policy


def _task_due(uow: UnitOfWork, task: Task, policy: EscalationPolicy) -> None:
    """Fill the task's due time when its model sets none."""
    if task.due_at is not None:
        return
    period = _task_period(task, policy)
    if period:
        journal.reschedule(uow, task, after(task.created_at, period))


def _task_period(task: Task, policy: EscalationPolicy) -> str | None:
    """The period a task's due time comes from when its model gives no date: the `duePeriod`
    property, else the tenant's policy for the element."""
    modelled = str((task.properties or {}).get("duePeriod") or "").strip()
    return modelled if is_duration(modelled) else policy.task_period(task.element_id)


def _is_review(task: Task, policy: EscalationPolicy) -> bool:
    flagged = str((task.properties or {}).get("review", "")).strip().lower() in TRUE
    return flagged or (policy.review_phase is not None and task.phase == policy.review_phase)


def scheduler_hooks() -> DeadlineHooks:
    """The hooks to give the runtime (see `engine.services.build_services`)."""
    return DeadlineHooks()
