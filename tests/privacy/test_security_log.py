"""Refused access is answered as before and also written, once, to the security log: another
municipality's id, a role without rights, a call without login, a failed login. The log keeps no
personal value, is readable by the privacy officer and an administrator, verifies, and names an edited
event; /metrics counts the events."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text

from engine.accounts.service import add_user
from engine.privacy.models import GdprRequest, SecurityEvent
from engine.roles import Role
from tests.api.conftest import (  # noqa: F401 - fixtures
    OTHER_TENANT,
    TENANT,
    ApiClient,
    app,
    services,
    start_case,
    username,
    world,
)
from tests.privacy.endpoints import _request

PREFIX = "/api/v1/privacy"
BSN = "111222333"


@pytest.fixture
def api(app, world) -> ApiClient:  # noqa: F811
    return ApiClient(app.test_client())


def _events(services, chain: str | None = None) -> list[SecurityEvent]:  # noqa: F811
    with services.uow(readonly=True) as unit:
        query = select(SecurityEvent).order_by(SecurityEvent.chain, SecurityEvent.seq)
        if chain is not None:
            query = query.where(SecurityEvent.chain == chain)
        return list(unit.session.scalars(query))


def _row(event: SecurityEvent) -> dict[str, Any]:
    return {
        "chain": event.chain,
        "tenant_id": event.tenant_id,
        "actor": event.actor,
        "roles": event.roles,
        "operation": event.operation,
        "target": event.target,
        "target_ids": event.target_ids,
        "outcome": event.outcome,
        "status": event.status,
    }


def test_another_municipalitys_id_is_one_not_found_event(api, services):  # noqa: F811
    request_id = _request(api)
    assert _events(services) == []
    response = api.get(f"{PREFIX}/requests/{request_id}", as_=Role.PRIVACY_OFFICER, tenant=OTHER_TENANT)
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"
    [event] = _events(services)
    assert _row(event) == {
        "chain": OTHER_TENANT,
        "tenant_id": OTHER_TENANT,
        "actor": username(Role.PRIVACY_OFFICER, OTHER_TENANT),
        "roles": "privacy_officer",
        "operation": "GET privacy.get_request",
        "target": "/api/v1/privacy/requests/<uuid:request_id>",
        "target_ids": {"request_id": request_id},
        "outcome": "not_found",
        "status": 404,
    }
    assert event.seq == 1 and event.at is not None and len(event.trace_id) == 32
    assert response.headers["X-Trace-Id"] == event.trace_id


def test_a_role_without_rights_is_one_not_authorized_event(api, services):  # noqa: F811
    response = api.get(f"{PREFIX}/log?subject={BSN}", as_=Role.MELDPUNT)
    assert response.status_code == 403
    [event] = _events(services)
    assert _row(event) == {
        "chain": TENANT,
        "tenant_id": TENANT,
        "actor": username(Role.MELDPUNT),
        "roles": "meldpunt",
        "operation": "GET privacy.log",
        "target": "/api/v1/privacy/log",
        "target_ids": {},
        "outcome": "not_authorized",
        "status": 403,
    }
    # The query string (here a BSN) is not kept anywhere in the event.
    assert BSN not in repr(_row(event)) + event.hash


def test_a_refused_command_is_rolled_back_and_its_event_kept(api, services):  # noqa: F811
    theirs = start_case(api, tenant=OTHER_TENANT)["id"]
    body = {"procedure_id": theirs, "kind": "inzage", "description": f"BSN {BSN}"}
    assert api.post(f"{PREFIX}/requests", as_=Role.MELDPUNT, json=body).status_code == 404
    with services.uow(readonly=True) as unit:
        assert unit.session.scalars(select(GdprRequest)).all() == []
    [event] = _events(services)
    assert (event.outcome, event.operation, event.target_ids) == ("not_found", "POST privacy.register", {})
    assert BSN not in repr(_row(event))


def test_no_login_and_failed_logins(api, services, world):  # noqa: F811
    with world.uow() as unit:
        add_user(unit, TENANT, "j.jansen", roles=[Role.COORDINATOR], password="een goed wachtwoord")
        unit.commit()
    assert api.get("/api/v1/procedures").status_code == 401
    wrong = {"username": "j.jansen", "password": "verkeerd wachtwoord"}
    assert api.post("/api/v1/session", json=wrong).status_code == 401
    typo = {"username": "een goed wachtwoord", "password": "x"}
    assert api.post("/api/v1/session", json=typo).status_code == 401
    right = {"username": "j.jansen", "password": "een goed wachtwoord"}
    assert api.post("/api/v1/session", json=right).status_code == 200
    events = [_row(e) for e in _events(services)]
    assert [(e["chain"], e["actor"], e["outcome"], e["status"]) for e in events] == [
        ("-", "(onbekend)", "not_authenticated", 401),
        ("-", "(onbekend)", "login_failed", 401),
        (TENANT, "j.jansen", "login_failed", 401),
    ]
    # A name that matches no account (perhaps a password in the wrong field) is not kept.
    assert "wachtwoord" not in repr(events)


def test_web_pages_record_refusals_too(app, services, world):  # noqa: F811
    client = app.test_client()
    assert client.get("/inbox").status_code == 302  # to the login page
    client.get("/login")
    with client.session_transaction() as session:
        token = session["login_csrf"]
    form = {"username": username(Role.MELDPUNT), "password": "fout", "login_token": token}
    assert client.post("/login", data=form).status_code == 401
    assert [(e.chain, e.actor, e.outcome, e.target) for e in _events(services)] == [
        ("-", "(onbekend)", "not_authenticated", "/inbox"),
        (TENANT, username(Role.MELDPUNT), "login_failed", "/login"),
    ]


def test_the_privacy_officer_and_an_admin_read_and_verify_it(api, services, db):  # noqa: F811
    for _ in range(3):
        assert api.get(f"{PREFIX}/log", as_=Role.COORDINATOR).status_code == 403
    assert api.get(f"{PREFIX}/log", as_=Role.MELDPUNT, tenant=OTHER_TENANT).status_code == 403
    for role in (Role.PRIVACY_OFFICER, Role.ADMIN):
        page = api.get(f"{PREFIX}/security-events?page_size=2", as_=role).get_json()
        assert page["total"] == 3 and [i["seq"] for i in page["items"]] == [3, 2]
        assert {i["actor"] for i in page["items"]} == {username(Role.COORDINATOR)}
        report = api.get(f"{PREFIX}/security-events/verify", as_=role).get_json()
        assert (report["ok"], report["entries"], report["head_seq"]) == (True, 3, 3)
    # The refusals without a municipality are an administrator's only.
    assert api.get(f"{PREFIX}/security-events?unattributed=true", as_=Role.PRIVACY_OFFICER).status_code == 403
    assert api.get(f"{PREFIX}/security-events?unattributed=true", as_=Role.ADMIN).status_code == 200

    with db.engine.begin() as connection:
        if db.dialect == "postgresql":
            connection.execute(text("ALTER TABLE security_events DISABLE TRIGGER USER"))
            connection.execute(text("UPDATE security_events SET actor = 'iemand anders' WHERE seq = 2"))
            connection.execute(text("ALTER TABLE security_events ENABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER security_events_no_update"))
            connection.execute(text("UPDATE security_events SET actor = 'iemand anders' WHERE seq = 2"))
    report = api.get(f"{PREFIX}/security-events/verify", as_=Role.PRIVACY_OFFICER).get_json()
    assert report["ok"] is False
    assert [(p["seq"], p["kind"]) for p in report["problems"]] == [(2, "edited")]


def test_the_database_refuses_changes(api, services, db):  # noqa: F811
    assert api.get(f"{PREFIX}/log", as_=Role.MELDPUNT).status_code == 403
    for sql in ("UPDATE security_events SET actor = 'x'", "DELETE FROM security_events"):
        with pytest.raises(Exception, match="append-only"), db.engine.begin() as connection:
            connection.execute(text(sql))


def test_metrics_count_the_events(api, services):  # noqa: F811
    def refused() -> float:
        body = api.get("/metrics", as_=Role.ADMIN).get_data(as_text=True)
        found = [
            x
            for x in body.splitlines()
            if x.startswith('wams_security_log_events_total{outcome="not_authorized"')
        ]
        return float(found[0].rsplit(" ", 1)[1]) if found else 0.0

    before = refused()
    assert api.get(f"{PREFIX}/log", as_=Role.MELDPUNT).status_code == 403
    assert api.get(f"{PREFIX}/log", as_=Role.ASSESSOR).status_code == 403
    assert refused() == before + 2
