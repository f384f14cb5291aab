"""Deploy a foreign model through the API and walk it to the end, as the people whose roles its tasks name."""

from __future__ import annotations

import io
from typing import Any

from engine.roles import Role
from tests.api.conftest import TENANT, ApiClient, username


def deploy(api: ApiClient, upload: io.BytesIO, filename: str = "bundle.zip", tenant: str = TENANT) -> Any:
    return api.post(
        "/api/v1/process-definitions",
        as_=Role.PROCESS_DESIGNER,
        tenant=tenant,
        data={"file": (upload, filename)},
        content_type="multipart/form-data",
    )


def validate(api: ApiClient, upload: io.BytesIO, filename: str = "bundle.zip") -> dict[str, Any]:
    response = api.post(
        "/api/v1/process-definitions/validate",
        as_=Role.PROCESS_DESIGNER,
        data={"file": (upload, filename)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def start(api: ApiClient, process_id: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    response = api.post(
        "/api/v1/procedures", as_=Role.MELDPUNT, json={"process_id": process_id, "data": data or {}}
    )
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def open_tasks(api: ApiClient, procedure_id: str) -> list[dict[str, Any]]:
    body = api.get(f"/api/v1/tasks?scope=all&procedure_id={procedure_id}", as_=Role.MANAGER).get_json()
    return [t for t in body["items"] if t["status"] == "open"]


def complete(api: ApiClient, task: dict[str, Any], data: dict[str, Any], as_: str | None = None) -> Any:
    """Complete `task` as its assignee, else as the account of its role."""
    who = as_ or task.get("assignee") or username(Role(task["role"]))
    response = api.post(f"/api/v1/tasks/{task['id']}/complete", as_=who, json={"data": data})
    assert response.status_code == 200, (task["element_id"], response.get_json())
    return response.get_json()


def status(api: ApiClient, procedure_id: str) -> str:
    body = api.get(f"/api/v1/procedures/{procedure_id}", as_=Role.MANAGER).get_json()
    return str(body["status"])
