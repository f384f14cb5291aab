"""The privacy endpoints in the API's authorization matrix (tests/api/test_authorization.py adds
these): method, OpenAPI route, the roles allowed, how to prepare a call, the success statuses."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from engine.privacy.policy_file import DEFAULT_POLICY
from engine.procedures.models import Fact
from engine.roles import Role
from engine.runtime.models import Task
from engine.services import Services
from engine.status import TaskStatus
from tests.api.conftest import ApiClient, start_case

ALL = frozenset(Role)
FG = frozenset({Role.PRIVACY_OFFICER})
SECURITY = frozenset({Role.PRIVACY_OFFICER, Role.ADMIN})
STAFF = frozenset({Role.MELDPUNT, Role.ASSESSOR, Role.COORDINATOR, Role.MANAGER, Role.PRIVACY_OFFICER})
REQUEST_READERS = frozenset({Role.COORDINATOR, Role.MANAGER, Role.PRIVACY_OFFICER})
HANDLERS = frozenset({Role.COORDINATOR, Role.PRIVACY_OFFICER})
COMPLAINTS = frozenset({Role.MANAGER, Role.PRIVACY_OFFICER})
FURTHER = frozenset({Role.COORDINATOR, Role.MANAGER})
PREFIX = "/api/v1/privacy"


def _created(response: Any) -> str:
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["id"])


def _request(api: ApiClient, kind: str = "inzage") -> str:
    body = {"procedure_id": start_case(api)["id"], "kind": kind, "description": "per brief"}
    return _created(api.post(f"{PREFIX}/requests", as_=Role.MELDPUNT, json=body))


def _granted(api: ApiClient, kind: str) -> str:
    request = _request(api, kind)
    decided = api.post(
        f"{PREFIX}/requests/{request}/decide",
        as_=Role.COORDINATOR,
        json={"outcome": "granted", "motivation": "Gegrond verzoek"},
    )
    assert decided.status_code == 200, decided.get_json()
    return request


def _complaint(api: ApiClient) -> str:
    body = {"complainant": "client", "nature": "bejegening", "description": "Niet teruggebeld"}
    return _created(api.post(f"{PREFIX}/complaints", as_=Role.MELDPUNT, json=body))


def _incident(api: ApiClient, assessed: bool = False) -> str:
    incident = _created(
        api.post(f"{PREFIX}/incidents", as_=Role.MELDPUNT, json={"description": "Mail verkeerd"})
    )
    if assessed:
        body = {"reported_to_ap": False, "motivation": "Geen risico: versleuteld"}
        assert (
            api.post(f"{PREFIX}/incidents/{incident}/assess", as_=Role.PRIVACY_OFFICER, json=body).status_code
            == 200
        )
    return incident


def confirmations() -> dict[str, Any]:
    return {
        c.key: {"confirmed": True, "motivation": f"Onderbouwing van {c.key}"}
        for c in DEFAULT_POLICY.further_conditions
    }


def _further_body(api: ApiClient) -> dict[str, Any]:
    return {
        "procedure_id": start_case(api)["id"],
        "purpose": "Handhaving Participatiewet",
        "recipient": "gemeente_werk_inkomen",
        "categories": ["financial"],
        "conditions": confirmations(),
    }


def _further(api: ApiClient) -> str:
    return _created(api.post(f"{PREFIX}/further-processing", as_=Role.COORDINATOR, json=_further_body(api)))


def _own_party_fact(api: ApiClient) -> tuple[str, int]:
    """A procedure in which the medical professional's party (ggz_instelling) answered."""
    procedure = start_case(api, partij="ggz_instelling")["id"]
    services: Services = api.client.application.extensions["wams"]
    for data in (
        {"clientondersteuning": "ja", "partijen": ["ggz_instelling"], "domeinen": ["ggz"]},
        {"woonsituatie": "huurwoning"},
    ):
        with services.uow() as unit:
            task_id = unit.session.scalar(
                select(Task.id).where(
                    Task.instance_id == uuid.UUID(procedure), Task.status == TaskStatus.OPEN
                )
            )
            services.runtime.complete_task(unit, "utrecht", task_id, data, "someone")
            unit.commit()
    with services.uow(readonly=True) as unit:
        fact = unit.session.scalar(
            select(Fact.id).where(Fact.procedure_id == uuid.UUID(procedure), Fact.field == "woonsituatie")
        )
    return procedure, int(fact)


def _release(api: ApiClient, role: Role | None) -> tuple[str, dict[str, Any]]:
    procedure, fact = (
        _own_party_fact(api) if role == Role.MEDICAL_PROFESSIONAL else (start_case(api)["id"], 1)
    )
    body = {"fact_ids": [fact], "decision": "share", "motivation": "Stap 1: toestemming"}
    return f"{PREFIX}/procedures/{procedure}/medical-release", {"json": body}


def _on(prepare_id: Any, suffix: str = "", **kwargs: Any) -> Any:
    return lambda a, r: (f"{PREFIX}/{suffix.format(id=prepare_id(a))}", kwargs)


REQUEST = "requests/{id}"
PRIVACY_ENDPOINTS = [
    ("GET", f"{PREFIX}/log", FG, lambda a, r: (f"{PREFIX}/log", {})),
    ("GET", f"{PREFIX}/log/verify", FG, lambda a, r: (f"{PREFIX}/log/verify", {})),
    ("GET", f"{PREFIX}/security-events", SECURITY, lambda a, r: (f"{PREFIX}/security-events", {})),
    (
        "GET",
        f"{PREFIX}/security-events/verify",
        SECURITY,
        lambda a, r: (f"{PREFIX}/security-events/verify", {}),
    ),
    (
        "POST",
        f"{PREFIX}/requests",
        STAFF,
        lambda a, r: (
            f"{PREFIX}/requests",
            {"json": {"procedure_id": start_case(a)["id"], "kind": "inzage"}},
        ),
        (201,),
    ),
    ("GET", f"{PREFIX}/requests", REQUEST_READERS, lambda a, r: (f"{PREFIX}/requests", {})),
    ("GET", f"{PREFIX}/requests/{{request_id}}", REQUEST_READERS, _on(_request, REQUEST)),
    ("POST", f"{PREFIX}/requests/{{request_id}}/start", HANDLERS, _on(_request, REQUEST + "/start")),
    (
        "POST",
        f"{PREFIX}/requests/{{request_id}}/extend",
        HANDLERS,
        _on(_request, REQUEST + "/extend", json={"reason": "Complex"}),
    ),
    (
        "POST",
        f"{PREFIX}/requests/{{request_id}}/withdraw",
        HANDLERS,
        _on(_request, REQUEST + "/withdraw", json={"reason": "Ingetrokken"}),
    ),
    (
        "POST",
        f"{PREFIX}/requests/{{request_id}}/decide",
        HANDLERS,
        _on(_request, REQUEST + "/decide", json={"outcome": "refused", "motivation": "Kennelijk ongegrond"}),
    ),
    (
        "POST",
        f"{PREFIX}/requests/{{request_id}}/lift",
        HANDLERS,
        _on(lambda a: _granted(a, "beperking"), REQUEST + "/lift", json={"reason": "Gecontroleerd"}),
    ),
    ("GET", f"{PREFIX}/requests/{{request_id}}/inzage", HANDLERS, _on(_request, REQUEST + "/inzage")),
    (
        "GET",
        f"{PREFIX}/requests/{{request_id}}/inzage.html",
        HANDLERS,
        _on(_request, REQUEST + "/inzage.html"),
    ),
    (
        "POST",
        f"{PREFIX}/procedures/{{procedure_id}}/medical-release",
        frozenset({Role.MEDICAL_PROFESSIONAL}),
        _release,
    ),
    (
        "POST",
        f"{PREFIX}/complaints",
        STAFF,
        lambda a, r: (
            f"{PREFIX}/complaints",
            {"json": {"complainant": "family", "nature": "privacy", "description": "Gegevens gedeeld"}},
        ),
        (201,),
    ),
    ("GET", f"{PREFIX}/complaints", COMPLAINTS, lambda a, r: (f"{PREFIX}/complaints", {})),
    ("GET", f"{PREFIX}/complaints/{{complaint_id}}", COMPLAINTS, _on(_complaint, "complaints/{id}")),
    (
        "POST",
        f"{PREFIX}/complaints/{{complaint_id}}/follow-up",
        COMPLAINTS,
        _on(_complaint, "complaints/{id}/follow-up", json={"text": "Gebeld"}),
    ),
    (
        "POST",
        f"{PREFIX}/complaints/{{complaint_id}}/close",
        COMPLAINTS,
        _on(_complaint, "complaints/{id}/close", json={"outcome": "gegrond", "explanation": "Excuses"}),
    ),
    (
        "POST",
        f"{PREFIX}/incidents",
        ALL,
        lambda a, r: (f"{PREFIX}/incidents", {"json": {"description": "Laptop kwijt"}}),
        (201,),
    ),
    ("GET", f"{PREFIX}/incidents", FG, lambda a, r: (f"{PREFIX}/incidents", {})),
    ("GET", f"{PREFIX}/incidents/{{incident_id}}", FG, _on(_incident, "incidents/{id}")),
    (
        "POST",
        f"{PREFIX}/incidents/{{incident_id}}/assess",
        FG,
        _on(
            _incident,
            "incidents/{id}/assess",
            json={"reported_to_ap": True, "motivation": "Risico", "ap_reference": "AP-1"},
        ),
    ),
    (
        "POST",
        f"{PREFIX}/incidents/{{incident_id}}/follow-up",
        FG,
        _on(_incident, "incidents/{id}/follow-up", json={"text": "Wachtwoord gewijzigd"}),
    ),
    (
        "POST",
        f"{PREFIX}/incidents/{{incident_id}}/close",
        FG,
        _on(lambda a: _incident(a, assessed=True), "incidents/{id}/close", json={"text": "Afgehandeld"}),
    ),
    (
        "GET",
        f"{PREFIX}/procedures/{{procedure_id}}/further-processing/conditions",
        REQUEST_READERS,
        lambda a, r: (f"{PREFIX}/procedures/{start_case(a)['id']}/further-processing/conditions", {}),
    ),
    (
        "POST",
        f"{PREFIX}/further-processing",
        FURTHER,
        lambda a, r: (f"{PREFIX}/further-processing", {"json": _further_body(a)}),
        (201,),
    ),
    (
        "GET",
        f"{PREFIX}/further-processing",
        REQUEST_READERS,
        lambda a, r: (f"{PREFIX}/further-processing", {}),
    ),
    (
        "GET",
        f"{PREFIX}/further-processing/{{request_id}}",
        REQUEST_READERS,
        _on(_further, "further-processing/{id}"),
    ),
]
