"""Health, metrics, the OpenAPI document, and errors as problem+json everywhere (never HTML or a trace)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from engine.roles import Role
from tests.api.conftest import OTHER_TENANT, start_three
from tests.metrics import sample, scrape


def test_healthz_reports_database_and_scheduler(api, services):
    response = api.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"]["ok"] is True
    assert body["scheduler"] == {"state": "not running"}
    services.status["scheduler"] = {"state": "running", "last_tick": "2027-01-04T09:00:00Z"}
    assert api.get("/healthz").get_json()["scheduler"]["state"] == "running"


def test_healthz_sees_schedulers_that_run_as_their_own_service(api, services, database_url, clock):
    """Two `wams scheduler` processes: their own services on the same database, nothing in this app's
    memory. Their heartbeats say they run, until they stop or fall silent."""
    from engine.db.session import connect
    from engine.scheduler.heartbeat import STALE_AFTER
    from engine.scheduler.runner import Scheduler
    from engine.services import build_services

    database = connect(database_url)
    try:
        elsewhere = [
            Scheduler(
                build_services(services.settings, database=database, clock=clock), mailer=None, mode="process"
            )
            for _ in range(2)
        ]
        for scheduler in elsewhere:
            scheduler.run_due()  # what APScheduler runs every tick interval
        health = api.get("/healthz").get_json()["scheduler"]
        assert health["state"] == "running" and health["schedulers"] == 2 and health["ticks"] == 2
        assert health["modes"] == ["process"] and health["last_beat"] == clock.now().isoformat()
        elsewhere[0].shutdown()
        assert api.get("/healthz").get_json()["scheduler"]["schedulers"] == 1
        clock.advance(seconds=STALE_AFTER.total_seconds() + 1)  # the other dies without a word
        assert api.get("/healthz").get_json()["scheduler"]["state"] == "silent"
        elsewhere[1].shutdown()
        assert api.get("/healthz").get_json()["scheduler"] == {
            "state": "stopped",
            "last_beat": clock.now().isoformat(),
        }
    finally:
        database.dispose()


def test_healthz_is_503_when_the_database_is_gone(api, services, tmp_path):
    services.database.engine = create_engine(f"sqlite:///{tmp_path}/missing/dir/x.db")
    response = api.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"]["ok"] is False


def test_metrics_need_a_manager_or_admin_and_speak_prometheus(api):
    tasks = {"method": "GET", "endpoint": "/api/v1/tasks", "status": "200"}
    before = scrape(api.get("/metrics", as_=Role.ADMIN).text)
    api.get("/api/v1/tasks", as_=Role.MELDPUNT)
    api.get("/api/v1/tasks", as_=Role.ASSESSOR)
    assert api.get("/metrics").status_code == 401
    assert api.get("/metrics", as_=Role.MELDPUNT).status_code == 403
    response = api.get("/metrics", as_=Role.ADMIN)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    after = scrape(response.text)
    assert (
        sample(after, "wams_http_requests_total", **tasks)
        - sample(before, "wams_http_requests_total", **tasks)
        == 2
    )
    forbidden = {"method": "GET", "endpoint": "/metrics", "status": "403"}
    assert sample(after, "wams_http_requests_total", **forbidden) >= 1
    assert (
        sample(after, "wams_http_request_duration_seconds_count", method="GET", endpoint="/api/v1/tasks") >= 2
    )
    assert sample(after, "wams_overdue_tasks", tenant="utrecht") == 0
    # Counts labelled with a municipality are its own: another's never show.
    other = start_three(api, tenant=OTHER_TENANT)
    task_id = api.get(
        f"/api/v1/tasks?scope=available&procedure_id={other['id']}", as_=Role.MELDPUNT, tenant=OTHER_TENANT
    ).get_json()["items"][0]["id"]
    done = api.post(
        f"/api/v1/tasks/{task_id}/complete",
        as_=Role.MELDPUNT,
        tenant=OTHER_TENANT,
        json={"data": {"akkoord": True}},
    )
    assert done.status_code == 200
    theirs = scrape(api.get("/metrics", as_=Role.ADMIN, tenant=OTHER_TENANT).text)
    ours = scrape(api.get("/metrics", as_=Role.ADMIN).text)
    assert sample(theirs, "wams_task_completions_total", tenant=OTHER_TENANT) >= 1
    assert not any(("tenant", OTHER_TENANT) in labels for _, labels in ours)
    assert api.get("/metrics", as_=Role.MANAGER).status_code == 200


def test_openapi_document_and_docs_page(api):
    spec = api.get("/api/openapi.json")
    assert spec.status_code == 200
    document = spec.get_json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/tasks/{task_id}/complete" in document["paths"]
    complete = document["paths"]["/api/v1/tasks/{task_id}/complete"]["post"]
    assert set(complete["responses"]) >= {"200", "401", "403", "404", "409", "422", "default"}
    problem = document["components"]["responses"]["CONFLICT"]["content"]
    assert list(problem) == ["application/problem+json"]
    docs = api.get("/api/docs")
    assert docs.status_code == 200 and b"swagger" in docs.data.lower()


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/no-such-thing", 404),
        ("DELETE", "/api/v1/tasks", 405),
        ("GET", "/api/v1/tasks/not-a-uuid", 404),
    ],
)
def test_http_errors_are_problem_json(api, method, path, status):
    response = api.call(method, path, as_=Role.MELDPUNT)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["code"] and body["instance"] == path
    assert b"<html" not in response.data.lower()


def test_malformed_json_is_a_problem(api):
    response = api.post(
        "/api/v1/procedures", as_=Role.MELDPUNT, data="{not json", content_type="application/json"
    )
    assert response.status_code in {400, 422}
    assert response.headers["Content-Type"] == "application/problem+json"


def test_uploads_over_the_limit_are_413(api, services):
    big = b"x" * (services.settings.max_upload_bytes + 1)
    response = api.post(
        "/api/v1/process-definitions/validate",
        as_=Role.PROCESS_DESIGNER,
        data=big,
        content_type="application/octet-stream",
    )
    assert response.status_code == 413
    assert response.get_json()["code"] == "payload_too_large"


def test_an_unexpected_error_is_a_bare_500_without_a_trace(app, api, caplog):
    def broken():
        raise RuntimeError("secret internals")

    app.add_url_rule("/api/v1/broken", "broken", broken)
    response = api.get("/api/v1/broken", as_=Role.MELDPUNT)
    assert response.status_code == 500
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.get_json()["code"] == "internal_error"
    assert b"secret internals" not in response.data and b"Traceback" not in response.data
    assert "secret internals" in caplog.text  # logged for the operator
