"""Status enums with guarded transitions. A transition not listed here raises `InvalidTransition`."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from .errors import InvalidTransition


class InstanceStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    # The engine could not advance (e.g. no gateway condition matched); a person must look.
    ERROR = "error"


class ProcedureStatus(StrEnum):
    OPEN = "open"
    # Opgeschort: e.g. the client is in hospital; deadlines stand still (see engine/scheduler).
    SUSPENDED = "suspended"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class TaskStatus(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


_INSTANCE_TRANSITIONS: dict[InstanceStatus, set[InstanceStatus]] = {
    InstanceStatus.RUNNING: {InstanceStatus.COMPLETED, InstanceStatus.CANCELLED, InstanceStatus.ERROR},
    InstanceStatus.ERROR: {InstanceStatus.RUNNING, InstanceStatus.CANCELLED},
    InstanceStatus.COMPLETED: set(),
    InstanceStatus.CANCELLED: set(),
}

_PROCEDURE_TRANSITIONS: dict[ProcedureStatus, set[ProcedureStatus]] = {
    ProcedureStatus.OPEN: {ProcedureStatus.SUSPENDED, ProcedureStatus.CLOSED, ProcedureStatus.CANCELLED},
    ProcedureStatus.SUSPENDED: {ProcedureStatus.OPEN, ProcedureStatus.CLOSED, ProcedureStatus.CANCELLED},
    ProcedureStatus.CLOSED: set(),
    ProcedureStatus.CANCELLED: set(),
}

_TASK_TRANSITIONS: dict[TaskStatus, set[TaskStatus]] = {
    TaskStatus.OPEN: {TaskStatus.COMPLETED, TaskStatus.CANCELLED},
    TaskStatus.COMPLETED: set(),
    TaskStatus.CANCELLED: set(),
}

S = TypeVar("S", bound=StrEnum)


def guard_transition(table: Mapping[S, set[S]], current: S, target: S, what: str) -> S:
    """`target` if `table` allows the step from `current`, else `InvalidTransition` (every status
    machine of the engine — here, in scheduler/ and privacy/ — goes through this)."""
    if target not in table[current]:
        raise InvalidTransition(
            f"the {what} is {current} and cannot become {target}", current=current, target=target
        )
    return target


def instance_transition(current: str, target: InstanceStatus) -> InstanceStatus:
    return guard_transition(_INSTANCE_TRANSITIONS, InstanceStatus(current), target, "process instance")


def task_transition(current: str, target: TaskStatus) -> TaskStatus:
    return guard_transition(_TASK_TRANSITIONS, TaskStatus(current), target, "task")


def procedure_transition(current: str, target: ProcedureStatus) -> ProcedureStatus:
    return guard_transition(_PROCEDURE_TRANSITIONS, ProcedureStatus(current), target, "procedure")
