"""Fixtures for the privacy core: services around the test database and clock, the `privacy_wams`
bundle (policy, party catalogue, a medical task) deployed, actors per role and party, and a helper
that drives one procedure through its steps."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from engine.access import Actor
from engine.config import Settings
from engine.privacy.models import ProcessingLogEntry
from engine.procedures.models import DataSubject, Fact, Procedure
from engine.procedures.service import start_procedure
from engine.roles import Role
from engine.runtime.models import Task
from engine.services import Services, build_services
from engine.status import TaskStatus
from tests.factories import deploy_bundle, fixture_bundle, make_tenant

TENANT = "utrecht"


def actor(name: str, *roles: Role, party: str | None = None, tenant: str = TENANT) -> Actor:
    return Actor(name, tenant, frozenset(roles), party=party)


MELDPUNT = actor("m.meldpunt", Role.MELDPUNT)
ASSESSOR = actor("b.beoordelaar", Role.ASSESSOR)
COORDINATOR = actor("c.regisseur", Role.COORDINATOR)
MANAGER = actor("t.manager", Role.MANAGER)
FG = actor("f.fg", Role.PRIVACY_OFFICER)
WIJKTEAM = actor("p.wijkteam", Role.PARTY_CONTACT, party="wijkteam")
GGZ = actor("p.ggz", Role.PARTY_CONTACT, party="ggz_instelling")
ARTS = actor("a.arts", Role.MEDICAL_PROFESSIONAL, party="ggz_instelling")
WONEN = actor("p.wonen", Role.PARTY_CONTACT, party="woningcorporatie")
UWV = actor("p.uwv", Role.PARTY_CONTACT, party="uwv")

NAME = "Sanne Bakker"
BSN = "111222333"
MELDING: dict[str, Any] = {
    "ingang": "professional",
    "client": {"naam": NAME, "bsn": BSN},
    "gezinsleden": [{"naam": "Tim Bakker", "relatie": "zoon"}],
    "zorgen": "psychische klachten",
    "huurschuld": 2400,
    "hulpverlening": "ambulante woonbegeleiding",
    "toelichting": f"Buurvrouw belde over {NAME}; zoon Tim Bakker gaat niet naar school.",
    "partij": "ggz_instelling",
    "arts": "ggz_instelling",
    "doel": "zicht op zorg en schulden",
}


@pytest.fixture
def services(db, clock, tmp_path) -> Services:
    settings = Settings.from_env({}, instance_path=tmp_path, env="test", scheduler="off")
    return build_services(settings, database=db, clock=clock)


@pytest.fixture
def deployed(uow) -> str:
    make_tenant(uow, TENANT)
    deploy_bundle(uow, fixture_bundle("privacy_wams"), TENANT)
    return TENANT


@dataclass
class Case:
    services: Services
    id: uuid.UUID

    def open_tasks(self) -> list[Task]:
        with self.services.uow(readonly=True) as unit:
            return list(
                unit.session.scalars(
                    select(Task)
                    .where(Task.instance_id == self.id, Task.status == TaskStatus.OPEN, Task.kind == "user")
                    .order_by(Task.subject, Task.element_id)
                )
            )

    def complete(self, element: str, data: dict[str, Any], by: str = "someone") -> None:
        [task] = [t for t in self.open_tasks() if t.element_id == element]
        with self.services.uow() as unit:
            self.services.runtime.complete_task(unit, TENANT, task.id, data, by)
            unit.commit()

    def to_research(self) -> Case:
        """Consent given, household member takes part: the party's answer task is open."""
        self.complete("consent", {"toestemming": True, "clientondersteuning": True})
        self.complete("member", {"doet_mee": True, "school": "De Regenboog"})
        return self

    def to_plan(self) -> Case:
        self.to_research()
        self.complete(
            "answer",
            {"behandeling": "ambulant", "schulden": 1200, "voorwaarden": "alleen voor het plan"},
            GGZ.username,
        )
        self.complete("medical", {"besluit": "deels_delen", "diagnose": "depressie"}, ARTS.username)
        return self

    def close(self) -> Case:
        self.to_plan()
        self.complete("plan", {"coordinator": COORDINATOR.username})
        return self

    def procedure(self) -> Procedure:
        with self.services.uow(readonly=True) as unit:
            found = unit.session.get(Procedure, self.id)
            assert found is not None
            return found

    def facts(self, subject: str = "client") -> dict[str, Fact]:
        """The subject's facts by field name."""
        with self.services.uow(readonly=True) as unit:
            return {
                f.field: f
                for f in unit.session.scalars(
                    select(Fact)
                    .join(DataSubject, DataSubject.id == Fact.subject_id)
                    .where(Fact.procedure_id == self.id, DataSubject.key == subject)
                )
            }

    def subjects(self) -> dict[str, DataSubject]:
        with self.services.uow(readonly=True) as unit:
            return {
                s.key: s
                for s in unit.session.scalars(select(DataSubject).where(DataSubject.procedure_id == self.id))
            }


@pytest.fixture
def case(services, deployed) -> Case:
    procedure = start_procedure(
        services.uow(), services.runtime, MELDPUNT, dict(MELDING), process_id="privacy_wams"
    )
    return Case(services, procedure.id)


def log_lines(services: Services, **where: Any) -> list[ProcessingLogEntry]:
    with services.uow(readonly=True) as unit:
        query = select(ProcessingLogEntry).order_by(ProcessingLogEntry.tenant_id, ProcessingLogEntry.seq)
        for key, value in where.items():
            query = query.where(getattr(ProcessingLogEntry, key) == value)
        return list(unit.session.scalars(query))
