"""Procedures over HTTP: start with the melding, list with filters and pages, detail with open tasks,
timeline and case data, cancel with a reason, send a message."""

from __future__ import annotations

from engine.roles import Role
from tests.api.conftest import MELDING, start_case, start_three


def _complete_first(api, procedure_id, data, as_=Role.MELDPUNT):
    tasks = api.get(f"/api/v1/tasks?scope=all&procedure_id={procedure_id}", as_=as_).get_json()["items"]
    response = api.post(f"/api/v1/tasks/{tasks[0]['id']}/complete", as_=as_, json={"data": data})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_start_records_the_melding(api):
    response = api.post(
        "/api/v1/procedures", as_=Role.MELDPUNT, json={"process_id": "api_case", "data": MELDING}
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/procedures/{body['id']}"
    assert body["reference"].endswith("-00001")
    assert (body["status"], body["ingang"], body["started_by"]) == (
        "open",
        "professional",
        "meldpunt.utrecht",
    )
    assert body["phase"] == "beoordeling"


def test_an_invalid_melding_is_422_with_field_errors(api):
    response = api.post(
        "/api/v1/procedures",
        as_=Role.MELDPUNT,
        json={"process_id": "api_case", "data": {**MELDING, "client": {"naam": "X", "bsn": "123456789"}}},
    )
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.get_json()["errors"]] == [("client.bsn", "format_bsn")]
    unknown = api.post("/api/v1/procedures", as_=Role.MELDPUNT, json={"process_id": "nope", "data": {}})
    assert unknown.status_code == 404
    assert api.post("/api/v1/procedures", as_=Role.MELDPUNT, json={"data": []}).status_code == 422
    assert (
        api.post(
            "/api/v1/procedures", as_=Role.MANAGER, json={"process_id": "api_case", "data": MELDING}
        ).status_code
        == 403
    )


def test_list_filters_and_pages(api, clock):
    first = start_case(api)
    clock.advance(days=1)
    second = start_case(api, ingang="meldpunt")
    clock.advance(days=1)
    third = start_three(api)
    clock.advance(
        days=1, hours=1
    )  # intakes are due after three days, task_one after two: only the first is late
    listed = api.get("/api/v1/procedures", as_=Role.COORDINATOR).get_json()
    assert [p["id"] for p in listed["items"]] == [third["id"], second["id"], first["id"]]
    assert listed["total"] == 3
    assert listed["items"][2]["open_tasks"] == 1
    overdue = api.get("/api/v1/procedures?overdue=true", as_=Role.COORDINATOR).get_json()
    assert [p["id"] for p in overdue["items"]] == [first["id"]]
    assert all(p["overdue"] for p in overdue["items"])
    not_overdue = api.get("/api/v1/procedures?overdue=false", as_=Role.COORDINATOR).get_json()
    assert [p["id"] for p in not_overdue["items"]] == [third["id"], second["id"]]
    phase = api.get("/api/v1/procedures?phase=melding", as_=Role.COORDINATOR).get_json()
    assert [p["id"] for p in phase["items"]] == [third["id"]]
    since = api.get(
        "/api/v1/procedures", query_string={"started_from": second["started_at"]}, as_=Role.COORDINATOR
    ).get_json()
    assert {p["id"] for p in since["items"]} == {second["id"], third["id"]}
    before = api.get(
        "/api/v1/procedures", query_string={"started_to": second["started_at"]}, as_=Role.COORDINATOR
    ).get_json()
    assert [p["id"] for p in before["items"]] == [first["id"]]
    page = api.get("/api/v1/procedures?sort=started&page=2&page_size=2", as_=Role.COORDINATOR).get_json()
    assert ([p["id"] for p in page["items"]], page["total"]) == ([third["id"]], 3)
    assert api.get("/api/v1/procedures?status=open", as_=Role.COORDINATOR).get_json()["total"] == 3
    assert api.get("/api/v1/procedures?status=closed", as_=Role.COORDINATOR).get_json()["total"] == 0
    assert api.get("/api/v1/procedures?coordinator=nobody", as_=Role.COORDINATOR).get_json()["total"] == 0
    by_ref = api.get(f"/api/v1/procedures?reference={second['reference']}", as_=Role.COORDINATOR).get_json()
    assert [p["id"] for p in by_ref["items"]] == [second["id"]]
    assert api.get("/api/v1/procedures?status=nonsense", as_=Role.COORDINATOR).status_code == 422


def test_detail_has_phase_open_tasks_timeline_and_case(api):
    procedure = start_case(api)
    _complete_first(api, procedure["id"], {"clientondersteuning": "ja", "partijen": ["wijkteam"]})
    response = api.get(f"/api/v1/procedures/{procedure['id']}", as_=Role.COORDINATOR)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["status"], body["phase"], body["instance_status"]) == ("open", "onderzoek", "running")
    assert [t["element_id"] for t in body["open_tasks"]] == ["party_answer"]
    assert body["open_tasks"][0]["party"] == "wijkteam"
    types = [e["type"] for e in body["timeline"]]
    assert types[0] == "instance_started"
    assert "task_completed" in types and "task_opened" in types
    completed = next(e for e in body["timeline"] if e["type"] == "task_completed")
    assert (completed["element_id"], completed["element_name"], completed["actor"]) == (
        "intake",
        "Intake",
        "meldpunt.utrecht",
    )
    client = next(s for s in body["case"]["subjects"] if s["kind"] == "client")
    assert {f["field"]: f["value"] for f in client["facts"]}["bsn"] == "111222333"


def test_who_reads_procedures(api):
    procedure = start_case(api)
    for role in (Role.MELDPUNT, Role.ASSESSOR, Role.COORDINATOR, Role.MANAGER, Role.PRIVACY_OFFICER):
        assert api.get(f"/api/v1/procedures/{procedure['id']}", as_=role).status_code == 200, role
    for role in (Role.PROCESS_DESIGNER, Role.ADMIN):
        assert api.get(f"/api/v1/procedures/{procedure['id']}", as_=role).status_code == 403, role
    # A party reads a procedure once it has work in it, and then no health data of the melding.
    assert api.get(f"/api/v1/procedures/{procedure['id']}", as_=Role.PARTY_CONTACT).status_code == 403
    assert api.get("/api/v1/procedures", as_=Role.PARTY_CONTACT).get_json()["total"] == 0
    _complete_first(api, procedure["id"], {"clientondersteuning": "nee"})
    assert api.get("/api/v1/procedures", as_=Role.PARTY_CONTACT).get_json()["total"] == 1
    seen = api.get(f"/api/v1/procedures/{procedure['id']}", as_=Role.PARTY_CONTACT).get_json()
    assert "health" not in {f["category"] for s in seen["case"]["subjects"] for f in s["facts"]}
    # The privacy officer sees the timeline but no personal data.
    officer = api.get(f"/api/v1/procedures/{procedure['id']}", as_=Role.PRIVACY_OFFICER).get_json()
    assert officer["timeline"] and not [f for s in officer["case"]["subjects"] for f in s["facts"]]


def test_cancel_with_a_reason(api, world):
    procedure = start_case(api)
    no_reason = api.post(f"/api/v1/procedures/{procedure['id']}/cancel", as_=Role.COORDINATOR, json={})
    assert no_reason.status_code == 422 and no_reason.get_json()["errors"][0]["field"] == "reason"
    assert (
        api.post(
            f"/api/v1/procedures/{procedure['id']}/cancel", as_=Role.MELDPUNT, json={"reason": "x"}
        ).status_code
        == 403
    )
    response = api.post(
        f"/api/v1/procedures/{procedure['id']}/cancel", as_=Role.COORDINATOR, json={"reason": "dubbel"}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "cancelled"
    assert world.open_tasks(procedure["id"]) == []
    detail = api.get(f"/api/v1/procedures/{procedure['id']}", as_=Role.COORDINATOR).get_json()
    cancel = next(e for e in detail["timeline"] if e["type"] == "instance_cancelled")
    assert cancel["detail"] == {"reason": "dubbel"} and cancel["actor"] == "coordinator.utrecht"
    again = api.post(
        f"/api/v1/procedures/{procedure['id']}/cancel", as_=Role.COORDINATOR, json={"reason": "x"}
    )
    assert again.status_code == 409


def test_the_client_withdraws_by_message(api, world):
    procedure = start_case(api)
    url = f"/api/v1/procedures/{procedure['id']}/messages"
    unknown = api.post(url + "/no_such_message", as_=Role.COORDINATOR, json={})
    assert unknown.status_code == 422 and unknown.get_json()["code"] == "invalid_input"
    # This model's message has no form: it takes no data, and nothing slips into the process data.
    smuggled = api.post(url + "/client_withdraws", as_=Role.COORDINATOR, json={"payload": {"stopreden": "x"}})
    assert smuggled.status_code == 422 and smuggled.get_json()["errors"][0]["field"] == "stopreden"
    assert world.open_tasks(procedure["id"]) != []  # nothing happened
    response = api.post(url + "/client_withdraws", as_=Role.COORDINATOR, json={"payload": {}})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "closed"
    assert world.open_tasks(procedure["id"]) == []
