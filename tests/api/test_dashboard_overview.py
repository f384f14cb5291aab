"""The manager's overview (engine.monitoring.dashboard.overview), counted in the database: running
procedures per phase with the suspended and overdue ones, open and overdue tasks, and the workload of
the people who hold tasks — for this municipality only."""

from __future__ import annotations

import uuid

from sqlalchemy import update

from engine.access import Actor
from engine.monitoring.dashboard import overview
from engine.procedures.models import Procedure
from engine.roles import Role
from engine.runtime.models import Task
from tests.api.conftest import OTHER_TENANT, TENANT, start_three, username


def _task_of(api, procedure_id: str) -> str:
    [task] = api.get(f"/api/v1/tasks?scope=all&procedure_id={procedure_id}", as_=Role.MELDPUNT).get_json()[
        "items"
    ]
    return str(task["id"])


def test_the_overview_counts_phases_tasks_and_workload(api, services, clock):
    first, second, suspended = (start_three(api)["id"] for _ in range(3))
    start_three(api, tenant=OTHER_TENANT)  # another municipality's: never counted here
    response = api.post(
        f"/api/v1/procedures/{suspended}/suspend",
        as_=Role.COORDINATOR,
        json={"reason": "Cliënt in ziekenhuis"},
    )
    assert response.status_code == 200, response.get_json()
    assert api.post(f"/api/v1/tasks/{_task_of(api, first)}/claim", as_=Role.MELDPUNT).status_code == 200
    clock.advance(days=3)  # the first step is due in two days: all three are late now
    later = start_three(api)["id"]
    assert api.post(f"/api/v1/tasks/{_task_of(api, later)}/claim", as_=Role.MELDPUNT).status_code == 200

    coordinator = username(Role.COORDINATOR, TENANT)
    with services.uow() as unit:  # who coordinates and holds work is set by the models' steps; here by hand
        ids = [uuid.UUID(str(i)) for i in (first, second, suspended)]
        unit.session.execute(update(Procedure).where(Procedure.id.in_(ids)).values(coordinator=coordinator))
        unit.session.execute(update(Task).where(Task.instance_id == ids[1]).values(assignee=coordinator))
        unit.commit()

    manager = Actor(username(Role.MANAGER, TENANT), TENANT, frozenset({Role.MANAGER}))
    found = overview(services.uow(readonly=True), manager)

    assert [(p.phase, p.open, p.suspended, p.overdue) for p in found.phases] == [("melding", 3, 1, 3)]
    assert (found.open_tasks, found.overdue_tasks) == (4, 3)
    # Three procedures coordinated (the suspended one too) and one late task assigned; the meldpunt's
    # two claimed tasks count in the totals, but the workload lists coordinators.
    loads = {c.username: (c.procedures, c.open_tasks, c.overdue_tasks) for c in found.coordinators}
    assert loads == {coordinator: (3, 1, 1)}
