"""A scenario driver over the REST API, in a rehearsal municipality whose clock the scenario moves.

    walk.start(MELDPUNT, melding())                     # POST /api/v1/procedures
    walk.complete("task_evaluatie", as_=COORDINATOR, …) # GET /api/v1/tasks, POST /tasks/{id}/complete
    walk.advance("P3M1D")                               # POST /api/v1/clock/advance, then a scheduler tick

Each person calls with their own bearer token; nothing reaches into the engine or sets rows. The one
thing the test runs itself is the scheduler's tick, as `wams scheduler` would within a second. The
same method names as `walk.Walk`, so the phase helpers (phases.py) walk either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask.testing import FlaskClient

from engine.access import Actor
from engine.roles import Role
from engine.scheduler.runner import TickReport

OEFEN = "oefendorp"
CLOCK_KEEPER = Actor("ontwerper", OEFEN, frozenset({Role.PROCESS_DESIGNER}))
PRIVACY_OFFICER = Actor("fg", OEFEN, frozenset({Role.PRIVACY_OFFICER}))


def token_of(actor: Actor) -> str:
    return f"wams_scenario_{actor.username}"


@dataclass(frozen=True)
class ApiTask:
    """An open task as the API lists it."""

    id: str
    element_id: str
    role: str | None
    party: str | None
    subject: str | None
    assignee: str | None
    status: str
    created_at: datetime
    due_at: datetime | None


def _task(item: dict[str, Any]) -> ApiTask:
    return ApiTask(
        item["id"],
        item["element_id"],
        item.get("role"),
        item.get("party"),
        item.get("subject"),
        item.get("assignee"),
        item["status"],
        datetime.fromisoformat(item["created_at"]),
        datetime.fromisoformat(item["due_at"]) if item.get("due_at") else None,
    )


class ApiWalk:
    def __init__(self, client: FlaskClient, tick: Callable[[], TickReport], overseer: Actor) -> None:
        self.client = client
        self.tick = tick
        # Someone who sees every task of the procedure (a manager).
        self.overseer = overseer
        self.procedure_id: str | None = None

    # --- calls ----------------------------------------------------------------------------------

    def call(self, method: str, path: str, as_: Actor, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token_of(as_)}", "Accept-Language": "en"}
        return self.client.open("/api/v1" + path, method=method, headers=headers, **kwargs)

    def ok(self, method: str, path: str, as_: Actor, **kwargs: Any) -> Any:
        response = self.call(method, path, as_, **kwargs)
        assert response.status_code in (200, 201), (method, path, response.status_code, response.get_json())
        return response.get_json()

    @property
    def id(self) -> str:
        assert self.procedure_id is not None, "start the procedure first"
        return self.procedure_id

    # --- doing ----------------------------------------------------------------------------------

    def start(self, actor: Actor, melding: dict[str, Any]) -> dict[str, Any]:
        body = self.ok("POST", "/procedures", actor, json={"data": melding})
        self.procedure_id = str(body["id"])
        return dict(body)

    def task(
        self,
        element: str,
        *,
        as_: Actor | None = None,
        party: str | None = None,
        subject: str | None = None,
        about: dict[str, Any] | None = None,
    ) -> ApiTask:
        found = [
            t
            for t in self.open_rows(as_)
            if t.element_id == element
            and (party is None or t.party == party)
            and (subject is None or t.subject == subject)
        ]
        if about:
            found = [t for t in found if about.items() <= self.task_data(t, as_).items()]
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
    ) -> dict[str, Any]:
        task = self.task(element, as_=as_, party=party, subject=subject, about=about)
        return dict(self.ok("POST", f"/tasks/{task.id}/complete", as_, json={"data": data}))

    def send(self, actor: Actor, message: str, **payload: Any) -> Any:
        return self.call(
            "POST", f"/procedures/{self.id}/messages/{message}", actor, json={"payload": payload}
        )

    def advance(self, duration: str) -> TickReport:
        """Move the municipality's clock forward; the scheduler's next tick does what fell due."""
        self.ok("POST", "/clock/advance", CLOCK_KEEPER, json={"duration": duration})
        return self.tick()

    def now(self) -> datetime:
        return datetime.fromisoformat(self.ok("GET", "/clock", CLOCK_KEEPER)["now"])

    # --- what users see -------------------------------------------------------------------------

    def tasks(
        self, as_: Actor | None = None, *, status: str = "any", element: str | None = None
    ) -> list[ApiTask]:
        query = f"/tasks?scope=all&status={status}&procedure_id={self.id}&sort=created&page_size=200"
        if element:
            query += f"&element_id={element}"
        return [_task(item) for item in self.ok("GET", query, as_ or self.overseer)["items"]]

    def open_rows(self, as_: Actor | None = None) -> list[ApiTask]:
        return [t for t in self.tasks(as_, status="open") if not t.element_id.startswith("escalation")]

    def open(self) -> list[tuple[str, str | None, str | None]]:
        return sorted((t.element_id, t.role, t.party) for t in self.open_rows())

    def task_data(self, task: ApiTask, as_: Actor | None = None) -> dict[str, Any]:
        detail = self.ok("GET", f"/tasks/{task.id}", as_ or self.overseer)
        return dict((detail.get("task") or {}).get("context") or {})

    def about(self, element: str, variable: str, as_: Actor | None = None) -> list[Any]:
        rows = [t for t in self.open_rows(as_) if t.element_id == element]
        return [self.task_data(t, as_).get(variable) for t in rows]

    def procedure(self, as_: Actor | None = None) -> dict[str, Any]:
        return dict(self.ok("GET", f"/procedures/{self.id}", as_ or self.overseer))
