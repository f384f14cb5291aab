"""Property-based run of every operation in the generated OpenAPI document (schemathesis): no 5xx, and
every response matches the documented status codes, content types and schemas. A small example budget
per operation keeps it part of `make test`."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from engine.roles import Role
from tests.api.conftest import add_account

EXAMPLES = int(__import__("os").environ.get("WAMS_SCHEMATHESIS_EXAMPLES", "5"))
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance)


@pytest.fixture
def api_schema(app, world):
    # One account with every role, so that operations get past authorization and exercise their logic.
    token = add_account(world.uow, "everything.utrecht", "utrecht", list(Role), party="wijkteam")
    app.config["SCHEMATHESIS_TOKEN"] = token
    return schemathesis.from_wsgi("/api/openapi.json", app)


schema = schemathesis.from_pytest_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_conforms_to_its_openapi_document(case, app):
    token = app.config["SCHEMATHESIS_TOKEN"]
    headers = {"Authorization": f"Bearer {token}"}
    if case.path == "/api/v1/session" and case.method == "DELETE":
        return  # logging out a bearer token is a no-op; nothing to learn
    response = case.call(headers=headers)
    case.validate_response(response, checks=CHECKS)
