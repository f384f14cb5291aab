"""A municipality maps foreign group names to its roles: unmapped groups are named at deploy, mapped
ones deploy and their tasks open for the mapped role."""

from __future__ import annotations

from engine.roles import Role
from tests.api.conftest import OTHER_TENANT
from tests.interop import models
from tests.interop.drive import complete, deploy, open_tasks, start, validate


def _model() -> str:
    return models.document(
        models.gateway(
            "camunda",
            "${akkoord}",
            "${!akkoord}",
            'camunda:formKey="step" camunda:candidateGroups="accounting, finance"',
        ),
        prefix="camunda",
    )


def test_unmapped_groups_are_named_then_a_mapping_lets_the_model_run(api):
    body = validate(api, models.bundle({"m.bpmn": _model()}))
    named = [i for i in body["issues"] if i["element"] == "review"]
    assert len(named) == 1 and "'accounting', 'finance'" in named[0]["message"], body["issues"]
    assert "camunda:candidateGroups" in named[0]["message"]

    mapped = api.call(
        "PUT",
        "/api/v1/role-mapping",
        as_=Role.ADMIN,
        json={"mapping": {"accounting": "Beoordelaar", "finance": "assessor"}},
    )
    assert mapped.status_code == 200, mapped.get_json()
    assert mapped.get_json() == {"mapping": {"accounting": "assessor", "finance": "assessor"}}
    assert api.get("/api/v1/role-mapping", as_=Role.MANAGER).get_json() == mapped.get_json()
    # Another municipality's mapping is its own.
    assert api.get("/api/v1/role-mapping", as_=Role.MANAGER, tenant=OTHER_TENANT).get_json() == {
        "mapping": {}
    }
    assert deploy(api, models.bundle({"m.bpmn": _model()}), tenant=OTHER_TENANT).status_code == 422

    deployed = deploy(api, models.bundle({"m.bpmn": _model()}))
    assert deployed.status_code == 201, deployed.get_json()
    procedure = start(api, "p")
    [task] = open_tasks(api, procedure["id"])
    assert task["role"] == "assessor"
    assert complete(api, task, {"akkoord": True})["instance"]["ended"] is True


def test_a_mapping_to_no_role_is_422_naming_the_group_and_only_admins_and_designers_set_it(api):
    refused = api.call(
        "PUT", "/api/v1/role-mapping", as_=Role.ADMIN, json={"mapping": {"accounting": "wizard"}}
    )
    assert refused.status_code == 422
    [error] = refused.get_json()["errors"]
    assert (error["field"], error["code"]) == ("mapping.accounting", "unknown_role")
    assert error["message"].startswith("Dit is geen rol")
    assert api.get("/api/v1/role-mapping", as_=Role.ADMIN).get_json() == {"mapping": {}}
    forbidden = api.call(
        "PUT", "/api/v1/role-mapping", as_=Role.ASSESSOR, json={"mapping": {"a": "assessor"}}
    )
    assert forbidden.status_code == 403
