"""Health, metrics, the OpenAPI document, and errors as problem+json everywhere (never HTML or a trace)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from engine.roles import Role


def test_healthz_reports_database_and_scheduler(api, services):
    response = api.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"]["ok"] is True
    assert body["scheduler"] == {"state": "not running"}
    services.status["scheduler"] = {"state": "running", "last_tick": "2027-01-04T09:00:00Z"}
    assert api.get("/healthz").get_json()["scheduler"]["state"] == "running"


def test_healthz_is_503_when_the_database_is_gone(api, services, tmp_path):
    services.database.engine = create_engine(f"sqlite:///{tmp_path}/missing/dir/x.db")
    response = api.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"]["ok"] is False


def test_metrics_need_a_manager_or_admin_and_speak_prometheus(api):
    api.get("/api/v1/tasks", as_=Role.MELDPUNT)
    assert api.get("/metrics").status_code == 401
    assert api.get("/metrics", as_=Role.MELDPUNT).status_code == 403
    response = api.get("/metrics", as_=Role.ADMIN)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.text
    assert 'wams_http_requests_total{method="GET",endpoint="/api/v1/tasks",status="200"' in text
    assert "wams_http_request_duration_seconds_bucket" in text
    assert 'wams_overdue_tasks{tenant="utrecht"} 0' in text
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
