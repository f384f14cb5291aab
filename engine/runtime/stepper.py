"""Driving a SpiffWorkflow workflow one command forward, and reading what it now waits for.

Here live the library's sharp edges: engine steps that silently stop advancing (we loop until no
automatic task is READY, and fail loudly if that never happens), errors wrapped in library exception
types (mapped to `ProcessError` with the element named), and *continue as new* — when the process
ends at an end event with ``continueAs``, a fresh workflow of the named process takes over with the
process data, so years of periodic evaluations never grow the live state.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState

from ..bpmn.isotime import parse_datetime
from ..bpmn.state import CompiledDefinition, new_workflow
from ..bpmn.tree import unexpected_end
from ..errors import DomainError, ProcessError

if TYPE_CHECKING:
    from ..definitions.cache import LoadedDefinition

# Rounds of engine steps before we call the process stuck. One round normally suffices; the
# library's recursion limit can leave READY automatic tasks behind after very long chains.
MAX_ADVANCE_ROUNDS = 50
# A model that continues as new without ever waiting would loop forever within one command.
MAX_CONTINUATIONS_PER_COMMAND = 5


@dataclass
class Continuation:
    from_process: str
    to_process: str


@dataclass
class Advance:
    """What one command did to the workflow."""

    workflow: BpmnWorkflow
    process_id: str
    path: list[str] = field(default_factory=list)
    continuations: list[Continuation] = field(default_factory=list)
    # The newer version a continuation started its next period on (engine.runtime.versions).
    switched_to: LoadedDefinition | None = None


# Given the process a period continues into: the newer version to start it on, or None.
NewerVersion = Callable[[str], "LoadedDefinition | None"]


def element_id(task: SpiffTask) -> str | None:
    return getattr(task.task_spec, "bpmn_id", None)


@contextmanager
def engine_errors(element: str | None = None) -> Iterator[None]:
    """Turn the library's and the sandbox's exceptions into a `ProcessError` naming the element."""
    try:
        yield
    except DomainError:
        raise
    except SpiffWorkflowException as exc:
        task = getattr(exc, "task", None)
        where = element_id(task) if task is not None else element
        cause = _domain_cause(exc)
        message = cause.message if cause is not None else str(exc)
        notes = "; ".join(getattr(exc, "notes", []) or [])
        error = ProcessError(
            f"the process could not continue at {where or 'an element'}: {message}"
            + (f" ({notes})" if notes else ""),
            element=where,
            cause=cause.code if cause is not None else getattr(exc, "error_type", type(exc).__name__),
        )
        raise error from exc


def _domain_cause(exc: BaseException) -> DomainError | None:
    """The sandbox's own error behind the library's wrapper (it keeps the original only as context)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, DomainError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def ready_user_tasks(workflow: BpmnWorkflow) -> list[SpiffTask]:
    return list(workflow.get_tasks(state=TaskState.READY, manual=True))


def advance(
    workflow: BpmnWorkflow,
    process_id: str,
    definition: CompiledDefinition,
    engine: PythonScriptEngine,
    *,
    refresh_timers: bool = False,
    before: Callable[[BpmnWorkflow], None] | None = None,
    newer: NewerVersion | None = None,
) -> Advance:
    """Run automatic work until the process waits (for a person, a timer, a message) or ends."""
    result = Advance(workflow, process_id)

    def record(task: SpiffTask) -> None:
        bpmn_id = element_id(task)
        if bpmn_id and not task.task_spec.manual:
            result.path.append(bpmn_id)

    with engine_errors():
        if before is not None:
            before(workflow)
        if refresh_timers:
            workflow.refresh_timers()
        _run_until_waiting(workflow, record)
        # A completion the model did not make is refused by the runtime (`tree.unexpected_end`),
        # never continued as new.
        while workflow.is_completed() and unexpected_end(workflow) is None:
            target = _continue_as(workflow)
            if target is None:
                break
            if len(result.continuations) >= MAX_CONTINUATIONS_PER_COMMAND:
                raise ProcessError(
                    f"the process continued as new {MAX_CONTINUATIONS_PER_COMMAND} times without waiting; "
                    "a continueAs loop needs a timer or a user task",
                    element=target,
                )
            carried = {k: v for k, v in workflow.data.items() if k != "data_objects"}
            result.continuations.append(Continuation(result.process_id, target))
            switched = newer(target) if newer is not None else None
            if switched is not None:
                definition, result.switched_to = switched.compiled, switched
            workflow = new_workflow(definition, target, engine)
            workflow.task_tree.data.update(carried)
            result.workflow, result.process_id = workflow, target
            _run_until_waiting(workflow, record)
    return result


def _run_until_waiting(workflow: BpmnWorkflow, record: Callable[[SpiffTask], None]) -> None:
    for _ in range(MAX_ADVANCE_ROUNDS):
        workflow.do_engine_steps(did_complete_task=record)
        if not any(True for _ in workflow.get_tasks(state=TaskState.READY, manual=False)):
            return
    raise ProcessError("the process stopped advancing (engine stall); report this model to its designer")


def _continue_as(workflow: BpmnWorkflow) -> str | None:
    for task in workflow.get_tasks(state=TaskState.COMPLETED):
        if task.workflow is not workflow:
            continue
        properties = (getattr(task.task_spec, "extensions", None) or {}).get("properties") or {}
        target = properties.get("continueAs")
        if target and type(task.task_spec).__name__ == "EndEvent":
            return str(target)
    return None


@dataclass
class Snapshot:
    """Where a workflow stands, read in one pass over its tasks."""

    ready: dict[uuid.UUID, SpiffTask]
    steps: list[str]
    next_timer_due: datetime | None


def snapshot(workflow: BpmnWorkflow) -> Snapshot:
    ready: dict[uuid.UUID, SpiffTask] = {}
    steps: set[str] = set()
    due: list[datetime] = []
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED):
        bpmn_id = element_id(task)
        if task.task_spec.manual:
            if task.state == TaskState.READY:
                ready[task.id] = task
            if bpmn_id:
                steps.add(bpmn_id)
        elif task.state == TaskState.WAITING:
            if bpmn_id:
                steps.add(bpmn_id)
            moment = _timer_due(task)
            if moment is not None:
                due.append(moment)
    return Snapshot(ready=ready, steps=sorted(steps), next_timer_due=min(due) if due else None)


def _timer_due(task: SpiffTask) -> datetime | None:
    """The due time of a waiting timer event (what the scheduler's indexed sweep looks for)."""
    if not isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition):
        return None
    value: Any = task._get_internal_data("event_value")
    if isinstance(value, dict):
        if value.get("cycles") == 0:
            return None
        value = value.get("next")
    if not isinstance(value, str):
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class ShiftedTimer:
    element_id: str
    due_before: datetime
    due_after: datetime


def shift_waiting_timers(
    workflow: BpmnWorkflow, stood_still_from: datetime, now: datetime
) -> list[ShiftedTimer]:
    """Move each waiting duration and cycle timer by the time it stood still: from the suspension's
    start (`stood_still_from`), or from when the timer began if that was later (a task completed
    during the suspension led to it), until `now`. A timer on a calendar date (timeDate) keeps its
    date: that moment does not depend on the procedure's clock. Timers that have not started
    counting yet are computed later, as usual."""
    shifted = []
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if not isinstance(definition, DurationTimerEventDefinition | CycleTimerEventDefinition):
            continue
        due = _timer_due(task)
        if due is None:
            continue
        value: Any = task._get_internal_data("event_value")
        delta = now - max(stood_still_from, _timer_began(task, value))
        if delta <= timedelta(0):
            continue
        moved = due + delta
        if isinstance(value, dict):
            task._set_internal_data(event_value={**value, "next": moved.isoformat()})
        else:
            task._set_internal_data(event_value=moved.isoformat())
        shifted.append(ShiftedTimer(element_id(task) or task.task_spec.name, due, moved))
    return shifted


def _timer_began(task: SpiffTask, value: Any) -> datetime:
    """When a waiting timer began counting: a cycle's current round began one period before its next
    moment; any other timer when its task started waiting (SpiffWorkflow stamps each state change,
    by the engine's clock: engine.bpmn.spiff_clock)."""
    if isinstance(value, dict) and isinstance(value.get("duration"), int | float) and value.get("next"):
        return parse_datetime(value["next"]) - timedelta(seconds=value["duration"])
    return datetime.fromtimestamp(task.last_state_change, UTC)
