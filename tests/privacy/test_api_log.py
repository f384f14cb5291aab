"""Log completeness over HTTP: every API operation that returns personal data writes the processing-log
lines it must (one per data subject, with the request's trace id), and an operation whose response
carries personal data but has no such test here fails the guard below."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import select

from engine.privacy.models import ProcessingLogEntry
from engine.procedures.models import DataSubject
from engine.roles import Role
from tests.api.conftest import TENANT, ApiClient, app, services, start_case, username, world  # noqa: F401 - fixtures

# Response schemas that carry personal data (values of facts, a subject's request or complaint).
PERSONAL_SCHEMAS = {"Case", "Fact", "Subject", "Inzage", "Request", "Complaint"}
# Every operation returning personal data, and the test below that checks its log lines.
LOGGED = {
    ("GET", "/api/v1/tasks/{task_id}"): "test_task_detail_logs_each_subject_it_shows",
    ("GET", "/api/v1/procedures/{procedure_id}"): "test_procedure_detail_logs_each_subject_it_shows",
    ("GET", "/api/v1/privacy/requests/{request_id}"): "test_gdpr_request_detail_and_inzage_are_logged",
    ("GET", "/api/v1/privacy/requests/{request_id}/inzage"): "test_gdpr_request_detail_and_inzage_are_logged",
    (
        "GET",
        "/api/v1/privacy/requests/{request_id}/inzage.html",
    ): "test_gdpr_request_detail_and_inzage_are_logged",
    ("GET", "/api/v1/privacy/complaints/{complaint_id}"): "test_complaint_detail_is_logged",
}
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.fixture
def api(app, world) -> ApiClient:  # noqa: F811
    return ApiClient(app.test_client())


def _lines(services, after: int = 0) -> list[ProcessingLogEntry]:  # noqa: F811
    with services.uow(readonly=True) as unit:
        return list(
            unit.session.scalars(
                select(ProcessingLogEntry)
                .where(ProcessingLogEntry.tenant_id == TENANT, ProcessingLogEntry.seq > after)
                .order_by(ProcessingLogEntry.seq)
            )
        )


def _seq(services) -> int:  # noqa: F811
    lines = _lines(services)
    return lines[-1].seq if lines else 0


def _pseudonyms(services, procedure_id: str) -> dict[str, str]:  # noqa: F811
    with services.uow(readonly=True) as unit:
        return {
            s.key: s.pseudonym
            for s in unit.session.scalars(
                select(DataSubject).where(DataSubject.procedure_id == uuid.UUID(procedure_id))
            )
        }


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[-1]} if "$ref" in node else set()
        return found.union(*(_refs(v) for v in node.values())) if node else found
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node)) if node else set()
    return set()


def test_every_operation_returning_personal_data_has_a_log_test(api):
    document = api.get("/api/openapi.json").get_json()
    schemas = document["components"]["schemas"]

    def closure(names: set[str]) -> set[str]:
        seen: set[str] = set()
        todo = list(names)
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo.extend(_refs(schemas.get(name, {})))
        return seen

    personal = set()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            ok = {k: v for k, v in operation.get("responses", {}).items() if k.startswith("2")}
            if closure(_refs(ok)) & PERSONAL_SCHEMAS:
                personal.add((method.upper(), path))
    assert personal | {("GET", "/api/v1/privacy/requests/{request_id}/inzage.html")} == set(LOGGED)
    assert set(LOGGED.values()) <= set(globals())


def test_task_detail_logs_each_subject_it_shows(api, services):  # noqa: F811
    procedure = start_case(api)
    task = api.get(f"/api/v1/tasks?scope=all&procedure_id={procedure['id']}", as_=Role.MELDPUNT).get_json()
    task_id = task["items"][0]["id"]
    before = _seq(services)
    response = api.get(f"/api/v1/tasks/{task_id}", as_=Role.MELDPUNT, headers={"traceparent": TRACEPARENT})
    assert response.status_code == 200
    shown = [s for s in response.get_json()["context"]["subjects"] if s["facts"]]
    lines = _lines(services, before)
    assert [(line.subject_pseudonym, line.fact_count) for line in lines] == [
        (s["pseudonym"], len(s["facts"])) for s in shown
    ]
    [line] = lines
    assert (line.operation, line.actor, line.roles, line.party) == (
        "read",
        username(Role.MELDPUNT),
        "meldpunt",
        None,
    )
    assert line.procedure_id is not None and str(line.procedure_id) == procedure["id"]
    assert line.categories == sorted({f["category"] for f in shown[0]["facts"]})
    assert line.purpose and line.trace_id == "0af7651916cd43dd8448eb211c80319c"
    assert response.headers["X-Trace-Id"] == line.trace_id
    assert line.action == "GET /api/v1/tasks/<uuid:task_id>"


@contextmanager
def _log_refuses_lines(services):  # noqa: F811
    """A real database that refuses new processing-log lines (a trigger), as a full disk or a revoked
    grant would; removed afterwards."""
    postgres = services.database.dialect == "postgresql"
    create = (
        [
            "CREATE FUNCTION refuse_log_line() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'log refused'; END $$",
            "CREATE TRIGGER refuse_log_line BEFORE INSERT ON processing_log "
            "FOR EACH ROW EXECUTE FUNCTION refuse_log_line()",
        ]
        if postgres
        else [
            "CREATE TRIGGER refuse_log_line BEFORE INSERT ON processing_log "
            "BEGIN SELECT RAISE(ABORT, 'log refused'); END"
        ]
    )
    drop = ["DROP TRIGGER refuse_log_line ON processing_log", "DROP FUNCTION refuse_log_line()"]
    with services.database.engine.begin() as connection:
        for statement in create:
            connection.exec_driver_sql(statement)
    try:
        yield
    finally:
        with services.database.engine.begin() as connection:
            for statement in drop if postgres else ["DROP TRIGGER refuse_log_line"]:
                connection.exec_driver_sql(statement)


def test_a_read_whose_log_line_cannot_be_written_hands_out_nothing(api, services):  # noqa: F811
    marker = f"Onlogbaar {uuid.uuid4().hex[:10]}"
    procedure = start_case(api, client={"naam": marker, "bsn": "111222333"})
    before = _seq(services)
    with _log_refuses_lines(services):
        response = api.get(f"/api/v1/procedures/{procedure['id']}", as_=Role.COORDINATOR)
        assert response.status_code == 500
        assert response.content_type == "application/problem+json"
        assert marker not in response.get_data(as_text=True)
    assert _lines(services, before) == []
    # Nothing was left half-done: the head still fits the chain, and the next read logs as usual.
    response = api.get(f"/api/v1/procedures/{procedure['id']}", as_=Role.COORDINATOR)
    assert response.status_code == 200 and marker in response.get_data(as_text=True)
    [line] = _lines(services, before)
    assert line.seq == before + 1


def test_procedure_detail_logs_each_subject_it_shows(api, services):  # noqa: F811
    procedure = start_case(api)
    pseudonyms = _pseudonyms(services, procedure["id"])
    before = _seq(services)
    response = api.get(f"/api/v1/procedures/{procedure['id']}", as_=Role.COORDINATOR)
    assert response.status_code == 200
    [line] = _lines(services, before)
    assert (line.subject_pseudonym, line.subject_kind) == (pseudonyms["client"], "client")
    assert line.trace_id == response.headers["X-Trace-Id"]
    # The privacy officer reads the procedure but sees no case data: nothing disclosed, nothing logged.
    before = _seq(services)
    assert api.get(f"/api/v1/procedures/{procedure['id']}", as_=Role.PRIVACY_OFFICER).status_code == 200
    assert _lines(services, before) == []


def test_a_party_reading_its_task_is_logged_as_a_disclosure(api, services):  # noqa: F811
    procedure = start_case(api)
    [intake] = api.get(
        f"/api/v1/tasks?scope=all&procedure_id={procedure['id']}", as_=Role.MELDPUNT
    ).get_json()["items"]
    data = {"clientondersteuning": "ja", "partijen": ["wijkteam"], "domeinen": ["wonen"]}
    assert (
        api.post(f"/api/v1/tasks/{intake['id']}/complete", as_=Role.MELDPUNT, json={"data": data}).status_code
        == 200
    )
    [answer] = api.get("/api/v1/tasks?scope=available", as_=Role.PARTY_CONTACT).get_json()["items"]
    before = _seq(services)
    assert api.get(f"/api/v1/tasks/{answer['id']}", as_=Role.PARTY_CONTACT).status_code == 200
    [line] = _lines(services, before)
    assert (line.operation, line.party, line.categories) == ("disclose", "wijkteam", ["general"])


def test_gdpr_request_detail_and_inzage_are_logged(api, services):  # noqa: F811
    procedure = start_case(api)
    client = _pseudonyms(services, procedure["id"])["client"]
    api.get(f"/api/v1/procedures/{procedure['id']}", as_=Role.COORDINATOR)
    created = api.post(
        "/api/v1/privacy/requests",
        as_=Role.MELDPUNT,
        json={"procedure_id": procedure["id"], "kind": "inzage", "description": "Brief van de cliënt"},
    )
    assert created.status_code == 201 and "description" not in created.get_json()
    request_id = created.get_json()["id"]
    before = _seq(services)
    detail = api.get(f"/api/v1/privacy/requests/{request_id}", as_=Role.COORDINATOR)
    assert detail.get_json()["description"] == "Brief van de cliënt"
    [line] = _lines(services, before)
    assert (line.operation, line.subject_pseudonym, line.categories, line.legal_grounds) == (
        "read",
        client,
        ["avg_verzoek"],
        ["AVG art. 15"],
    )
    before = _seq(services)
    export = api.get(f"/api/v1/privacy/requests/{request_id}/inzage", as_=Role.PRIVACY_OFFICER).get_json()
    # Collection at the melding is a processing too, listed first.
    assert [p["operation"] for p in export["processing"]] == ["collect", "read", "read"]
    assert {d["field"]: d["value"] for d in export["data"]}["bsn"] == "111222333"
    page = api.get(f"/api/v1/privacy/requests/{request_id}/inzage.html", as_=Role.COORDINATOR)
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "Sanne Bakker" in html and "Inzage in uw gegevens" in html and "Gemeente" in html
    lines = _lines(services, before)
    assert [(line.operation, line.subject_pseudonym, line.actor) for line in lines] == [
        ("export", client, username(Role.PRIVACY_OFFICER)),
        ("export", client, username(Role.COORDINATOR)),
    ]
    assert all(line.legal_grounds == ["AVG art. 15"] for line in lines)


def test_complaint_detail_is_logged(api, services):  # noqa: F811
    procedure = start_case(api)
    body = {
        "complainant": "client",
        "nature": "gegevensdeling",
        "description": "Mijn gegevens zijn met de school gedeeld",
        "procedure_id": procedure["id"],
        "subject": "client",
    }
    created = api.post("/api/v1/privacy/complaints", as_=Role.MELDPUNT, json=body)
    assert created.status_code == 201 and "description" not in created.get_json()
    before = _seq(services)
    detail = api.get(f"/api/v1/privacy/complaints/{created.get_json()['id']}", as_=Role.MANAGER)
    assert detail.get_json()["description"] == body["description"]
    [line] = _lines(services, before)
    assert (line.operation, line.categories, line.subject_pseudonym) == (
        "read",
        ["klacht"],
        _pseudonyms(services, procedure["id"])["client"],
    )
