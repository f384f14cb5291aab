"""The route guard: every page is listed with the roles that may open it, and every role opens it.
A page added without a row here fails the coverage test; a role that gets in where it should not, or
is kept out where it should get in, fails the guard."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from engine.accounts.models import User
from engine.accounts.service import add_token
from engine.roles import Role
from engine.runtime.models import Task
from tests.api.conftest import start_case  # noqa: F401 - the API's melding helper shape

from .conftest import TENANT

ALL = frozenset(Role)
STAFF = frozenset({Role.MELDPUNT, Role.ASSESSOR, Role.COORDINATOR, Role.MANAGER})
CASE_READERS = STAFF | {Role.PRIVACY_OFFICER}
DESIGN = frozenset({Role.PROCESS_DESIGNER, Role.ADMIN})
FG = frozenset({Role.PRIVACY_OFFICER})
WORKERS = ALL - {Role.PROCESS_DESIGNER, Role.ADMIN, Role.PRIVACY_OFFICER}

# Page (with {procedure} and {task} filled in) → roles that may open it (any answer below 400).
GUARD: dict[str, frozenset[Role]] = {
    "/": ALL,
    "/inbox": ALL,
    "/procedures": CASE_READERS | {Role.PARTY_CONTACT, Role.MEDICAL_PROFESSIONAL},
    "/procedures/new": frozenset({Role.MELDPUNT, Role.ASSESSOR, Role.COORDINATOR}),
    "/procedures/{procedure}": CASE_READERS,
    "/procedures/{procedure}/diagram.json": CASE_READERS,
    "/tasks/{task}": frozenset({Role.ASSESSOR, Role.MANAGER}),
    "/tasks/{task}/done": frozenset({Role.ASSESSOR, Role.MANAGER}),
    "/dashboard": frozenset({Role.MANAGER}),
    "/dashboard/heatmap.json": frozenset({Role.MANAGER}),
    "/dashboard/conformance.json": frozenset({Role.MANAGER}),
    "/designer": DESIGN,
    "/designer/wams_procedure": DESIGN,
    "/designer/wams_procedure/edit": DESIGN,
    "/designer/wams_procedure/migrate": DESIGN,
    "/designer/wams_procedure/versions/1/files/wams_procedure.bpmn": DESIGN,
    "/designer/wams_procedure/forms/melding/preview": DESIGN,
    "/privacy": FG,
    "/privacy/log": FG,
    "/privacy/medical": FG,
    "/privacy/registers": FG,
    "/privacy/requests": FG,
    "/privacy/security-events": FG | {Role.ADMIN},
    "/language/en": ALL,
    "/login": ALL,
}
# Pages every visitor may open, logged in or not, and files: not about who may see what.
OPEN = {"/healthz", "/metrics", "/static/<path:filename>", "/vendor/<string:package>/<path:path>"}


def _template(rule: str) -> str:
    return (
        rule.replace("<uuid:procedure_id>", "{procedure}")
        .replace("<uuid:task_id>", "{task}")
        .replace("<string:process_id>", "wams_procedure")
        .replace("<int:version>", "1")
        .replace("<path:path>", "wams_procedure.bpmn")
        .replace("<string:code>", "en")
        .replace("<string:key>", "melding")
    )


def test_every_page_is_in_the_guard(app) -> None:
    pages = {
        _template(rule.rule)
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and not rule.rule.startswith("/api") and rule.rule not in OPEN
    }
    assert pages == set(GUARD), (pages - set(GUARD), set(GUARD) - pages)


@pytest.fixture
def tokens(app, uow) -> dict[Role, str]:
    found = {}
    with uow() as unit:
        for role in Role:
            user = unit.session.scalar(select(User).where(User.username == f"{role.value}.{TENANT}"))
            assert user is not None
            found[role] = f"wams_guard_{role.value}"
            add_token(unit, user, "guard", created_by="tests", secret=found[role])
        unit.commit()
    return found


def test_every_role_is_let_in_or_kept_out_of_every_page(app, tokens, uow) -> None:
    client = app.test_client()

    def get(path: str, role: Role) -> int:
        return int(client.get(path, headers={"Authorization": f"Bearer {tokens[role]}"}).status_code)

    started = client.post(
        "/api/v1/procedures",
        json={"process_id": "wams_procedure", "data": MELDING},
        headers={"Authorization": f"Bearer {tokens[Role.MELDPUNT]}"},
    )
    assert started.status_code == 201, started.get_json()
    procedure = started.get_json()["id"]
    with uow(readonly=True) as unit:
        task = unit.session.scalar(select(Task.id).where(Task.instance_id == uuid.UUID(procedure)))
    wrong = []
    for page, allowed in GUARD.items():
        path = page.format(procedure=procedure, task=task)
        for role in Role:
            status = get(path, role)
            if (status < 400) != (role in allowed):
                wrong.append(f"{role.value} {path}: {status} ({'allowed' if role in allowed else 'denied'})")
    assert not wrong, "\n".join(wrong)


MELDING = {
    "ingang": "client_verzoek",
    "client": {"naam": "Guard Client", "bsn": "111222333"},
    "aanleiding": "Route guard",
    "gezinsleden": [],
}
