"""Credentials hold across worker processes and restarts: two apps on one database stand for two gunicorn
workers (each has its own connection pool and its own in-process state), a third app built later for a
restarted service. Revoking a token on one is refused on the other at once; failed logins counted by
one block the name on the other and after a restart."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from api.app import create_app
from engine.accounts.service import LOGIN_FAILURES_ALLOWED, LOGIN_WINDOW_SECONDS, set_password
from engine.db.session import connect
from engine.roles import Role
from engine.services import build_services
from tests.api.conftest import add_account, token_of, username
from tests.metrics import sample, scrape

PASSWORD = "correct horse battery"


@pytest.fixture
def another_worker(services, database_url, clock) -> Iterator[Flask]:
    """A second app on the same database: its own pool, caches and process-level state."""
    database = connect(database_url)
    other = build_services(services.settings, database=database, clock=clock)
    app = create_app(other.settings, services=other)
    app.config["TESTING"] = True
    yield app
    database.dispose()


def _login(client, name, password=PASSWORD):
    return client.post("/api/v1/session", json={"username": name, "password": password})


def test_a_revoked_token_is_refused_by_every_worker_at_once(api, world, another_worker):
    token = add_account(world.uow, "anna.utrecht", "utrecht", [Role.COORDINATOR])
    bearer = {"Authorization": f"Bearer {token}"}
    other = another_worker.test_client()
    # Both workers have used the token, so any cache they keep holds it.
    assert api.client.get("/api/v1/me", headers=bearer).status_code == 200
    assert other.get("/api/v1/me", headers=bearer).status_code == 200
    tokens = api.client.get("/api/v1/tokens", headers=bearer).get_json()
    assert api.client.delete(f"/api/v1/tokens/{tokens[0]['id']}", headers=bearer).status_code == 204
    refused = other.get("/api/v1/me", headers=bearer)
    assert refused.status_code == 401 and refused.get_json()["code"] == "not_authenticated"
    assert api.client.get("/api/v1/me", headers=bearer).status_code == 401


def test_a_password_change_ends_sessions_on_every_worker_at_once(api, world, another_worker, services):
    add_account(world.uow, "anna.utrecht", "utrecht", [Role.COORDINATOR], password=PASSWORD)
    other = another_worker.test_client()
    assert _login(other, "anna.utrecht").status_code == 200
    assert other.get("/api/v1/me").status_code == 200
    from engine.accounts.service import login

    actor = login(services.uow(), "anna.utrecht", PASSWORD).actor
    set_password(services.uow(), actor, PASSWORD, "another good password")
    assert other.get("/api/v1/me").status_code == 401


def test_failed_logins_count_across_workers_and_restarts(
    app, world, another_worker, services, clock, database_url
):
    add_account(world.uow, "anna.utrecht", "utrecht", [Role.COORDINATOR], password=PASSWORD)
    first, second = app.test_client(), another_worker.test_client()
    admin = {"Authorization": f"Bearer {token_of(username(Role.ADMIN))}"}
    before = scrape(first.get("/metrics", headers=admin).text)
    for attempt in range(LOGIN_FAILURES_ALLOWED):
        client = first if attempt % 2 else second  # the guesses are spread over both workers
        assert _login(client, "anna.utrecht", "guess").status_code == 401
    assert _login(first, "anna.utrecht").status_code == 429
    assert _login(second, "anna.utrecht").status_code == 429
    after = scrape(first.get("/metrics", headers=admin).text)
    events = "wams_security_events_total"
    failed = sample(after, events, event="login_failed") - sample(before, events, event="login_failed")
    blocked = sample(after, events, event="login_blocked") - sample(before, events, event="login_blocked")
    assert (failed, blocked) == (LOGIN_FAILURES_ALLOWED, 2)  # both apps count in this test's one process
    # A restart: a new app with a new connection pool and nothing in memory.
    restarted = create_app(
        services.settings,
        services=build_services(services.settings, database=connect(database_url), clock=clock),
    )
    try:
        blocked = _login(restarted.test_client(), "anna.utrecht")
        assert blocked.status_code == 429 and blocked.get_json()["code"] == "too_many_attempts"
        assert int(blocked.headers["Retry-After"]) > 0
        # Other names are not blocked, and the block ends when the window has passed.
        assert _login(restarted.test_client(), "someone.else", "guess").status_code == 401
        clock.advance(seconds=LOGIN_WINDOW_SECONDS + 1)
        assert _login(restarted.test_client(), "anna.utrecht").status_code == 200
    finally:
        restarted.extensions["wams"].database.dispose()
