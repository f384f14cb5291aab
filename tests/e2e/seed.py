"""Procedures in every phase for the demo municipality, so the browser tests and the screenshot script
(`scripts/screenshots.py`) see each page as a worker would meet it: a fresh melding, an onderzoek
waiting for the parties (one of them a doctor), a running gecoördineerde aanpak, and one in its
evaluation period.

Every step goes through the engine's own commands (the scenario driver of tests/scenarios) as the
demo accounts of `make run`. The walks run on their own clock that starts months ago and ends just
before now, so timers fire as they would have and nothing lies in the future.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from engine.access import Actor
from engine.clock import FrozenClock
from engine.roles import Role
from engine.services import Services, build_services
from tests.scenarios import answers as a
from tests.scenarios.walk import Walk

MEDICAL = {"ggz_instelling", "psychiater", "ggd", "huisarts"}
ENFORCEMENT = {"uwv", "gemeente_werk_inkomen", "woningcorporatie", "leerplicht", "gemeentelijke_handhaving"}
# The demo accounts of the parties (engine/accounts/demo.py).
PARTY_ACCOUNTS = {
    "uwv": "uwv",
    "schuldhulpverlening": "schulden",
    "woningcorporatie": "woning",
    "wijkteam": "partij",
    "ggz_instelling": "arts",
    "huisarts": "huisarts",
}


@dataclass(frozen=True)
class Seeded:
    """The procedure ids by the phase they were left in."""

    beoordeling: uuid.UUID
    onderzoek: uuid.UUID
    aanpak: uuid.UUID
    evaluatie: uuid.UUID


class _Accounts:
    def __init__(self, tenant: str) -> None:
        self.tenant = tenant

    def actor(self, prefix: str, role: Role, party: str | None = None) -> Actor:
        return Actor(f"{prefix}.{self.tenant}", self.tenant, frozenset({role}), party=party)

    @property
    def meldpunt(self) -> Actor:
        return self.actor("meldpunt", Role.MELDPUNT)

    @property
    def assessor(self) -> Actor:
        return self.actor("beoordelaar", Role.ASSESSOR)

    @property
    def coordinator(self) -> Actor:
        return self.actor("coordinator", Role.COORDINATOR)

    @property
    def manager(self) -> Actor:
        return self.actor("manager", Role.MANAGER)

    def party(self, code: str) -> Actor:
        role = Role.MEDICAL_PROFESSIONAL if code in MEDICAL else Role.PARTY_CONTACT
        return self.actor(PARTY_ACCOUNTS[code], role, code)


def _to_onderzoek(walk: Walk, who: _Accounts, *parties: str, family: bool = True) -> None:
    walk.start(who.meldpunt, a.melding() if family else a.melding(gezinsleden=[]))
    walk.complete("task_beoordeling_checklist", as_=who.assessor, **a.checklist())
    walk.complete("task_beoordeling_besluit", as_=who.assessor, **a.besluit())
    walk.complete("task_informeren", as_=who.coordinator, **a.informeren())
    walk.complete("task_toestemming_reikwijdte", as_=who.coordinator, **a.toestemming())
    for task in walk.open_rows():
        if task.element_id == "task_gezinslid_toestemming":
            walk.complete(
                "task_gezinslid_toestemming", as_=who.coordinator, subject=task.subject, **a.gezinslid(True)
            )
    walk.complete("task_onderzoek_opzet", as_=who.coordinator, **a.onderzoek_opzet(*parties))
    for code in walk.about("task_verzoek_opstellen", "partij"):
        walk.complete(
            "task_verzoek_opstellen", as_=who.coordinator, about={"partij": code}, **a.verzoek("general")
        )


def _answer(walk: Walk, who: _Accounts, code: str) -> None:
    if code in MEDICAL:
        walk.complete("task_medische_afweging", as_=who.party(code), party=code, **a.medisch_delen())
    elif code in ENFORCEMENT:
        walk.complete(
            "task_partij_antwoord_handhavend", as_=who.party(code), party=code, **a.antwoord_handhavend()
        )
    else:
        walk.complete("task_partij_antwoord", as_=who.party(code), party=code, **a.antwoord())


def _to_aanpak(walk: Walk, who: _Accounts, *parties: str) -> None:
    _to_onderzoek(walk, who, *parties, family=False)
    for code in parties:
        _answer(walk, who, code)
    walk.complete("task_onderzoek_conclusie", as_=who.coordinator, **a.conclusie())
    walk.complete("task_coordinator_aanwijzen", as_=who.manager, **a.coordinator(who.coordinator.username))
    walk.complete("task_aanpak_plan", as_=who.coordinator, **a.aanpak(*parties))


def seed_procedures(services: Services, tenant: str, *, days_ago: float = 200) -> Seeded:
    """Four procedures in the tenant's database, left in the phases of `Seeded`."""
    clock = FrozenClock(datetime.now(UTC) - timedelta(days=days_ago))
    walking = build_services(services.settings, database=services.database, clock=clock)
    who = _Accounts(tenant)

    def walk() -> Walk:
        return Walk(walking, walking.uow, clock)

    fresh = walk()
    fresh.start(who.meldpunt, a.melding())

    asking = walk()
    _to_onderzoek(asking, who, "uwv", "schuldhulpverlening", "woningcorporatie", "ggz_instelling")

    running = walk()
    _to_aanpak(running, who, "schuldhulpverlening", "woningcorporatie")

    evaluating = walk()
    _to_aanpak(evaluating, who, "schuldhulpverlening", "uwv")
    evaluating.next_timer()  # the evaluation period passes; the parties are asked for progress
    for task in evaluating.open_rows():
        if task.element_id == "task_voortgang_partij" and task.party:
            evaluating.complete(
                "task_voortgang_partij", as_=who.party(task.party), party=task.party, **a.voortgang()
            )
    return Seeded(fresh.id, asking.id, running.id, evaluating.id)


def describe(seeded: Seeded) -> dict[str, Any]:
    return {name: str(value) for name, value in seeded.__dict__.items()}
