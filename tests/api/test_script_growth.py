"""Through the API: a model whose script builds a number of millions of digits in one operation is
refused at once with a problem naming the BPMN element, and the worker is free for the next request."""

from __future__ import annotations

from engine.roles import Role
from tests.api.conftest import TENANT
from tests.engine.test_sandbox import _big_number_bundle
from tests.factories import deploy_bundle


def test_the_big_number_script_is_a_problem_naming_the_element(api, world):
    deploy_bundle(world.uow, _big_number_bundle(), TENANT)
    response = api.post("/api/v1/procedures", as_=Role.MELDPUNT, json={"process_id": "groeien"})
    assert response.status_code == 422, response.get_json()
    problem = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert problem["code"] == "process_error"
    assert problem["details"] == {"element": "groei", "cause": "sandbox_violation"}
    assert "groei" in problem["detail"] and "too large" in problem["detail"]
    # Nothing was started, and the same worker answers the next request.
    listed = api.get("/api/v1/procedures", as_=Role.COORDINATOR).get_json()
    assert listed["total"] == 0
    assert api.get("/api/v1/me", as_=Role.MELDPUNT).status_code == 200
