"""The log: one JSON line per request with its id (W3C trace id, taken from `traceparent` or new),
tenant, user, route, status and duration; the request id on every line logged while it runs; and no
personal value of a procedure anywhere in it — a marker planted in every field of a melding and of
each task form is looked for in everything logged while the procedure is started, read, completed
(wrongly first), escalated and erased from view."""

from __future__ import annotations

import io
import json
import logging
import re
import uuid
from collections.abc import Iterator

import pytest

from engine.logs import configure_logging
from engine.roles import Role
from engine.scheduler.runner import Scheduler
from tests.api.conftest import PARTIES, add_account

BSN = "111222333"  # a valid BSN: the form checks it, so it cannot be a marker of its own


def _marker(field: str) -> str:
    return f"mrk-{field}-{uuid.uuid4().hex[:12]}"


@pytest.fixture(params=["INFO", "DEBUG"])
def log_output(request) -> Iterator[io.StringIO]:
    """What the service logs, as production writes it (JSON), at the default level and at DEBUG."""
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    # As in a fresh process, whatever ran before in this one.
    for name in ("spiff", "spiff.task"):
        logging.getLogger(name).setLevel(logging.NOTSET)
    configure_logging(request.param, "json", stream=stream)
    yield stream
    for handler in [h for h in root.handlers if getattr(h, "wams_handler", False)]:
        root.removeHandler(handler)
    root.setLevel(level)


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_no_personal_value_of_a_procedure_reaches_the_log(api, world, services, clock, log_output):
    markers = {
        name: _marker(name)
        for name in ("naam", "zorgen", "toelichting", "domein", "woonsituatie", "onbekend", "te_lang")
    }
    melding = {
        "ingang": "professional",
        "client": {"naam": markers["naam"], "bsn": BSN},
        "zorgen": markers["zorgen"],
        "partij": "wijkteam",
    }
    started = api.post(
        "/api/v1/procedures", as_=Role.MELDPUNT, json={"process_id": "api_case", "data": melding}
    )
    assert started.status_code == 201, started.get_json()
    procedure_id = started.get_json()["id"]
    tasks = api.get(f"/api/v1/tasks?scope=all&procedure_id={procedure_id}", as_=Role.MELDPUNT).get_json()
    intake = tasks["items"][0]["id"]
    # Wrong first: an unknown field and a value too long, both carrying markers.
    wrong = {"clientondersteuning": "ja", markers["onbekend"]: markers["onbekend"]}
    assert (
        api.post(f"/api/v1/tasks/{intake}/complete", as_=Role.MELDPUNT, json={"data": wrong}).status_code
        == 422
    )
    too_long = {"clientondersteuning": "ja", "toelichting": markers["te_lang"] * 40}
    assert (
        api.post(f"/api/v1/tasks/{intake}/complete", as_=Role.MELDPUNT, json={"data": too_long}).status_code
        == 422
    )
    intake_data = {
        "clientondersteuning": "ja",
        "partijen": ["wijkteam"],
        "domeinen": [markers["domein"]],
        "toelichting": markers["toelichting"],
    }
    done = api.post(f"/api/v1/tasks/{intake}/complete", as_=Role.MELDPUNT, json={"data": intake_data})
    assert done.status_code == 200, done.get_json()
    assert api.get(f"/api/v1/procedures/{procedure_id}", as_=Role.COORDINATOR).status_code == 200
    answer = api.get("/api/v1/tasks?scope=available", as_=Role.PARTY_CONTACT).get_json()["items"][0]["id"]
    assert api.get(f"/api/v1/tasks/{answer}", as_=Role.PARTY_CONTACT).status_code == 200
    answered = api.post(
        f"/api/v1/tasks/{answer}/complete",
        as_=Role.PARTY_CONTACT,
        json={"data": {"woonsituatie": markers["woonsituatie"]}},
    )
    assert answered.status_code == 200, answered.get_json()
    clock.advance(days=60)  # the plan task is long overdue: the scheduler escalates
    report = Scheduler(services, mailer=None).tick()
    assert report.escalations.escalated >= 1
    plan = api.get(f"/api/v1/tasks?scope=all&procedure_id={procedure_id}", as_=Role.COORDINATOR).get_json()
    plan_id = next(t["id"] for t in plan["items"] if t["element_id"] == "plan")
    finished = api.post(
        f"/api/v1/tasks/{plan_id}/complete", as_=Role.COORDINATOR, json={"data": {"akkoord": True}}
    )
    assert finished.status_code == 200, finished.get_json()

    text = log_output.getvalue()
    requests = [line for line in _lines(log_output) if line.get("message") == "request"]
    assert len(requests) >= 10  # the log was written: the test looks at something
    for value in (*markers.values(), BSN):
        assert value not in text
    completion = next(
        r for r in requests if r["route"] == "/api/v1/tasks/<uuid:task_id>/complete" and r["status"] == 200
    )
    assert completion["tenant"] == "utrecht" and completion["user"] == "meldpunt.utrecht"
    assert completion["method"] == "POST" and completion["duration_ms"] > 0
    assert re.fullmatch(r"[0-9a-f]{32}", completion["request_id"])
    assert completion["level"] == "INFO" and completion["logger"] == "wams.request"


def test_a_request_carries_its_trace_id_into_every_line_and_the_answer(app, world, log_output):
    @app.route("/_test/logs")
    def _logs() -> str:
        logging.getLogger("engine.example").warning("inside the request")
        return "ok"

    client = app.test_client()
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    answer = client.get("/_test/logs", headers={"traceparent": f"00-{trace}-00f067aa0ba902b7-01"})
    assert answer.status_code == 200
    version, trace_id, span_id, flags = answer.headers["traceparent"].split("-")
    assert (version, trace_id, flags) == ("00", trace, "01")
    assert re.fullmatch(r"[0-9a-f]{16}", span_id) and span_id != "00f067aa0ba902b7"  # a span of its own
    lines = _lines(log_output)
    inside = next(line for line in lines if line["message"] == "inside the request")
    assert inside["request_id"] == trace
    request = next(line for line in lines if line["message"] == "request")
    assert request["request_id"] == trace and request["span_id"] == span_id
    assert request["route"] == "/_test/logs" and request["status"] == 200 and request["user"] is None
    # No traceparent, or a broken one: a new trace id, and the answer names it.
    for header in ({}, {"traceparent": "not-a-trace"}, {"traceparent": f"00-{'0' * 32}-00f067aa0ba902b7-01"}):
        fresh = client.get("/_test/logs", headers=header).headers["traceparent"].split("-")[1]
        assert re.fullmatch(r"[0-9a-f]{32}", fresh) and fresh not in {trace, "0" * 32}
    # Outside a request, nothing is bound any more.
    logging.getLogger("engine.example").warning("after the request")
    after = next(line for line in _lines(log_output) if line["message"] == "after the request")
    assert "request_id" not in after


def test_the_user_and_tenant_of_a_token_are_logged(api, world, log_output):
    token = add_account(
        world.uow, "partij.x", "utrecht", [Role.PARTY_CONTACT], party=PARTIES[Role.PARTY_CONTACT]
    )
    assert api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert api.client.get("/api/v1/me", headers={"Authorization": "Bearer wams_nope"}).status_code == 401
    lines = [line for line in _lines(log_output) if line.get("message") == "request"]
    assert [(line["status"], line["user"], line["tenant"]) for line in lines] == [
        (200, "partij.x", "utrecht"),
        (401, None, None),
    ]
