"""The authorization matrix: every endpoint × every role (allowed or denied, and 401 without a login),
and for every resource with an id: another municipality's id answers 404 exactly like an id that does
not exist."""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from engine.roles import Role
from tests.api.conftest import OTHER_TENANT, TENANT, ApiClient, add_account, start_case, start_three
from tests.factories import FIXTURES

ALL = frozenset(Role)
READERS = frozenset(ALL - {Role.PARTY_CONTACT, Role.MEDICAL_PROFESSIONAL})
CASE_READERS = frozenset({Role.MELDPUNT, Role.ASSESSOR, Role.COORDINATOR, Role.MANAGER, Role.PRIVACY_OFFICER})
STARTERS = frozenset({Role.MELDPUNT, Role.ASSESSOR, Role.COORDINATOR})
STEERING = frozenset({Role.COORDINATOR, Role.MANAGER})
COLLEAGUE = "meldpunt2"


def _bundle_zip() -> io.BytesIO:
    root = FIXTURES / "bundles" / "three_tasks"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in root.rglob("*"):
            if path.is_file():
                archive.writestr(path.relative_to(root).as_posix(), path.read_bytes())
    buffer.seek(0)
    return buffer


def _upload() -> dict[str, Any]:
    return {"data": {"file": (_bundle_zip(), "bundle.zip")}, "content_type": "multipart/form-data"}


def _first_task(api: ApiClient, tenant: str = TENANT) -> str:
    procedure = start_three(api, tenant)
    [task] = api.get(
        f"/api/v1/tasks?scope=all&procedure_id={procedure['id']}", as_=Role.MANAGER, tenant=tenant
    ).get_json()["items"]
    return str(task["id"])


def _claimed_task(api: ApiClient, tenant: str = TENANT) -> str:
    task = _first_task(api, tenant)
    assert api.post(f"/api/v1/tasks/{task}/claim", as_=Role.MELDPUNT, tenant=tenant).status_code == 200
    return task


def _own_token(api: ApiClient, role: Role | None, tenant: str = TENANT) -> int:
    as_ = role or Role.MELDPUNT
    tokens = api.get("/api/v1/tokens", as_=as_, tenant=tenant).get_json()
    return int(tokens[0]["id"])


Prepare = Callable[[ApiClient, "Role | None"], tuple[str, dict[str, Any]]]


@dataclass(frozen=True)
class Endpoint:
    method: str
    route: str  # as the OpenAPI document names it
    allowed: frozenset[Role]
    prepare: Prepare
    success: tuple[int, ...] = (200,)

    @property
    def name(self) -> str:
        return f"{self.method} {self.route}"


def fixed(path: str, **kwargs: Any) -> Prepare:
    return lambda a, r: (path, kwargs)


E = Endpoint
ENDPOINTS = [
    E("GET", "/api/v1/session", ALL, fixed("/api/v1/session")),
    E("GET", "/api/v1/me", ALL, fixed("/api/v1/me")),
    E("DELETE", "/api/v1/session", ALL, fixed("/api/v1/session"), (204,)),
    E("GET", "/api/v1/tokens", ALL, fixed("/api/v1/tokens")),
    E("POST", "/api/v1/tokens", ALL, fixed("/api/v1/tokens", json={"name": "x"}), (201,)),
    E(
        "DELETE",
        "/api/v1/tokens/{token_id}",
        ALL,
        lambda a, r: (f"/api/v1/tokens/{_own_token(a, r)}", {}),
        (204,),
    ),
    E(
        "GET",
        "/api/v1/users",
        frozenset({Role.ADMIN, Role.MANAGER, Role.COORDINATOR}),
        fixed("/api/v1/users"),
    ),
    E(
        "POST",
        "/api/v1/users",
        frozenset({Role.ADMIN}),
        lambda a, r: (
            "/api/v1/users",
            {"json": {"username": f"new-{uuid.uuid4().hex[:8]}", "roles": ["meldpunt"]}},
        ),
        (201,),
    ),
    E("GET", "/api/v1/process-definitions", READERS, fixed("/api/v1/process-definitions")),
    E(
        "POST",
        "/api/v1/process-definitions",
        frozenset({Role.PROCESS_DESIGNER}),
        lambda a, r: ("/api/v1/process-definitions", _upload()),
        (201,),
    ),
    E(
        "POST",
        "/api/v1/process-definitions/validate",
        frozenset({Role.PROCESS_DESIGNER}),
        lambda a, r: ("/api/v1/process-definitions/validate", _upload()),
    ),
    E(
        "GET",
        "/api/v1/role-mapping",
        frozenset({Role.ADMIN, Role.PROCESS_DESIGNER, Role.MANAGER}),
        fixed("/api/v1/role-mapping"),
    ),
    E(
        "PUT",
        "/api/v1/role-mapping",
        frozenset({Role.ADMIN, Role.PROCESS_DESIGNER}),
        fixed("/api/v1/role-mapping", json={"mapping": {"accounting": "assessor"}}),
    ),
    E(
        "GET",
        "/api/v1/process-definitions/{process_id}/versions/{version}",
        READERS,
        fixed("/api/v1/process-definitions/three_tasks/versions/1"),
    ),
    E(
        "GET",
        "/api/v1/process-definitions/{process_id}/versions/{version}/bpmn",
        READERS,
        fixed("/api/v1/process-definitions/three_tasks/versions/1/bpmn"),
    ),
    E(
        "GET",
        "/api/v1/process-definitions/{process_id}/start-form",
        frozenset({Role.MELDPUNT, Role.ASSESSOR, Role.COORDINATOR, Role.PROCESS_DESIGNER}),
        fixed("/api/v1/process-definitions/api_case/start-form"),
    ),
    E(
        "POST",
        "/api/v1/procedures",
        STARTERS,
        fixed("/api/v1/procedures", json={"process_id": "three_tasks"}),
        (201,),
    ),
    E(
        "GET",
        "/api/v1/procedures",
        CASE_READERS | {Role.PARTY_CONTACT, Role.MEDICAL_PROFESSIONAL},
        fixed("/api/v1/procedures"),
    ),
    E(
        "GET",
        "/api/v1/procedures/{procedure_id}",
        CASE_READERS,
        lambda a, r: (f"/api/v1/procedures/{start_case(a)['id']}", {}),
    ),
    E(
        "POST",
        "/api/v1/procedures/{procedure_id}/cancel",
        STEERING,
        lambda a, r: (f"/api/v1/procedures/{start_case(a)['id']}/cancel", {"json": {"reason": "x"}}),
    ),
    E(
        "POST",
        "/api/v1/procedures/{procedure_id}/messages/{name}",
        STEERING,
        lambda a, r: (f"/api/v1/procedures/{start_case(a)['id']}/messages/client_withdraws", {"json": {}}),
    ),
    E("GET", "/api/v1/tasks", ALL, fixed("/api/v1/tasks?scope=all")),
    E(
        "GET",
        "/api/v1/tasks/{task_id}",
        frozenset({Role.MELDPUNT, Role.MANAGER}),
        lambda a, r: (f"/api/v1/tasks/{_first_task(a)}", {}),
    ),
    E(
        "POST",
        "/api/v1/tasks/{task_id}/claim",
        frozenset({Role.MELDPUNT}),
        lambda a, r: (f"/api/v1/tasks/{_first_task(a)}/claim", {}),
    ),
    E(
        "POST",
        "/api/v1/tasks/{task_id}/release",
        frozenset({Role.MELDPUNT, Role.MANAGER}),
        lambda a, r: (f"/api/v1/tasks/{_claimed_task(a)}/release", {"json": {"reason": "x"}}),
    ),
    E(
        "POST",
        "/api/v1/tasks/{task_id}/assign",
        frozenset({Role.MELDPUNT, Role.MANAGER}),
        lambda a, r: (
            f"/api/v1/tasks/{_first_task(a)}/assign",
            {"json": {"username": COLLEAGUE, "reason": "x"}},
        ),
    ),
    E(
        "POST",
        "/api/v1/tasks/{task_id}/complete",
        frozenset({Role.MELDPUNT}),
        lambda a, r: (f"/api/v1/tasks/{_first_task(a)}/complete", {"json": {"data": {"akkoord": True}}}),
    ),
    E(
        "GET",
        "/api/v1/monitoring/indicators",
        frozenset({Role.MANAGER}),
        fixed("/api/v1/monitoring/indicators"),
    ),
    E(
        "GET",
        "/api/v1/monitoring/indicators.csv",
        frozenset({Role.MANAGER}),
        fixed("/api/v1/monitoring/indicators.csv"),
    ),
    E(
        "GET",
        "/api/v1/monitoring/bottlenecks",
        frozenset({Role.MANAGER}),
        fixed("/api/v1/monitoring/bottlenecks"),
    ),
    E(
        "GET",
        "/api/v1/monitoring/bottlenecks.csv",
        frozenset({Role.MANAGER}),
        fixed("/api/v1/monitoring/bottlenecks.csv"),
    ),
    E(
        "GET",
        "/api/v1/monitoring/indicators/series",
        frozenset({Role.MANAGER}),
        fixed("/api/v1/monitoring/indicators/series"),
    ),
    E(
        "GET",
        "/api/v1/monitoring/indicators/series.csv",
        frozenset({Role.MANAGER}),
        fixed("/api/v1/monitoring/indicators/series.csv"),
    ),
    E(
        "GET",
        "/api/v1/monitoring/conformance",
        frozenset({Role.MANAGER}),
        fixed("/api/v1/monitoring/conformance", query_string={"entry": "three_tasks"}),
    ),
    E(
        "GET",
        "/api/v1/monitoring/eventlog.xes",
        frozenset({Role.MANAGER}),
        fixed("/api/v1/monitoring/eventlog.xes"),
    ),
    E(
        "GET",
        "/api/v1/monitoring/eventlog.jsonocel",
        frozenset({Role.MANAGER}),
        fixed("/api/v1/monitoring/eventlog.jsonocel"),
    ),
    E("GET", "/metrics", frozenset({Role.ADMIN, Role.MANAGER}), fixed("/metrics")),
]
PUBLIC = {
    ("POST", "/api/v1/session"),
    ("GET", "/api/v1/session/oidc"),
    ("GET", "/api/v1/session/oidc/callback"),
    ("GET", "/healthz"),
}


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_every_role_is_allowed_or_denied(api, world, endpoint):
    add_account(world.uow, COLLEAGUE, TENANT, [Role.MELDPUNT])
    outcomes = {}
    for role in [None, *Role]:
        path, kwargs = endpoint.prepare(api, role)
        response = api.call(endpoint.method, path, as_=role, **kwargs)
        outcomes[role] = response.status_code
        if role is None:
            expected: tuple[int, ...] = (401,)
        elif role in endpoint.allowed:
            expected = endpoint.success
        else:
            expected = (403,)
        assert response.status_code in expected, (
            endpoint.name,
            role,
            response.status_code,
            response.get_json(),
        )
        if response.status_code >= 400:
            assert response.headers["Content-Type"] == "application/problem+json"
    assert set(outcomes.values()) >= {401}


# Blueprints whose every operation must be in the matrix: the API's own, and any blueprint that
# contributes rows (e.g. the privacy core's).
BLUEPRINTS = {"accounts", "process_definitions", "procedures", "tasks", "monitoring", "health"}


def test_the_matrix_covers_every_operation_of_its_blueprints(app):
    operations: dict[tuple[str, str], str] = {}
    for rule in app.url_map.iter_rules():
        route = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        for method in rule.methods or ():
            if method not in {"HEAD", "OPTIONS"}:
                operations[(method, route)] = rule.endpoint.split(".")[0]
    rows = {(e.method, e.route) for e in ENDPOINTS}
    assert rows <= set(operations), rows - set(operations)
    covered = BLUEPRINTS | {operations[row] for row in rows}
    expected = {op for op, blueprint in operations.items() if blueprint in covered} - PUBLIC
    assert rows == expected, expected - rows
    assert len(ENDPOINTS) == len({e.name for e in ENDPOINTS})


@pytest.mark.parametrize(
    "path",
    ["/healthz", "/api/openapi.json", "/api/docs", "/api/v1/session/oidc"],
)
def test_public_endpoints_need_no_login(api, path):
    assert api.get(path).status_code in {200, 404}  # OIDC answers 404 when it is not configured
    assert api.get(path).status_code != 401


# --- another municipality's ids ---------------------------------------------------------------------


def _other_tenant_ids(api: ApiClient, world) -> dict[str, str]:
    """Resources that exist only in the other municipality."""
    procedure = start_case(api, OTHER_TENANT)
    task = _first_task(api, OTHER_TENANT)
    root = FIXTURES / "bundles" / "three_tasks"
    unique = (root / "three_tasks.bpmn").read_bytes().replace(b'id="three_tasks"', b'id="only_there"')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("only_there.bpmn", unique)
        archive.writestr("forms/step.json", (root / "forms" / "step.json").read_bytes())
    buffer.seek(0)
    response = api.post(
        "/api/v1/process-definitions",
        as_=Role.PROCESS_DESIGNER,
        tenant=OTHER_TENANT,
        data={"file": (buffer, "only_there.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    token = _own_token(api, Role.ADMIN, OTHER_TENANT)
    return {"procedure": procedure["id"], "task": task, "process": "only_there", "token": str(token)}


CROSS_TENANT = [
    ("GET", "/api/v1/procedures/{procedure}", Role.COORDINATOR, {}),
    ("POST", "/api/v1/procedures/{procedure}/cancel", Role.COORDINATOR, {"json": {"reason": "x"}}),
    ("POST", "/api/v1/procedures/{procedure}/messages/client_withdraws", Role.COORDINATOR, {"json": {}}),
    ("GET", "/api/v1/tasks/{task}", Role.MANAGER, {}),
    ("POST", "/api/v1/tasks/{task}/claim", Role.MELDPUNT, {}),
    ("POST", "/api/v1/tasks/{task}/release", Role.MANAGER, {"json": {}}),
    ("POST", "/api/v1/tasks/{task}/assign", Role.MANAGER, {"json": {"username": COLLEAGUE, "reason": "x"}}),
    ("POST", "/api/v1/tasks/{task}/complete", Role.MELDPUNT, {"json": {"data": {"akkoord": True}}}),
    ("GET", "/api/v1/process-definitions/{process}/versions/1", Role.PROCESS_DESIGNER, {}),
    ("GET", "/api/v1/process-definitions/{process}/versions/1/bpmn", Role.PROCESS_DESIGNER, {}),
    ("GET", "/api/v1/process-definitions/{process}/start-form", Role.MELDPUNT, {}),
    ("DELETE", "/api/v1/tokens/{token}", Role.ADMIN, {}),
]


def test_another_municipalitys_ids_are_404_like_ids_that_do_not_exist(api, world):
    add_account(world.uow, COLLEAGUE, TENANT, [Role.MELDPUNT])
    ids = _other_tenant_ids(api, world)
    missing = {
        "procedure": str(uuid.uuid4()),
        "task": str(uuid.uuid4()),
        "process": "no_such_process",
        "token": "987654",
    }
    for method, template, role, kwargs in CROSS_TENANT:
        foreign = api.call(method, template.format(**ids), as_=role, **kwargs)
        absent = api.call(method, template.format(**missing), as_=role, **kwargs)
        assert foreign.status_code == absent.status_code == 404, (template, foreign.get_json())
        strip = lambda body: {k: v for k, v in body.items() if k not in {"instance", "detail"}}  # noqa: E731
        assert strip(foreign.get_json()) == strip(absent.get_json()), template
    # …and the resources are really there for their own municipality.
    assert (
        api.get(
            f"/api/v1/procedures/{ids['procedure']}", as_=Role.COORDINATOR, tenant=OTHER_TENANT
        ).status_code
        == 200
    )
    assert api.get(f"/api/v1/tasks/{ids['task']}", as_=Role.MANAGER, tenant=OTHER_TENANT).status_code == 200
    listed = api.get("/api/v1/procedures", as_=Role.MANAGER).get_json()
    assert ids["procedure"] not in {p["id"] for p in listed["items"]}
    inbox = api.get("/api/v1/tasks?scope=all", as_=Role.MANAGER).get_json()
    assert ids["task"] not in {t["id"] for t in inbox["items"]}
