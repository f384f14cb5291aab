"""The canary: one Wams procedure driven through every phase over the REST API with a unique marker
in every free-text field of every form, then every page and API answer fetched as every account of
both municipalities, to find each marker wherever it surfaces.

Expectations come from the policy, not from this file: a marker recorded as a fact may reach an
account only where the procedure's privacy policy (the bundle's privacy-policy.yaml, evaluated by
engine.privacy) lets that account see the fact. A marker that stayed process data (a coordinator's
note, a purpose, a party's conditions) may reach only the municipality's case staff and the party
that wrote it, and a party's conditions also whoever may see that party's facts. Nobody of another
municipality, no privacy officer, designer or administrator ever sees a marker. E-mail leaves the
system for addresses nobody checks against the policy: it carries no marker at all.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from engine.access import Actor
from engine.accounts.service import add_token, add_user
from engine.clock import FrozenClock
from engine.privacy import disclosure
from engine.procedures.models import DataSubject, Fact, Procedure
from engine.roles import Role
from engine.runtime.models import Task
from engine.scheduler.escalate import sweep_escalations
from engine.scheduler.notify import Mailer
from engine.scheduler.timers import sweep_timers
from engine.services import Services
from engine.tenancy import update_tenant_settings
from engine.uow import UnitOfWork
from tests.factories import deploy_bundle, make_tenant, wams_bundle
from tests.scenarios import answers as a
from tests.scheduler.smtp_server import SmtpServer

TENANTS = ("utrecht", "amersfoort")
# Every kind of account: the municipality's roles, and parties of three kinds (a social-domain
# party, a housing corporation with an enforcement role and no special categories, a GGZ
# institution under medical confidentiality).
ACCOUNTS: dict[str, tuple[Role, str | None]] = {
    "meldpunt": (Role.MELDPUNT, None),
    "assessor": (Role.ASSESSOR, None),
    "coordinator": (Role.COORDINATOR, None),
    "manager": (Role.MANAGER, None),
    "fg": (Role.PRIVACY_OFFICER, None),
    "designer": (Role.PROCESS_DESIGNER, None),
    "admin": (Role.ADMIN, None),
    "wijkteam": (Role.PARTY_CONTACT, "wijkteam"),
    "woningcorporatie": (Role.PARTY_CONTACT, "woningcorporatie"),
    "ggz": (Role.MEDICAL_PROFESSIONAL, "ggz_instelling"),
    "ggz_contact": (Role.PARTY_CONTACT, "ggz_instelling"),
}
PARTIES = ("wijkteam", "woningcorporatie", "ggz_instelling")
# What tells one party that another takes part: its code, its name, its kind of work. On the pages
# and answers about this procedure a party meets only its own.
PARTY_TOKENS = {
    "wijkteam": ("wijkteam", "Sociaal wijkteam"),
    "woningcorporatie": ("woningcorporatie", "Woningcorporatie"),
    "ggz_instelling": ("ggz_instelling", "GGZ-instelling", "Medisch beroepsgeheim"),
}
STAFF = frozenset({Role.MELDPUNT, Role.ASSESSOR, Role.COORDINATOR, Role.MANAGER})
MARKER = re.compile(r"QZX\d{4}Q")
# A valid BSN (11-test) nobody else uses: the client's, planted like a marker.
CLIENT_BSN = "999990019"


def account(key: str, tenant: str) -> str:
    return f"{key}.{tenant}"


def token(name: str) -> str:
    return f"wams_canary_{name}"


@dataclass
class Planted:
    """Where a marker was typed: the form field, the task's element and party, who typed it."""

    marker: str
    field: str
    element: str
    party: str | None
    author: str


@dataclass
class Seen:
    account: str
    route: str
    marker: str


@dataclass
class Canary:
    app: Flask
    services: Services
    uow: Callable[..., UnitOfWork]
    clock: FrozenClock
    tenant: str = "utrecht"
    procedure_id: str = ""
    planted: dict[str, Planted] = field(default_factory=dict)
    counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    smtp: SmtpServer = field(default_factory=SmtpServer)

    # --- set-up ---------------------------------------------------------------------------------

    def setup(self) -> None:
        for tenant in TENANTS:
            make_tenant(self.uow, tenant)
            with self.uow() as unit:
                for key, (role, party) in ACCOUNTS.items():
                    user = add_user(unit, tenant, account(key, tenant), roles=[role], party=party)
                    add_token(unit, user, "canary", created_by="tests", secret=token(user.username))
                # Escalations go out by e-mail, to a team address and to the assignee's own.
                update_tenant_settings(unit, tenant, {"escalatie.email": f"teamleiders@{tenant}.example"})
                unit.commit()
            deploy_bundle(self.uow, wams_bundle(), tenant)

    def call(self, method: str, path: str, key: str, tenant: str | None = None, **kwargs: Any) -> Any:
        name = account(key, tenant or self.tenant)
        headers = {"Authorization": f"Bearer {token(name)}", **kwargs.pop("headers", {})}
        return self.app.test_client().open(path, method=method, headers=headers, **kwargs)

    # --- planting -------------------------------------------------------------------------------

    def marker(self) -> str:
        return f"QZX{next(self.counter):04d}Q"

    def plant(
        self, schema: dict[str, Any], data: dict[str, Any], element: str, party: str | None, author: str
    ) -> dict[str, Any]:
        """`data` with every free-text field of the form (filled in or not) set to a new marker."""
        return self._plant_object(schema, dict(data), element, party, author)

    def _plant_object(
        self, schema: dict[str, Any], data: dict[str, Any], element: str, party: str | None, author: str
    ) -> dict[str, Any]:
        for name, prop in (schema.get("properties") or {}).items():
            if not isinstance(prop, dict):
                continue
            kind = prop.get("type")
            if _free_text(prop):
                value = self.marker()
                self.planted[value] = Planted(value, name, element, party, author)
                data[name] = value
            elif kind == "object" and isinstance(data.get(name), dict):
                data[name] = self._plant_object(prop, dict(data[name]), element, party, author)
            elif kind == "array" and isinstance(data.get(name), list) and isinstance(prop.get("items"), dict):
                data[name] = [
                    self._plant_object(prop["items"], dict(item), element, party, author)
                    if isinstance(item, dict)
                    else item
                    for item in data[name]
                ]
        return data

    # --- driving the procedure over the API -----------------------------------------------------

    def start(self) -> None:
        melding = a.melding(ingang="melding_professional", melder={})
        melding["client"] = {**melding["client"], "bsn": CLIENT_BSN}
        response = self.call("GET", "/api/v1/process-definitions/wams_procedure/start-form", "meldpunt")
        assert response.status_code == 200, response.get_json()
        schema = response.get_json()["form"]["schema"]
        data = self.plant(schema, melding, "melding", None, account("meldpunt", self.tenant))
        started = self.call(
            "POST", "/api/v1/procedures", "meldpunt", json={"process_id": "wams_procedure", "data": data}
        )
        assert started.status_code == 201, started.get_json()
        self.procedure_id = started.get_json()["id"]

    def open_tasks(self, element: str, key: str) -> list[dict[str, Any]]:
        response = self.call(
            "GET",
            f"/api/v1/tasks?scope=all&procedure_id={self.procedure_id}&element_id={element}&page_size=50",
            key,
        )
        assert response.status_code == 200, response.get_json()
        return list(response.get_json()["items"])

    def complete(
        self,
        element: str,
        key: str,
        answers: dict[str, Any],
        *,
        party: str | None = None,
        subject: str | None = None,
    ) -> None:
        """Complete one open task of `element` as account `key`, with markers in every free-text field
        of the form as that account is shown it."""
        found = [
            t
            for t in self.open_tasks(element, key)
            if (party is None or t["party"] == party) and (subject is None or t["subject"] == subject)
        ]
        assert found, f"no open {element} for {key} ({party=}, {subject=})"
        task_id = found[0]["id"]
        detail = self.call("GET", f"/api/v1/tasks/{task_id}", key)
        assert detail.status_code == 200, detail.get_json()
        schema = (detail.get_json()["form"] or {}).get("schema") or {}
        planted = self.plant(schema, answers, element, party, account(key, self.tenant))
        # Optional fields the form rules out in this answer (e.g. a refusal's motivation when
        # sharing) come back as field errors: leave those out, they were never typed.
        for _ in range(4):
            response = self.call("POST", f"/api/v1/tasks/{task_id}/complete", key, json={"data": planted})
            if response.status_code == 200:
                return
            body = response.get_json()
            refused = {e["field"].split(".")[0].split("/")[0] for e in body.get("errors") or []}
            droppable = {f for f in refused if f in planted and f not in answers}
            assert response.status_code == 422 and droppable, (element, body)
            for name in droppable:
                self.planted.pop(str(planted.pop(name)), None)
        raise AssertionError(f"{element} was refused again and again")

    def later(self, days: int) -> None:
        self.clock.advance(timedelta(days=days))
        sweep_timers(self.services.uow, self.services.runtime, limit=100, failures={}, batch_size=10)
        settings = replace(self.services.settings, smtp_host=self.smtp.host, smtp_port=self.smtp.port)
        sweep_escalations(self.services.uow, Mailer(settings), limit=100)

    def mails(self) -> list[Seen]:
        """Every marker (and the client's BSN) in any e-mail that left, as seen by its recipients."""
        seen: list[Seen] = []
        for mail in self.smtp.received:
            text = f"{mail.message['Subject']}\n{mail.message.get_payload(decode=True).decode()}"
            found = set(MARKER.findall(text)) | ({CLIENT_BSN} if CLIENT_BSN in text else set())
            seen += [Seen(", ".join(mail.recipients), "e-mail", marker) for marker in found]
        return seen

    # --- what the markers became ------------------------------------------------------------------

    def facts_by_marker(self) -> dict[str, tuple[Fact, DataSubject]]:
        with self.uow(readonly=True) as unit:
            rows = unit.session.execute(
                select(Fact, DataSubject)
                .join(DataSubject, DataSubject.id == Fact.subject_id)
                .where(Fact.procedure_id == uuid.UUID(self.procedure_id))
            ).all()
            unit.session.expunge_all()
        found: dict[str, tuple[Fact, DataSubject]] = {}
        for fact, subject in rows:
            for marker in MARKER.findall(str(fact.value)):
                found[marker] = (fact, subject)
            if fact.field == "bsn" and fact.value == CLIENT_BSN:
                found[CLIENT_BSN] = (fact, subject)
        return found

    def allowed(self, key: str, tenant: str) -> set[str]:
        """The markers account `key` of `tenant` may meet in what it is shown now."""
        role, party = ACCOUNTS[key]
        if tenant != self.tenant:
            return {f"party:{party}"}  # its own name, on its own pages
        parties = {
            f"party:{p}" for p in PARTIES if role in STAFF or role == Role.PRIVACY_OFFICER or p == party
        }
        actor = Actor(account(key, tenant), tenant, frozenset({role}), party=party)
        facts = self.facts_by_marker()
        with self.uow(readonly=True) as unit:
            procedure = unit.session.get(Procedure, uuid.UUID(self.procedure_id))
            assert procedure is not None
            screen = disclosure.load_screen(unit, actor, procedure, [f for f, _ in facts.values()])
            visible = {m for m, (fact, subject) in facts.items() if screen.decide(fact, subject).visible}
            active = procedure.status in ("open", "suspended")
        # Process data: the case staff, and the party that wrote it while the procedure runs. A
        # party's conditions travel with its facts: whoever sees one of them may see its conditions.
        seen_sources = {(facts[m][0].element_id, facts[m][0].source_party) for m in visible}
        for marker, planted in self.planted.items():
            if marker in facts:
                continue
            if (
                role in STAFF
                or (party is not None and planted.party == party and active)
                or (planted.element, planted.party) in seen_sources
            ):
                visible.add(marker)
        # The privacy officer sees the record of a medical-confidentiality weighing (its grounds,
        # decision and motivation), never the medical data themselves.
        if role == Role.PRIVACY_OFFICER:
            visible |= {
                m
                for m, p in self.planted.items()
                if p.element == "task_medische_afweging" and p.field == "motivering"
            }
        # A fact the account may see names its source: that party it may know of.
        parties |= {
            f"party:{facts[m][0].source_party}" for m in visible if m in facts and facts[m][0].source_party
        }
        return visible | parties

    # --- reading everything as everyone -------------------------------------------------------------

    def routes(self) -> list[str]:
        """Every GET page and API answer about this procedure or its tasks, filled in."""
        with self.uow(readonly=True) as unit:
            task_ids = [
                str(t)
                for t in unit.session.scalars(
                    select(Task.id).where(Task.instance_id == uuid.UUID(self.procedure_id))
                )
            ]
        paths: list[str] = []
        for rule in self.app.url_map.iter_rules():
            if "GET" not in (rule.methods or set()) or rule.endpoint in SKIPPED_ENDPOINTS:
                continue
            arguments = set(rule.arguments)
            if arguments - {"procedure_id", "task_id"}:
                continue
            if "task_id" in arguments:
                paths += [_fill(rule.rule, task_id=t, procedure_id=self.procedure_id) for t in task_ids]
            else:
                paths.append(_fill(rule.rule, procedure_id=self.procedure_id))
        paths += [
            f"/api/v1/tasks?scope=all&status=any&procedure_id={self.procedure_id}&page_size=200",
            "/api/v1/tasks?scope=mine&status=any&page_size=200",
            "/api/v1/procedures?status=closed",
            "/inbox?scope=all",
        ]
        return sorted(set(paths))

    def read_everything(self) -> tuple[list[Seen], dict[str, int]]:
        """Fetch every route as every account of both municipalities; where each marker surfaced,
        and, on the routes about this procedure, which party's name or code."""
        seen: list[Seen] = []
        statuses: dict[str, int] = defaultdict(int)
        routes = self.routes()
        for tenant in TENANTS:
            for key in ACCOUNTS:
                for route in routes:
                    response = self.call("GET", route, key, tenant)
                    statuses[f"{response.status_code}"] += 1
                    text = response.get_data(as_text=True)
                    for marker in set(MARKER.findall(text)) | ({CLIENT_BSN} if CLIENT_BSN in text else set()):
                        seen.append(Seen(account(key, tenant), route, marker))
                    if self.procedure_id in route or "/tasks/" in route:
                        for party, tokens in PARTY_TOKENS.items():
                            seen += [
                                Seen(account(key, tenant), route, f"party:{party}")
                                for t in tokens
                                if t in text
                            ]
        return seen, dict(statuses)


# Routes with nothing about a procedure: static files, the API's own description, logging in/out.
SKIPPED_ENDPOINTS = frozenset(
    {"static", "vendor.vendor_file", "api-docs.openapi_json", "api-docs.openapi_swagger_ui", "web.logout"}
)


def _free_text(prop: dict[str, Any]) -> bool:
    if prop.get("type") != "string":
        return False
    if any(key in prop for key in ("enum", "const", "oneOf", "format", "pattern")):
        return False
    widget = (prop.get("x-ui") or {}).get("widget")
    return widget not in ("user", "select", "radio")


def _fill(rule: str, **values: str) -> str:
    for name, value in values.items():
        rule = re.sub(rf"<(?:[a-z]+:)?{name}>", value, rule)
    return rule
