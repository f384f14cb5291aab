"""What a runtime command hands back, and how domain layers hook into every step."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..definitions.cache import LoadedDefinition
from ..forms import Form
from ..status import InstanceStatus
from ..uow import UnitOfWork
from .models import ProcessInstance, Task


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
    # The completed task's process data after it ran (what it inherited plus what was submitted).
    task_data: dict[str, Any] = field(default_factory=dict)
    # True for the step that started the instance.
    started: bool = False

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


@dataclass(frozen=True)
class Notice:
    """A notification the runtime wants written (e.g. the managers told of an instance in error).
    The runtime owns no notifications: a `NoticeWriter` given to it writes them."""

    tenant_id: str
    kind: str
    title: str
    body: str
    roles: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    instance_id: uuid.UUID | None = None


NoticeWriter = Callable[[UnitOfWork, Notice], None]
"""Writes a notice inside the given unit of work (engine.scheduler.notify.write_notice)."""
