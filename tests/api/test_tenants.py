"""Provisioning over HTTP: an administrator creates a municipality with its first administrator; the
new administrator works there and the creator sees nothing of it."""

from __future__ import annotations

from engine.roles import Role
from tests.api.conftest import OTHER_TENANT, TENANT

NEW = {
    "code": "oefenstad",
    "name": "Oefengemeente",
    "rehearsal": True,
    "admin": {
        "username": "beheerder.oefenstad",
        "password": "een-lang-wachtwoord",
        "email": "b@oefen.example",
    },
}


def test_an_admin_creates_a_municipality_with_its_first_administrator(api):
    response = api.post("/api/v1/tenants", as_=Role.ADMIN, json=NEW)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["tenant"]["code"] == "oefenstad" and body["tenant"]["kind"] == "rehearsal"
    assert body["admin"]["username"] == "beheerder.oefenstad" and body["admin"]["roles"] == ["admin"]
    assert "password" not in body["admin"]

    login = api.client.post(
        "/api/v1/session", json={"username": "beheerder.oefenstad", "password": "een-lang-wachtwoord"}
    )
    assert login.status_code == 200, login.get_json()
    own = api.client.get("/api/v1/tenant").get_json()
    assert own == {
        "code": "oefenstad",
        "name": "Oefengemeente",
        "kind": "rehearsal",
        "created_at": own["created_at"],
    }
    assert [u["username"] for u in api.client.get("/api/v1/users").get_json()] == ["beheerder.oefenstad"]

    # The creator's municipality is unchanged and does not see the new one's accounts.
    assert api.get("/api/v1/tenant", as_=Role.ADMIN).get_json()["code"] == TENANT
    assert api.get("/api/v1/tenant", as_=Role.ADMIN).get_json()["kind"] == "production"
    names = [u["username"] for u in api.get("/api/v1/users", as_=Role.ADMIN).get_json()]
    assert "beheerder.oefenstad" not in names


def test_only_an_admin_and_mistakes_are_problems(api):
    for role in set(Role) - {Role.ADMIN}:
        response = api.post("/api/v1/tenants", as_=role, json=NEW)
        assert response.status_code == 403, role
        assert response.content_type == "application/problem+json"
    assert api.post("/api/v1/tenants", json=NEW).status_code == 401

    cases = [
        ({**NEW, "code": OTHER_TENANT}, 409, "code"),
        ({**NEW, "admin": {**NEW["admin"], "username": "admin.utrecht"}}, 409, "admin.username"),
        ({**NEW, "code": "Oefen Stad"}, 422, "code"),
        ({**NEW, "admin": {**NEW["admin"], "password": "kort"}}, 422, "admin.password"),
        ({k: v for k, v in NEW.items() if k != "admin"}, 422, "admin"),
    ]
    for body, status, field in cases:
        response = api.post("/api/v1/tenants", as_=Role.ADMIN, json=body)
        assert response.status_code == status, (body, response.get_json())
        problem = response.get_json()
        assert response.content_type == "application/problem+json"
        assert field in [e["field"] for e in problem.get("errors", [])], problem
    # Nothing half-made: the tenant of the refused request with a taken username does not exist.
    assert api.post("/api/v1/tenants", as_=Role.ADMIN, json=NEW).status_code == 201
