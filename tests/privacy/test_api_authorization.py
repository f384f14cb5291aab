"""The privacy endpoints' authorization matrix: every endpoint × every role (allowed or denied, 401
without a login), every privacy operation covered, and another municipality's ids answer 404."""

from __future__ import annotations

import re
import uuid

import pytest

from engine.roles import Role
from tests.api.conftest import OTHER_TENANT, ApiClient, app, services, world  # noqa: F401 - fixtures
from tests.privacy.endpoints import PRIVACY_ENDPOINTS, _complaint, _further, _incident, _request

BLUEPRINTS = {"privacy", "registers"}


@pytest.fixture
def api(app, world) -> ApiClient:  # noqa: F811 - the API tests' client around their world
    return ApiClient(app.test_client())


@pytest.mark.parametrize("spec", PRIVACY_ENDPOINTS, ids=lambda s: f"{s[0]} {s[1]}")
def test_every_role_is_allowed_or_denied(api, spec):
    method, _route, allowed, prepare, *rest = spec
    success = rest[0] if rest else (200,)
    for role in [None, *Role]:
        path, kwargs = prepare(api, role)
        response = api.call(method, path, as_=role, **kwargs)
        expected = (401,) if role is None else success if role in allowed else (403,)
        assert response.status_code in expected, (
            method,
            path,
            role,
            response.status_code,
            response.get_json(),
        )
        if response.status_code >= 400:
            assert response.headers["Content-Type"] == "application/problem+json"


def test_the_matrix_covers_every_privacy_operation(app):  # noqa: F811
    operations = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in BLUEPRINTS:
            continue
        route = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        operations |= {(m, route) for m in rule.methods or () if m not in {"HEAD", "OPTIONS"}}
    assert {(s[0], s[1]) for s in PRIVACY_ENDPOINTS} == operations
    assert len(PRIVACY_ENDPOINTS) == len(operations)


def test_another_municipalitys_ids_are_404(api):
    theirs = {
        "requests": _request(api),
        "complaints": _complaint(api),
        "incidents": _incident(api),
        "further-processing": _further(api),
    }
    readers = {
        "requests": Role.COORDINATOR,
        "complaints": Role.MANAGER,
        "incidents": Role.PRIVACY_OFFICER,
        "further-processing": Role.COORDINATOR,
    }
    for kind, identifier in theirs.items():
        for candidate in (identifier, str(uuid.uuid4())):
            response = api.get(f"/api/v1/privacy/{kind}/{candidate}", as_=readers[kind], tenant=OTHER_TENANT)
            assert response.status_code == 404, (kind, response.get_json())
        assert api.get(f"/api/v1/privacy/{kind}/{identifier}", as_=readers[kind]).status_code == 200
