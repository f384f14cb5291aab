"""Status enums with guarded transitions. A transition not listed here raises `InvalidTransition`."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from .errors import InvalidTransition


class InstanceStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    # The engine could not advance (e.g. no gateway condition matched); a person must look.
    ERROR = "error"


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

_TASK_TRANSITIONS: dict[TaskStatus, set[TaskStatus]] = {
    TaskStatus.OPEN: {TaskStatus.COMPLETED, TaskStatus.CANCELLED},
    TaskStatus.COMPLETED: set(),
    TaskStatus.CANCELLED: set(),
}

S = TypeVar("S", InstanceStatus, TaskStatus)


def _guard(table: dict[S, set[S]], current: S, target: S, what: str) -> S:
    if target not in table[current]:
        raise InvalidTransition(
            f"a {what} that is {current} cannot become {target}", current=current, target=target
        )
    return target


def instance_transition(current: str, target: InstanceStatus) -> InstanceStatus:
    return _guard(_INSTANCE_TRANSITIONS, InstanceStatus(current), target, "process instance")


def task_transition(current: str, target: TaskStatus) -> TaskStatus:
    return _guard(_TASK_TRANSITIONS, TaskStatus(current), target, "task")
