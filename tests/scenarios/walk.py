"""A scenario driver: walk a Wams procedure through the real engine in readable steps.

    walk.start(MELDPUNT, melding())
    walk.complete("task_beoordeling_besluit", as_=ASSESSOR, beoordeling_besluit="ja", ...)
    walk.later(days=92)  # the clock moves and due timers fire

Every step goes through the same commands the API uses (`start_procedure`, `complete_task` with the
actor's authorization, `send_procedure_message`, `Runtime.fire_timers`), each in its own unit of work.
Queries return what users rely on: the open tasks with role/party/subject, the procedure row, the
indicators, the facts and what a person may see (`case_view`).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from engine.access import Actor
from engine.clock import FrozenClock
from engine.errors import FieldError, InvalidForm, NotAuthorized
from engine.procedures.models import DataSubject, Fact, Indicator, Procedure
from engine.procedures.service import send_procedure_message, start_procedure
from engine.procedures.view import CaseView, case_view
from engine.roles import Role
from engine.runtime.models import ProcessEvent, ProcessInstance, Task
from engine.services import Services
from engine.status import TaskStatus
from engine.tasks.commands import Completion, complete_task
from engine.tasks.queries import TaskDetail, task_detail
from engine.tenancy import update_tenant_settings
from engine.uow import UnitOfWork

TENANT = "utrecht"

MELDPUNT = Actor("m.meldpunt", TENANT, frozenset({Role.MELDPUNT}))
ASSESSOR = Actor("b.beoordelaar", TENANT, frozenset({Role.ASSESSOR}))
COORDINATOR = Actor("c.devries", TENANT, frozenset({Role.COORDINATOR}))
MANAGER = Actor("m.manager", TENANT, frozenset({Role.MANAGER}))


def party(code: str) -> Actor:
    """A contact person of the party `code` (parties.yaml)."""
    return Actor(f"contact.{code}", TENANT, frozenset({Role.PARTY_CONTACT}), party=code)


def doctor(code: str) -> Actor:
    """A medical professional of the party `code`."""
    return Actor(f"arts.{code}", TENANT, frozenset({Role.MEDICAL_PROFESSIONAL}), party=code)


@dataclass(frozen=True)
class OpenTask:
    """An open task as an inbox shows it."""

    element: str
    role: str | None
    party: str | None = None
    subject: str | None = None
    assignee: str | None = None


class Walk:
    def __init__(self, services: Services, uow: Callable[..., UnitOfWork], clock: FrozenClock) -> None:
        self.services = services
        self.runtime = services.runtime
        self.uow = uow
        self.clock = clock
        self.procedure_id: uuid.UUID | None = None

    def configure(self, **settings: Any) -> None:
        """The municipality overrides settings.yaml: `walk.configure(**{"termijn.maximale_duur": "P6M"})`."""
        with self.uow() as unit:
            update_tenant_settings(unit, TENANT, settings)
            unit.commit()

    # --- steps --------------------------------------------------------------------------------

    def start(self, actor: Actor, melding: dict[str, Any]) -> Procedure:
        procedure = start_procedure(self.uow(), self.runtime, actor, melding)
        self.procedure_id = procedure.id
        return procedure

    def task(
        self,
        element: str,
        *,
        party: str | None = None,
        subject: str | None = None,
        about: dict[str, Any] | None = None,
    ) -> Task:
        """The one open task of `element`: for `party`, about `subject`, or whose process data match
        `about` (e.g. the coordinator's request for one party: `about={"partij": "uwv"}`)."""
        found = [
            t
            for t in self.open_rows()
            if t.element_id == element
            and (party is None or t.party == party)
            and (subject is None or t.subject == subject)
        ]
        if about:
            found = [
                t
                for t, data in zip(found, self._data_of(*found), strict=True)
                if about.items() <= data.items()
            ]
        assert len(found) == 1, f"expected one open {element} ({party=}, {subject=}, {about=}): {self.open()}"
        return found[0]

    def complete(
        self,
        element: str,
        *,
        as_: Actor,
        party: str | None = None,
        subject: str | None = None,
        about: dict[str, Any] | None = None,
        **data: Any,
    ) -> Completion:
        """Complete the open task `element` as `as_`: the same authorization as the API (role, party,
        assignee) and the same form validation."""
        task = self.task(element, party=party, subject=subject, about=about)
        return complete_task(self.uow(), self.runtime, as_, task.id, data)

    def refused(
        self,
        element: str,
        *,
        as_: Actor,
        party: str | None = None,
        subject: str | None = None,
        about: dict[str, Any] | None = None,
        **data: Any,
    ) -> list[tuple[str, str]]:
        """Submit `data` and expect the engine to refuse it: the refused (field, code) pairs."""
        task = self.task(element, party=party, subject=subject, about=about)
        with pytest.raises(InvalidForm) as refused:
            complete_task(self.uow(), self.runtime, as_, task.id, data)
        errors: list[FieldError] = refused.value.errors
        return [(e.field, e.code) for e in errors]

    def forbidden(self, element: str, *, as_: Actor, party: str | None = None, **data: Any) -> str:
        """`as_` may not do this task (wrong role, party or owner): the refusal's message."""
        task = self.task(element, party=party)
        with pytest.raises(NotAuthorized) as refused:
            complete_task(self.uow(), self.runtime, as_, task.id, data)
        return str(refused.value)

    def send(self, actor: Actor, message: str, **payload: Any) -> None:
        send_procedure_message(self.uow(), self.runtime, actor, self.id, message, payload)

    def later(self, **delta: float) -> None:
        """Time passes (`days=…`, `hours=…`); the scheduler fires whatever timers are due."""
        self.clock.advance(timedelta(**delta))
        with self.uow() as unit:
            self.runtime.fire_timers(unit, self.id)
            unit.commit()

    def next_timer(self) -> None:
        """Time passes until just after the procedure's next timer is due, and it fires."""
        due = self.instance().next_timer_due
        assert due is not None, f"the procedure waits for no timer: {self.open()}"
        self.later(seconds=(due - self.now()).total_seconds() + 60)

    # --- what users see -----------------------------------------------------------------------

    @property
    def id(self) -> uuid.UUID:
        assert self.procedure_id is not None, "start the procedure first"
        return self.procedure_id

    def open_rows(self) -> list[Task]:
        with self.uow(readonly=True) as unit:
            return list(
                unit.session.scalars(
                    select(Task)
                    .where(Task.instance_id == self.id, Task.status == TaskStatus.OPEN, Task.kind == "user")
                    .order_by(Task.element_id, Task.party, Task.subject)
                )
            )

    def open(self) -> list[OpenTask]:
        """The open tasks: element, role, party, subject, assignee."""
        return [OpenTask(t.element_id, t.role, t.party, t.subject, t.assignee) for t in self.open_rows()]

    def tasks(self, element: str | None = None) -> list[Task]:
        """Every task row of the procedure (any status), in the order they opened."""
        with self.uow(readonly=True) as unit:
            query = select(Task).where(Task.instance_id == self.id, Task.kind == "user")
            if element:
                query = query.where(Task.element_id == element)
            return list(unit.session.scalars(query.order_by(Task.created_at, Task.element_id, Task.party)))

    def procedure(self) -> Procedure:
        with self.uow(readonly=True) as unit:
            procedure = unit.session.get(Procedure, self.id)
            assert procedure is not None
            return procedure

    def instance(self) -> ProcessInstance:
        with self.uow(readonly=True) as unit:
            instance = unit.session.get(ProcessInstance, self.id)
            assert instance is not None
            return instance

    def indicators(self) -> dict[str, list[Any]]:
        """Monitoring indicators recorded so far: key → values in the order they were recorded."""
        found: dict[str, list[Any]] = defaultdict(list)
        with self.uow(readonly=True) as unit:
            for row in unit.session.scalars(
                select(Indicator).where(Indicator.procedure_id == self.id).order_by(Indicator.id)
            ):
                found[row.key].append(row.value)
        return dict(found)

    def facts(self) -> list[Fact]:
        with self.uow(readonly=True) as unit:
            return list(
                unit.session.scalars(select(Fact).where(Fact.procedure_id == self.id).order_by(Fact.id))
            )

    def subjects(self) -> dict[str, DataSubject]:
        with self.uow(readonly=True) as unit:
            rows = unit.session.scalars(select(DataSubject).where(DataSubject.procedure_id == self.id))
            return {s.key: s for s in rows}

    def view(self, actor: Actor) -> CaseView:
        with self.uow(readonly=True) as unit:
            return case_view(unit, actor, self.id)

    def detail(self, element: str, *, as_: Actor, party: str | None = None) -> TaskDetail:
        """The open task as `as_` opens it: form, case context, legal ground."""
        task = self.task(element, party=party)
        return task_detail(self.uow(readonly=True), as_, task.id)

    def events(self, type_: str | None = None) -> list[ProcessEvent]:
        with self.uow(readonly=True) as unit:
            query = select(ProcessEvent).where(ProcessEvent.instance_id == self.id)
            if type_:
                query = query.where(ProcessEvent.type == type_)
            return list(unit.session.scalars(query.order_by(ProcessEvent.id)))

    def path(self) -> list[str]:
        """Every automatic element the process ran, in order (from the event log)."""
        return [e for event in self.events("path") for e in (event.detail or {}).get("elements", [])]

    def chain(self) -> list[str]:
        """The processes the procedure ran through (continue as new)."""
        moves = [e.detail or {} for e in self.events("continued")]
        return [moves[0]["from"], *(m["to"] for m in moves)] if moves else []

    def state(self) -> str:
        """The serialized live state (what must never contain personal data)."""
        return self.instance().state

    def task_data(self, element: str, *, party: str | None = None) -> dict[str, Any]:
        """The process data an open task sees: what the model decided for it (e.g. party rules)."""
        return self._data_of(self.task(element, party=party))[0]

    def about(self, element: str, variable: str) -> list[Any]:
        """`variable` in the process data of each open task of `element` (e.g. the party each of the
        coordinator's request tasks is for), sorted."""
        rows = [t for t in self.open_rows() if t.element_id == element]
        return sorted(data.get(variable) for data in self._data_of(*rows))

    def _data_of(self, *tasks: Task) -> list[dict[str, Any]]:
        with self.uow(readonly=True) as unit:
            instance = unit.session.get(ProcessInstance, self.id)
            assert instance is not None
            return self.runtime.task_data(unit, instance, [t.id for t in tasks])

    def now(self) -> datetime:
        return self.clock.now()

    def due_days(self, element: str, **which: Any) -> float:
        """How many days the open task `element` has (its due date from settings.yaml / the tenant)."""
        task = self.task(element, **which)
        assert task.due_at is not None, f"{element} has no due date"
        return (task.due_at - task.created_at).total_seconds() / 86400

    def assert_every_task_had_role_and_due_date(self) -> None:
        for task in self.tasks():
            assert task.role and task.due_at and task.form_key, (task.element_id, task.role, task.due_at)
