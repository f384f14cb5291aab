"""The escalation endpoints: managers list and resolve escalations; coordinators and managers suspend,
resume and extend a procedure; everyone reads their notifications."""

from __future__ import annotations

from engine.roles import Role
from engine.scheduler.runner import Scheduler
from tests.api.conftest import OTHER_TENANT, start_three


def _escalate(api, services, clock) -> dict:
    procedure = start_three(api)  # task_one: camunda:dueDate P2D
    clock.advance(days=2, seconds=1)
    Scheduler(services, mailer=None).tick()
    return procedure


def test_managers_list_and_resolve_escalations(api, services, clock):
    procedure = _escalate(api, services, clock)
    listed = api.get("/api/v1/escalations?unresolved=true", as_=Role.MANAGER)
    assert listed.status_code == 200
    [escalation] = [e for e in listed.get_json() if e["rule"] == "taak.termijn"]
    assert escalation["procedure_id"] == procedure["id"] and escalation["status"] == "open"
    assert api.get("/api/v1/escalations", as_=Role.MELDPUNT).status_code == 403
    assert api.get("/api/v1/escalations", as_=Role.MANAGER, tenant=OTHER_TENANT).get_json() == []
    path = f"/api/v1/escalations/{escalation['id']}"
    assert api.get(path, as_=Role.MANAGER, tenant=OTHER_TENANT).status_code == 404
    assert api.post(path + "/resolve", as_=Role.MANAGER, json={"reason": ""}).status_code == 422
    resolved = api.post(path + "/resolve", as_=Role.MANAGER, json={"reason": "Opgepakt in teamoverleg"})
    assert resolved.status_code == 200
    assert (resolved.get_json()["status"], resolved.get_json()["resolved_by"]) == (
        "resolved",
        "manager.utrecht",
    )
    assert api.post(path + "/resolve", as_=Role.MANAGER, json={"reason": "nog eens"}).status_code == 409


def test_suspend_resume_and_extend_a_procedure(api, services, clock):
    procedure = start_three(api)
    base = f"/api/v1/procedures/{procedure['id']}"
    before = api.get(base + "/deadlines", as_=Role.COORDINATOR).get_json()
    assert {d["rule"] for d in before} >= {"taak.termijn"}
    suspended = api.post(base + "/suspend", as_=Role.COORDINATOR, json={"reason": "Cliënt in ziekenhuis"})
    assert suspended.status_code == 200 and suspended.get_json()["kind"] == "suspension"
    assert api.post(base + "/suspend", as_=Role.COORDINATOR, json={"reason": "x"}).status_code == 409
    assert api.post(base + "/suspend", as_=Role.MELDPUNT, json={"reason": "x"}).status_code == 403
    clock.advance(days=5)
    resumed = api.post(base + "/resume", as_=Role.MANAGER, json={})
    assert resumed.status_code == 200 and resumed.get_json()["status"] == "ended"
    task_due = {d["rule"]: d["due_at"] for d in api.get(base + "/deadlines", as_=Role.MANAGER).get_json()}
    old_due = {d["rule"]: d["due_at"] for d in before}
    assert task_due["taak.termijn"] > old_due["taak.termijn"]
    bad = api.post(base + "/extend", as_=Role.COORDINATOR, json={"period": "twee weken", "reason": "x"})
    assert bad.status_code == 422
    extended = api.post(base + "/extend", as_=Role.COORDINATOR, json={"period": "P2W", "reason": "Rapport"})
    assert extended.status_code == 200 and extended.get_json()["period"] == "P2W"
    kinds = [a["kind"] for a in api.get(base + "/adjustments", as_=Role.MANAGER).get_json()]
    assert kinds == ["suspension", "extension"]
    other = f"/api/v1/procedures/{procedure['id']}/suspend"
    assert api.post(other, as_=Role.COORDINATOR, tenant=OTHER_TENANT, json={"reason": "x"}).status_code == 404


def test_notifications_are_listed_and_marked_read(api, services, clock):
    _escalate(api, services, clock)
    unread = api.get("/api/v1/notifications?unread=true", as_=Role.MANAGER).get_json()
    assert unread and all(n["for_role"] == "manager" for n in unread)
    assert api.post(f"/api/v1/notifications/{unread[0]['id']}/read", as_=Role.MANAGER).status_code == 204
    after = api.get("/api/v1/notifications?unread=true", as_=Role.MANAGER).get_json()
    assert len(after) == len(unread) - 1
    assert api.get("/api/v1/notifications", as_=Role.MELDPUNT).get_json() == []
    assert api.post(f"/api/v1/notifications/{unread[0]['id']}/read", as_=Role.MELDPUNT).status_code == 404
