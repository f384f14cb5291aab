"""API fixtures: the Flask app around the test database and clock, two municipalities with an account
and bearer token for every role, and the fixture bundles deployed in both."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from api.app import create_app
from engine.accounts.service import add_token, add_user
from engine.config import Settings
from engine.roles import Role
from engine.runtime.models import Task
from engine.services import Services, build_services
from engine.status import TaskStatus
from engine.tenancy import ensure_tenant
from engine.uow import UnitOfWork
from tests.factories import deploy_bundle, fixture_bundle

TENANT = "utrecht"
OTHER_TENANT = "amersfoort"
PARTIES = {Role.PARTY_CONTACT: "wijkteam", Role.MEDICAL_PROFESSIONAL: "ggz_instelling"}
ROLES = list(Role)


def username(role: Role, tenant: str = TENANT) -> str:
    return f"{role.value}.{tenant}"


def token_of(name: str) -> str:
    return f"wams_test_{name}"


@pytest.fixture
def services(db, clock, tmp_path) -> Services:
    settings = Settings.from_env(
        {}, instance_path=tmp_path, env="test", scheduler="off", secret_key="test-secret"
    )
    return build_services(settings, database=db, clock=clock)


@pytest.fixture
def app(services) -> Flask:
    app = create_app(services.settings, services=services)
    app.config["TESTING"] = True
    return app


def add_account(
    uow: Callable[..., UnitOfWork],
    name: str,
    tenant: str,
    roles: list[Role],
    *,
    party: str | None = None,
    password: str | None = None,
) -> str:
    """An account with the bearer token `token_of(name)`; returns the token."""
    with uow() as unit:
        user = add_user(unit, tenant, name, roles=roles, party=party, password=password)
        add_token(unit, user, "test", created_by="tests", secret=token_of(name))
        unit.commit()
    return token_of(name)


@pytest.fixture
def world(uow):
    """Two municipalities, one account per role in each (`<role>.<tenant>`), bundles deployed."""
    for tenant in (TENANT, OTHER_TENANT):
        with uow() as unit:
            ensure_tenant(unit, tenant, f"Gemeente {tenant.title()}")
            for role in ROLES:
                user = add_user(unit, tenant, username(role, tenant), roles=[role], party=PARTIES.get(role))
                add_token(unit, user, "test", created_by="tests", secret=token_of(user.username))
            unit.commit()
        for bundle in ("three_tasks", "api_case"):
            deploy_bundle(uow, fixture_bundle(bundle), tenant)
    return World(uow)


@dataclass
class World:
    uow: Callable[..., UnitOfWork]
    notes: dict[str, Any] = field(default_factory=dict)

    def open_tasks(self, procedure_id: uuid.UUID | str) -> list[Task]:
        with self.uow(readonly=True) as unit:
            return list(
                unit.session.scalars(
                    select(Task)
                    .where(Task.instance_id == uuid.UUID(str(procedure_id)), Task.status == TaskStatus.OPEN)
                    .order_by(Task.created_at, Task.element_id)
                )
            )


class ApiClient:
    """The test client with a bearer token per call: `api.get(path, as_=Role.MELDPUNT)`."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def _headers(self, as_: Role | str | None, tenant: str, headers: dict[str, str] | None) -> dict[str, str]:
        result = dict(headers or {})
        if as_ is not None:
            name = username(as_, tenant) if isinstance(as_, Role) else as_
            result["Authorization"] = f"Bearer {token_of(name)}"
        return result

    def call(
        self,
        method: str,
        path: str,
        *,
        as_: Role | str | None = None,
        tenant: str = TENANT,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        return self.client.open(path, method=method, headers=self._headers(as_, tenant, headers), **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.call("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.call("DELETE", path, **kwargs)


@pytest.fixture
def api(app, world) -> ApiClient:
    return ApiClient(app.test_client())


MELDING = {
    "ingang": "professional",
    "client": {"naam": "Sanne Bakker", "bsn": "111222333"},
    "zorgen": "psychische klachten",
    "partij": "wijkteam",
}


def start_case(api: ApiClient, tenant: str = TENANT, **overrides: Any) -> dict[str, Any]:
    """Start an `api_case` procedure as the meldpunt; returns the response body."""
    response = api.post(
        "/api/v1/procedures",
        as_=Role.MELDPUNT,
        tenant=tenant,
        json={"process_id": "api_case", "data": {**MELDING, **overrides}},
    )
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def start_three(api: ApiClient, tenant: str = TENANT) -> dict[str, Any]:
    response = api.post(
        "/api/v1/procedures", as_=Role.MELDPUNT, tenant=tenant, json={"process_id": "three_tasks"}
    )
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())
