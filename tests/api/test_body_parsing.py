"""Every body is parsed safely: a lone surrogate, JSON nested 1,000 deep (or 100,000), NaN and
malformed JSON are a 400 problem on every route that takes a body, the unauthenticated login too,
and nothing of such a request is stored."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter, Rule, UUIDConverter

from engine.procedures.models import Procedure
from engine.roles import Role
from tests.api.conftest import ApiClient, token_of, username

BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
SURROGATE = '{"username": "\\ud800", "password": "x", "name": "a\\udfffb", "data": {"naam": "\\ud800"}}'
SURROGATE_KEY = '{"\\ud800": 1}'
DEEP = '{"data": ' + "[" * 1000 + "]" * 1000 + "}"
DEEPER = "[" * 100_000 + "]" * 100_000
NAN = '{"data": {"bedrag": NaN}}'
BAD_BODIES = {
    "surrogate": SURROGATE,
    "surrogate key": SURROGATE_KEY,
    "deep": DEEP,
    "deeper": DEEPER,
    "nan": NAN,
}


def _example_path(rule: Rule) -> str:
    values: dict[str, object] = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[name] = 1
        elif isinstance(converter, UUIDConverter):
            values[name] = uuid.uuid4()
        else:
            values[name] = "x"
    path = rule.rule
    for name, value in values.items():
        path = path.replace(f"<{name}>", str(value))
        for part in path.split("<")[1:]:  # converters with a type or arguments: <int(max=…):name>
            spec = part.split(">")[0]
            if spec.endswith(f":{name}"):
                path = path.replace(f"<{spec}>", str(value))
    return path


def routes_with_a_body(app: Flask) -> Iterator[tuple[str, str]]:
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & BODY_METHODS):
            yield method, _example_path(rule)


def test_every_route_that_takes_a_body_refuses_unsafe_json_with_a_problem(app, api: ApiClient):
    routes = list(routes_with_a_body(app))
    assert len(routes) > 30 and ("POST", "/api/v1/session") in routes  # the url_map, not a hand-made list
    admin = {"Authorization": f"Bearer {token_of(username(Role.ADMIN))}"}
    failures = []
    for method, path in routes:
        assert "<" not in path, path
        for headers in ({}, admin):  # without a login (as the login itself), and with one
            for kind, body in BAD_BODIES.items():
                response = api.client.open(
                    path, method=method, data=body, content_type="application/json", headers=headers
                )
                problem = response.get_json(silent=True) or {}
                if (
                    response.status_code != 400
                    or response.mimetype != "application/problem+json"
                    or problem.get("code") != "invalid_body"
                ):
                    failures.append(
                        (method, path, kind, bool(headers), response.status_code, problem.get("code"))
                    )
    assert failures == []


def test_the_problem_says_what_is_wrong_in_the_readers_language(api: ApiClient):
    response = api.client.post("/api/v1/session", data=SURROGATE, content_type="application/json")
    problem = response.get_json()
    assert problem["title"] == "De inhoud van het verzoek is geen geldige JSON"
    assert problem["errors"][0]["field"] == "(body)" and "surrogate" in problem["detail"]
    response = api.client.post("/api/v1/session?lang=en", data=DEEP, content_type="application/json")
    assert response.get_json()["title"] == "The request body is not valid JSON"
    assert "nested deeper than 64 levels" in response.get_json()["detail"]


@pytest.mark.parametrize("kind", ["surrogate", "deep"])
def test_a_melding_with_unsafe_json_stores_nothing(api: ApiClient, world, kind):
    inner = '"\\ud800"' if kind == "surrogate" else "[" * 1000 + "]" * 1000
    body = (
        '{"process_id": "api_case", "data": {"ingang": "professional", "client": {"naam": '
        + inner
        + ', "bsn": "111222333"}, "zorgen": "x", "partij": "wijkteam"}}'
    )
    response = api.post("/api/v1/procedures", as_=Role.MELDPUNT, data=body, content_type="application/json")
    assert response.status_code == 400, response.get_json()
    with world.uow(readonly=True) as unit:
        assert unit.session.scalar(select(func.count()).select_from(Procedure)) == 0


def test_ordinary_json_still_works(api: ApiClient):
    response = api.post("/api/v1/tokens", as_=Role.ADMIN, json={"name": "laptop ✓ ünïcode 😀"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["name"] == "laptop ✓ ünïcode 😀"
