"""Turning a READY SpiffWorkflow user task into a `Task` row: role, assignee, party, due date."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from SpiffWorkflow.task import Task as SpiffTask

from ..bpmn.dynamic_groups import group_expression, role_for_groups
from ..bpmn.isotime import add_duration, is_duration, parse_datetime
from ..roles import Role, mapped_role, task_role
from ..status import TaskStatus
from ..tenancy import tenant_settings
from ..uow import UnitOfWork
from .models import ABOUT_PARTY, ProcessInstance, Task
from .stepper import engine_errors
from .writer import new_row

_VARIABLE = re.compile(r"^\$\{\s*([A-Za-z][A-Za-z0-9_.]*)\s*\}$")


class StepSettings(Mapping[str, Any]):
    """The process settings a step sees: the version's settings.yaml under the tenant's overrides.
    The tenant row is read only if a step actually asks for a setting."""

    def __init__(self, uow: UnitOfWork, tenant_id: str, defaults: Mapping[str, Any]) -> None:
        self._uow = uow
        self._tenant_id = tenant_id
        self._defaults = defaults
        self._merged: dict[str, Any] | None = None

    def _values(self) -> dict[str, Any]:
        if self._merged is None:
            self._merged = {**self._defaults, **tenant_settings(self._uow, self._tenant_id)}
        return self._merged

    def __getitem__(self, key: str) -> Any:
        return self._values()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values())

    def __len__(self) -> int:
        return len(self._values())

    def __contains__(self, key: object) -> bool:
        return key in self._values()


def resolve_due(due: str | None, settings: Mapping[str, Any], opened_at: datetime) -> datetime | None:
    """A task's due (or follow-up) moment from `dueDate` (`followUpDate`): a duration from opening, a
    date-time, or config:<key>."""
    if not due:
        return None
    due = due.strip()
    if due.startswith("config:"):
        key = due[len("config:") :]
        value = settings.get(key)
        return resolve_due(str(value), settings, opened_at) if value else None
    if is_duration(due):
        return parse_datetime(add_duration(opened_at, due))
    try:
        return parse_datetime(due)
    except ValueError:
        return None


def _from_data(expression: str | None, data: Mapping[str, Any]) -> str | None:
    if not expression:
        return None
    match = _VARIABLE.match(expression.strip())
    if not match:
        return expression.strip()
    value: Any = data
    for part in match.group(1).split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return str(value) if value not in (None, "") else None


def _variable(name: str | None, data: Mapping[str, Any]) -> str | None:
    if not name:
        return None
    value = data.get(name)
    return str(value) if value not in (None, "") else None


def _role(spiff_task: SpiffTask, extensions: Mapping[str, Any], settings: Mapping[str, Any]) -> Role | None:
    """The task's role: from its candidate groups (computed ones evaluated now, in the sandbox, on the
    task's data) through the municipality's mapping, else its lane."""
    groups, lane = extensions.get("candidateGroups"), getattr(spiff_task.task_spec, "lane", None)
    expression = group_expression(groups)
    if expression is None:
        return task_role(groups, lane, settings)
    element = spiff_task.task_spec.bpmn_id
    with engine_errors(element):
        value = spiff_task.workflow.script_engine.evaluate(spiff_task, expression)
    return role_for_groups(
        str(groups), value, element, settings, mapped_role(lane, settings) if lane else None
    )


def build_task_row(
    spiff_task: SpiffTask,
    instance: ProcessInstance,
    settings: Mapping[str, Any],
    opened_at: datetime,
    *,
    definition_id: int | None = None,
) -> Task:
    spec = spiff_task.task_spec
    extensions: dict[str, Any] = getattr(spec, "extensions", None) or {}
    properties: dict[str, Any] = dict(extensions.get("properties") or {})
    role = _role(spiff_task, extensions, settings)
    data = spiff_task.data
    return new_row(
        Task,
        id=uuid.UUID(str(spiff_task.id)),
        tenant_id=instance.tenant_id,
        instance_id=instance.id,
        definition_id=definition_id if definition_id is not None else instance.definition_id,
        process_id=spiff_task.workflow.spec.name,
        element_id=spec.bpmn_id,
        name=spec.bpmn_name or spec.bpmn_id,
        role=role.value if role else None,
        assignee=_from_data(extensions.get("assignee"), data),
        party=_variable(properties.get("partyVariable"), data),
        subject=_variable(properties.get("subjectVariable"), data),
        form_key=extensions.get("formKey"),
        phase=properties.get("phase"),
        status=TaskStatus.OPEN,
        created_at=opened_at,
        due_at=resolve_due(extensions.get("dueDate"), settings, opened_at),
        follow_up_at=resolve_due(extensions.get("followUpDate"), settings, opened_at),
        properties=properties,
        context=_context(properties, data),
        # Set explicitly, so the new row is fully loaded: reading it after the step costs no query.
        claimed_by=None,
        claimed_at=None,
        completed_by=None,
        completed_at=None,
        cancelled_at=None,
        deadline_id=None,
    )


def _context(properties: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """Control values the inbox shows to tell tasks apart; the model names them with
    `contextVariables` and must not name personal data. The party a municipal task is about
    (`aboutPartyVariable`: the coordinator's request to one party of several) is kept under
    `ABOUT_PARTY`, so the inbox can say which party each is for without the task becoming that
    party's (`partyVariable` would: only its contacts would see and do it). The data categories the
    party rules withhold from this task (`withholdCategoriesVariable`) are kept too: its form does not
    offer them and nothing of them is recorded (engine.privacy.supply)."""
    context: dict[str, Any] = {}
    for name in str(properties.get("contextVariables") or "").split(","):
        value = data.get(name.strip())
        if name.strip() and isinstance(value, str | int | float | bool):
            context[name.strip()] = value
    about = _variable(properties.get("aboutPartyVariable"), data)
    if about:
        context[ABOUT_PARTY] = about
    withheld = properties.get("withholdCategoriesVariable")
    categories = data.get(withheld) if withheld else None
    if isinstance(categories, list) and categories:
        context["withheld_categories"] = sorted(str(c) for c in categories)
    return context
