"""Accounts over HTTP: session login with CSRF protection, bearer tokens (issue, list, revoke, expire),
who am I, and the municipality's accounts."""

from __future__ import annotations

from datetime import timedelta

from engine.roles import Role
from tests.api.conftest import OTHER_TENANT, add_account, token_of, username

PASSWORD = "correct horse battery"


def _login(client, name, password=PASSWORD):
    return client.post("/api/v1/session", json={"username": name, "password": password})


def test_session_login_csrf_and_logout(api, world):
    add_account(world.uow, "anna.utrecht", "utrecht", [Role.COORDINATOR], password=PASSWORD)
    client = api.client
    assert client.get("/api/v1/me").status_code == 401
    wrong = _login(client, "anna.utrecht", "wrong password")
    assert wrong.status_code == 401
    assert wrong.get_json()["detail"] == "onbekende gebruikersnaam of verkeerd wachtwoord"
    assert _login(client, "nobody", PASSWORD).get_json()["code"] == "not_authenticated"
    response = _login(client, "anna.utrecht")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["user"] == {
        "username": "anna.utrecht",
        "display_name": "anna.utrecht",
        "tenant_id": "utrecht",
        "roles": ["coordinator"],
        "party": None,
    }
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    csrf = body["csrf_token"]
    assert client.get("/api/v1/me").get_json()["username"] == "anna.utrecht"
    assert client.get("/api/v1/session").get_json()["csrf_token"] == csrf
    # A state-changing request on the session cookie needs the CSRF token.
    refused = client.post("/api/v1/tokens", json={"name": "script"})
    assert refused.status_code == 403 and refused.get_json()["code"] == "csrf_failed"
    wrong_token = client.post("/api/v1/tokens", json={"name": "script"}, headers={"X-CSRF-Token": "nope"})
    assert wrong_token.status_code == 403
    issued = client.post("/api/v1/tokens", json={"name": "script"}, headers={"X-CSRF-Token": csrf})
    assert issued.status_code == 201
    assert client.delete("/api/v1/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_a_password_change_ends_other_sessions(api, world, app, services):
    from engine.accounts.service import set_password
    from engine.uow import UnitOfWork

    add_account(world.uow, "anna.utrecht", "utrecht", [Role.COORDINATOR], password=PASSWORD)
    assert _login(api.client, "anna.utrecht").status_code == 200
    actor = api.client.get("/api/v1/me").get_json()
    assert actor["username"] == "anna.utrecht"
    from engine.accounts.service import login

    session_actor = login(services.uow(), "anna.utrecht", PASSWORD).actor
    set_password(UnitOfWork(services.database, services.clock), session_actor, PASSWORD, "a new password!")
    assert api.client.get("/api/v1/me").status_code == 401


def test_bearer_tokens_issue_list_revoke(api, world):
    issued = api.post("/api/v1/tokens", as_=Role.ASSESSOR, json={"name": "laptop"})
    assert issued.status_code == 201
    secret = issued.get_json()["token"]
    assert secret.startswith("wams_") and issued.get_json()["prefix"] == secret[:12]
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.get_json()["username"] == username(Role.ASSESSOR)
    tokens = api.get("/api/v1/tokens", as_=Role.ASSESSOR).get_json()
    assert sorted(t["name"] for t in tokens) == ["laptop", "test"]
    assert all("token" not in t and "token_hash" not in t for t in tokens)
    # Someone else's token cannot be revoked (not even seen), an admin's list has them all.
    token_id = issued.get_json()["id"]
    assert api.delete(f"/api/v1/tokens/{token_id}", as_=Role.MELDPUNT).status_code == 404
    assert len(api.get("/api/v1/tokens", as_=Role.ADMIN).get_json()) == len(list(Role)) + 1
    assert api.delete(f"/api/v1/tokens/{token_id}", as_=Role.ASSESSOR).status_code == 204
    revoked = api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert revoked.status_code == 401 and revoked.get_json()["code"] == "not_authenticated"
    assert revoked.headers["WWW-Authenticate"].startswith("Bearer")


def test_tokens_expire_and_only_an_admin_issues_for_others(api, world, clock):
    expires = (clock.now() + timedelta(hours=1)).isoformat()
    issued = api.post("/api/v1/tokens", as_=Role.ASSESSOR, json={"name": "kort", "expires_at": expires})
    secret = issued.get_json()["token"]
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    clock.advance(hours=2)
    expired = api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert expired.status_code == 401 and expired.get_json()["detail"] == "het token is verlopen"
    past = (clock.now() - timedelta(hours=1)).isoformat()
    assert (
        api.post("/api/v1/tokens", as_=Role.ASSESSOR, json={"name": "x", "expires_at": past}).status_code
        == 422
    )
    for_other = {"name": "robot", "username": username(Role.MELDPUNT)}
    assert api.post("/api/v1/tokens", as_=Role.ASSESSOR, json=for_other).status_code == 403
    assert api.post("/api/v1/tokens", as_=Role.ADMIN, json=for_other).status_code == 201
    other_tenant = {"name": "robot", "username": username(Role.MELDPUNT, OTHER_TENANT)}
    assert api.post("/api/v1/tokens", as_=Role.ADMIN, json=other_tenant).status_code == 404


def test_bad_credentials(api):
    assert api.get("/api/v1/me", headers={"Authorization": "Basic abc"}).status_code == 401
    assert api.get("/api/v1/me", headers={"Authorization": "Bearer "}).status_code == 401
    assert api.get("/api/v1/me", headers={"Authorization": "Bearer wams_unknown"}).status_code == 401
    assert api.get("/api/v1/me", headers={"Authorization": "Bearer " + token_of("x") * 50}).status_code == 401


def test_users_list_and_create(api):
    listed = api.get("/api/v1/users?role=assessor", as_=Role.MANAGER)
    assert listed.status_code == 200
    assert [u["username"] for u in listed.get_json()] == [username(Role.ASSESSOR)]
    assert api.get("/api/v1/users", as_=Role.MELDPUNT).status_code == 403
    new = {
        "username": "nieuw.utrecht",
        "roles": ["party_contact"],
        "party": "ggz_instelling",
        "password": PASSWORD,
        "email": "nieuw@ggz.example",
    }
    created = api.post("/api/v1/users", as_=Role.ADMIN, json=new)
    assert created.status_code == 201, created.get_json()
    assert created.get_json() == {
        "username": "nieuw.utrecht",
        "display_name": "nieuw.utrecht",
        "roles": ["party_contact"],
        "party": "ggz_instelling",
        "email": "nieuw@ggz.example",
        "active": True,
    }
    no_address = {"username": "w.utrecht", "roles": ["assessor"], "email": "niet een adres"}
    response = api.post("/api/v1/users", as_=Role.ADMIN, json=no_address)
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "email"
    assert _login(api.client, "nieuw.utrecht").get_json()["user"]["tenant_id"] == "utrecht"
    assert api.post("/api/v1/users", as_=Role.ADMIN, json=new).status_code == 409
    no_party = {"username": "x.utrecht", "roles": ["party_contact"]}
    response = api.post("/api/v1/users", as_=Role.ADMIN, json=no_party)
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "party"
    bad_role = {"username": "y.utrecht", "roles": ["superuser"]}
    assert api.post("/api/v1/users", as_=Role.ADMIN, json=bad_role).status_code == 422
    assert api.post("/api/v1/users", as_=Role.MANAGER, json={"username": "z", "roles": []}).status_code == 403


def test_oidc_answers_404_when_not_configured(api):
    assert api.get("/api/v1/session/oidc").status_code == 404
    assert api.get("/api/v1/session/oidc/callback").status_code == 404


def test_password_guessing_is_throttled_per_username(api, world):
    from engine.accounts.service import LOGIN_FAILURES_ALLOWED

    add_account(world.uow, "anna.utrecht", "utrecht", [Role.COORDINATOR], password=PASSWORD)
    for _ in range(LOGIN_FAILURES_ALLOWED):
        assert _login(api.client, "anna.utrecht", "guess").status_code == 401
    blocked = _login(api.client, "anna.utrecht", PASSWORD)
    assert blocked.status_code == 429
    assert blocked.get_json()["code"] == "too_many_attempts" and blocked.headers["Retry-After"]
    assert _login(api.client, "someone.else", "guess").status_code == 401  # other names are not blocked
