"""Web UI fixtures: the app on the test database (SQLite and PostgreSQL), one municipality with the
Wams bundle and an account with a password per role, and a browser-like test client that logs in
through the login form and posts with the page's CSRF token."""

from __future__ import annotations

import functools
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from api.app import create_app
from engine.accounts.passwords import hash_password
from engine.accounts.service import add_user
from engine.config import Settings
from engine.roles import Role
from engine.services import Services, build_services
from tests.factories import deploy_bundle, make_tenant, wams_bundle

TENANT = "utrecht"
OTHER = "amersfoort"
PASSWORD = "correct horse battery"
PARTIES = {Role.PARTY_CONTACT: "wijkteam", Role.MEDICAL_PROFESSIONAL: "ggz_instelling"}


@functools.cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


@pytest.fixture
def services(db, clock, tmp_path) -> Services:
    settings = Settings.from_env(
        {}, instance_path=tmp_path, env="test", scheduler="off", secret_key="web-test"
    )
    return build_services(settings, database=db, clock=clock)


@pytest.fixture
def app(services, uow) -> Flask:
    for tenant in (TENANT, OTHER):
        make_tenant(uow, tenant)
        with uow() as unit:
            for role in Role:
                user = add_user(unit, tenant, f"{role.value}.{tenant}", roles=[role], party=PARTIES.get(role))
                user.password_hash = _password_hash()  # scrypt is slow on purpose: hash once per run
            unit.commit()
    deploy_bundle(uow, wams_bundle(), TENANT)
    app = create_app(services.settings, services=services)
    app.config["TESTING"] = True
    return app


class Browser:
    """A test client that behaves like a browser session: log in, then post forms with the CSRF token
    of the last page it saw."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.csrf = ""

    def login(self, role: Role, tenant: str = TENANT, password: str = PASSWORD) -> Any:
        page = self.client.get("/login")
        token = re.search(r'name="login_token" value="([^"]+)"', page.text)
        assert token, page.text
        return self.client.post(
            "/login",
            data={"username": f"{role.value}.{tenant}", "password": password, "login_token": token.group(1)},
        )

    def get(self, path: str, **kwargs: Any) -> Any:
        response = self.client.get(path, **kwargs)
        found = re.search(r'name="csrf-token" content="([^"]+)"', response.text or "")
        if found:
            self.csrf = found.group(1)
        return response

    def post(self, path: str, data: Any = None, *, csrf: bool = True, **kwargs: Any) -> Any:
        if not self.csrf:
            self.get("/inbox")
        form = list((data or {}).items()) if isinstance(data, dict) else list(data or [])
        if csrf:
            form.append(("csrf_token", self.csrf))
        return self.client.post(path, data=MultiDict(form), **kwargs)

    def post_json(self, path: str, body: Any) -> Any:
        if not self.csrf:
            self.get("/inbox")
        return self.client.post(path, json=body, headers={"X-CSRF-Token": self.csrf})


@pytest.fixture
def browser(app) -> Browser:
    return Browser(app.test_client())


@pytest.fixture
def other_browser(app) -> Browser:
    return Browser(app.test_client())
