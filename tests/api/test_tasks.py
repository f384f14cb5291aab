"""Tasks over HTTP: inbox scopes and filters, detail with form and context, claim, release, hand over,
complete (200 with what is next, 422 with field errors, 409 when completed or stale)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from engine.roles import Role
from engine.runtime.models import ProcessEvent
from tests.api.conftest import OTHER_TENANT, start_case, start_three, username


def _first_task(api, procedure_id, as_=Role.MELDPUNT):
    body = api.get(f"/api/v1/tasks?scope=all&procedure_id={procedure_id}", as_=as_).get_json()
    assert body["total"] >= 1, body
    return body["items"][0]


def test_walk_three_tasks_to_the_end(api):
    procedure = start_three(api)
    task = _first_task(api, procedure["id"])
    assert (task["element_id"], task["role"], task["can_work"], task["reference"]) == (
        "task_one",
        "meldpunt",
        True,
        procedure["reference"],
    )
    done = api.post(
        f"/api/v1/tasks/{task['id']}/complete", as_=Role.MELDPUNT, json={"data": {"akkoord": True}}
    )
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert body["task"]["status"] == "completed" and body["task"]["completed_by"] == username(Role.MELDPUNT)
    assert body["instance"] == {"id": procedure["id"], "status": "running", "ended": False}
    assert body["procedure"]["reference"] == procedure["reference"]
    [following] = body["next"]
    assert (following["element_id"], following["role"], following["for_you"]) == (
        "task_two",
        "assessor",
        False,
    )
    for element in ("task_two", "task_three"):
        task = _first_task(api, procedure["id"], as_=Role.ASSESSOR)
        assert task["element_id"] == element
        done = api.post(
            f"/api/v1/tasks/{task['id']}/complete", as_=Role.ASSESSOR, json={"data": {"akkoord": True}}
        )
        assert done.status_code == 200, done.get_json()
    assert done.get_json()["instance"]["ended"] is True
    assert done.get_json()["next"] == []


def test_invalid_data_is_422_with_field_errors_in_dutch_by_default(api):
    procedure = start_three(api)
    task = _first_task(api, procedure["id"])
    response = api.post(
        f"/api/v1/tasks/{task['id']}/complete",
        as_=Role.MELDPUNT,
        json={"data": {"akkoord": "ja", "extra": 1}},
    )
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.get_json()
    assert body["code"] == "invalid_form"
    assert body["title"] == "Het formulier is niet goed ingevuld"
    errors = {(e["field"], e["code"]): e["message"] for e in body["errors"]}
    assert errors[("extra", "unknown_field")] == "Dit veld hoort niet bij het formulier."
    assert ("akkoord", "type") in errors


def test_english_is_one_switch_away(api):
    procedure = start_three(api)
    task = _first_task(api, procedure["id"])
    for kwargs in (
        {"headers": {"Accept-Language": "en-GB,en;q=0.9"}},
        {"query_string": {"lang": "en"}},
    ):
        response = api.post(
            f"/api/v1/tasks/{task['id']}/complete", as_=Role.MELDPUNT, json={"data": {}}, **kwargs
        )
        assert response.status_code == 422
        assert response.get_json()["title"] == "The form is not filled in correctly"
        assert response.headers["Content-Language"] == "en"
    api.client.set_cookie("lang", "en")
    response = api.post(f"/api/v1/tasks/{task['id']}/complete", as_=Role.MELDPUNT, json={"data": {}})
    assert response.get_json()["errors"][0]["message"] == "This field is required."


def test_completing_twice_is_409_and_nothing_changes(api, world):
    procedure = start_three(api)
    task = _first_task(api, procedure["id"])
    url = f"/api/v1/tasks/{task['id']}/complete"
    assert api.post(url, as_=Role.MELDPUNT, json={"data": {"akkoord": True}}).status_code == 200
    again = api.post(url, as_=Role.MELDPUNT, json={"data": {"akkoord": False}})
    assert again.status_code == 409
    assert again.get_json()["code"] == "task_already_completed"
    assert [t.element_id for t in world.open_tasks(procedure["id"])] == ["task_two"]


def test_a_task_of_a_cancelled_procedure_is_409_not_open(api):
    procedure = start_three(api)
    task = _first_task(api, procedure["id"])
    cancelled = api.post(
        f"/api/v1/procedures/{procedure['id']}/cancel",
        as_=Role.COORDINATOR,
        json={"reason": "dubbele melding"},
    )
    assert cancelled.status_code == 200, cancelled.get_json()
    response = api.post(
        f"/api/v1/tasks/{task['id']}/complete", as_=Role.MELDPUNT, json={"data": {"akkoord": True}}
    )
    assert response.status_code == 409
    assert response.get_json()["code"] == "task_not_open"


def test_inbox_scopes(api, world):
    start_three(api)
    start_three(api)
    available = api.get("/api/v1/tasks?scope=available", as_=Role.MELDPUNT).get_json()
    assert available["total"] == 2
    assert api.get("/api/v1/tasks", as_=Role.MELDPUNT).get_json()["total"] == 0  # mine: nothing claimed
    assert api.get("/api/v1/tasks?scope=available", as_=Role.ASSESSOR).get_json()["total"] == 0
    first = available["items"][0]["id"]
    claimed = api.post(f"/api/v1/tasks/{first}/claim", as_=Role.MELDPUNT)
    assert claimed.status_code == 200 and claimed.get_json()["mine"] is True
    mine = api.get("/api/v1/tasks?scope=mine", as_=Role.MELDPUNT).get_json()
    assert [t["id"] for t in mine["items"]] == [first]
    assert api.get("/api/v1/tasks?scope=available", as_=Role.MELDPUNT).get_json()["total"] == 1
    assert api.get("/api/v1/tasks?scope=all", as_=Role.MELDPUNT).get_json()["total"] == 2
    # The manager sees all work of the municipality; the other municipality sees none of it.
    assert api.get("/api/v1/tasks?scope=all", as_=Role.MANAGER).get_json()["total"] == 2
    assert api.get("/api/v1/tasks?scope=all", as_=Role.MANAGER, tenant=OTHER_TENANT).get_json()["total"] == 0


def test_inbox_filters_sort_by_due_and_pages(api, clock):
    first = start_three(api)
    clock.advance(days=1)
    second = start_three(api)
    clock.advance(days=1, hours=1)  # tasks are due two days after they open: only the first is overdue
    body = api.get("/api/v1/tasks?scope=all&sort=due", as_=Role.MELDPUNT).get_json()
    assert [t["procedure_id"] for t in body["items"]] == [first["id"], second["id"]]
    assert [t["overdue"] for t in body["items"]] == [True, False]
    body = api.get("/api/v1/tasks?scope=all&sort=-due", as_=Role.MELDPUNT).get_json()
    assert [t["procedure_id"] for t in body["items"]] == [second["id"], first["id"]]
    overdue = api.get("/api/v1/tasks?scope=all&overdue=true", as_=Role.MELDPUNT).get_json()
    assert [t["procedure_id"] for t in overdue["items"]] == [first["id"]]
    page = api.get("/api/v1/tasks?scope=all&page=2&page_size=1", as_=Role.MELDPUNT).get_json()
    assert (page["total"], page["page"], len(page["items"])) == (2, 2, 1)
    assert page["items"][0]["procedure_id"] == second["id"]
    assert api.get("/api/v1/tasks?scope=all&phase=melding", as_=Role.MELDPUNT).get_json()["total"] == 2
    assert api.get("/api/v1/tasks?scope=all&phase=other", as_=Role.MELDPUNT).get_json()["total"] == 0
    assert api.get("/api/v1/tasks?scope=nonsense", as_=Role.MELDPUNT).status_code == 422
    assert api.get("/api/v1/tasks?page_size=1000", as_=Role.MELDPUNT).status_code == 422


def test_detail_has_form_ui_hints_procedure_and_case_context(api):
    procedure = start_case(api)
    task = _first_task(api, procedure["id"])
    response = api.get(f"/api/v1/tasks/{task['id']}", as_=Role.MELDPUNT)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["task"]["element_id"] == "intake"
    assert body["form"]["key"] == "intake"
    assert body["form"]["schema"]["required"] == ["clientondersteuning"]
    assert body["form"]["ui"]["clientondersteuning"] == {"widget": "radio"}
    assert body["form"]["ui"][""]["order"][0] == "clientondersteuning"
    assert body["procedure"]["reference"] == procedure["reference"]
    assert body["allowed_actions"] == ["complete", "claim"]
    client = next(s for s in body["context"]["subjects"] if s["kind"] == "client")
    assert {f["field"] for f in client["facts"]} >= {"bsn"}


def test_only_the_claimant_completes_a_claimed_task(api, world):
    from tests.api.conftest import add_account

    colleague = "meldpunt2.utrecht"
    add_account(world.uow, colleague, "utrecht", [Role.MELDPUNT])
    procedure = start_three(api)
    task = _first_task(api, procedure["id"])
    assert api.post(f"/api/v1/tasks/{task['id']}/claim", as_=Role.MELDPUNT).status_code == 200
    other_claim = api.post(f"/api/v1/tasks/{task['id']}/claim", as_=colleague)
    assert other_claim.status_code == 409 and other_claim.get_json()["code"] == "task_already_claimed"
    refused = api.post(
        f"/api/v1/tasks/{task['id']}/complete", as_=colleague, json={"data": {"akkoord": True}}
    )
    assert refused.status_code == 403
    assert refused.get_json()["code"] == "task_claimed_by_other"
    assert refused.get_json()["details"]["owner"] == username(Role.MELDPUNT)
    ok = api.post(f"/api/v1/tasks/{task['id']}/complete", as_=Role.MELDPUNT, json={"data": {"akkoord": True}})
    assert ok.status_code == 200


def test_release_and_assign_are_recorded_with_their_reasons(api, world):
    from tests.api.conftest import add_account

    colleague = "meldpunt2.utrecht"
    add_account(world.uow, colleague, "utrecht", [Role.MELDPUNT])
    procedure = start_three(api)
    task = _first_task(api, procedure["id"])
    url = f"/api/v1/tasks/{task['id']}"
    assert api.post(url + "/claim", as_=Role.MELDPUNT).status_code == 200
    released = api.post(url + "/release", as_=Role.MELDPUNT, json={"reason": "met verlof"})
    assert released.status_code == 200 and released.get_json()["claimed_by"] is None
    assert api.post(url + "/release", as_=Role.MELDPUNT, json={}).status_code == 409
    no_reason = api.post(url + "/assign", as_=Role.MANAGER, json={"username": colleague, "reason": " "})
    assert no_reason.status_code == 422
    wrong_role = api.post(
        url + "/assign", as_=Role.MANAGER, json={"username": username(Role.ASSESSOR), "reason": "x"}
    )
    assert wrong_role.status_code == 422 and wrong_role.get_json()["errors"][0]["field"] == "username"
    unknown = api.post(url + "/assign", as_=Role.MANAGER, json={"username": "nobody", "reason": "x"})
    assert unknown.status_code == 404
    other_tenant_user = username(Role.MELDPUNT, OTHER_TENANT)
    assert (
        api.post(
            url + "/assign", as_=Role.MANAGER, json={"username": other_tenant_user, "reason": "x"}
        ).status_code
        == 404
    )
    assigned = api.post(
        url + "/assign", as_=Role.MANAGER, json={"username": colleague, "reason": "werkverdeling"}
    )
    assert assigned.status_code == 200, assigned.get_json()
    assert assigned.get_json()["claimed_by"] == colleague
    assert api.post(url + "/complete", as_=Role.MELDPUNT, json={"data": {"akkoord": True}}).status_code == 403
    assert api.post(url + "/complete", as_=colleague, json={"data": {"akkoord": True}}).status_code == 200
    with world.uow(readonly=True) as unit:
        events = [
            (e.type, e.actor, e.detail)
            for e in unit.session.scalars(
                select(ProcessEvent)
                .where(ProcessEvent.task_id == uuid.UUID(task["id"]))
                .order_by(ProcessEvent.id)
            )
            if e.type in {"task_claimed", "task_released", "task_assigned"}
        ]
    assert events == [
        ("task_claimed", username(Role.MELDPUNT), None),
        ("task_released", username(Role.MELDPUNT), {"from": username(Role.MELDPUNT), "reason": "met verlof"}),
        ("task_assigned", username(Role.MANAGER), {"from": None, "to": colleague, "reason": "werkverdeling"}),
    ]


def test_party_tasks_are_only_for_that_partys_contacts(api, world):
    from tests.api.conftest import add_account

    add_account(world.uow, "ggz.utrecht", "utrecht", [Role.PARTY_CONTACT], party="ggz_instelling")
    procedure = start_case(api)  # partij: wijkteam
    intake = _first_task(api, procedure["id"])
    api.post(
        f"/api/v1/tasks/{intake['id']}/complete",
        as_=Role.MELDPUNT,
        json={"data": {"clientondersteuning": "ja", "partijen": ["wijkteam"], "domeinen": ["wonen"]}},
    )
    wijkteam = api.get("/api/v1/tasks?scope=available", as_=Role.PARTY_CONTACT).get_json()
    assert [t["element_id"] for t in wijkteam["items"]] == ["party_answer"]
    assert wijkteam["items"][0]["party"] == "wijkteam"
    task_id = wijkteam["items"][0]["id"]
    assert api.get("/api/v1/tasks?scope=all", as_="ggz.utrecht").get_json()["total"] == 0
    # Another party's task does not exist for it (a 403 would tell it that party takes part).
    assert api.get(f"/api/v1/tasks/{task_id}", as_="ggz.utrecht").status_code == 404
    refused = api.post(f"/api/v1/tasks/{task_id}/complete", as_="ggz.utrecht", json={"data": {}})
    assert refused.status_code == 404
    detail = api.get(f"/api/v1/tasks/{task_id}", as_=Role.PARTY_CONTACT).get_json()
    # The party sees the client's general identification, not the health data of the melding.
    categories = {f["category"] for s in detail["context"]["subjects"] for f in s["facts"]}
    assert "health" not in categories
    done = api.post(
        f"/api/v1/tasks/{task_id}/complete",
        as_=Role.PARTY_CONTACT,
        json={"data": {"woonsituatie": "huurwoning"}},
    )
    assert done.status_code == 200


def test_due_dates_move_with_the_clock(api, clock):
    procedure = start_three(api)
    task = _first_task(api, procedure["id"])
    assert task["due_at"].startswith((clock.now() + timedelta(days=2)).date().isoformat())


def test_a_task_that_no_form_completes_says_so(api, world):
    from engine.runtime.models import Task

    procedure = start_three(api)
    [user_task] = world.open_tasks(procedure["id"])
    with world.uow() as unit:
        columns = {c.name: getattr(user_task, c.name) for c in Task.__table__.columns if c.name != "id"}
        escalation = Task(
            id=uuid.uuid4(),
            **{
                **columns,
                "kind": "escalation",
                "role": "manager",
                "element_id": "escalation",
                "form_key": None,
            },
        )
        unit.session.add(escalation)
        unit.commit()
    listed = api.get("/api/v1/tasks?scope=available", as_=Role.MANAGER).get_json()["items"]
    assert [t["kind"] for t in listed] == ["escalation"]
    response = api.post(f"/api/v1/tasks/{escalation.id}/complete", as_=Role.MANAGER, json={"data": {}})
    assert response.status_code == 422
    assert response.get_json()["code"] == "task_not_completable"
