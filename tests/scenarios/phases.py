"""Whole phases of the procedure as one step each, for scenarios that are about a later phase.

The happy path (test_happy_path.py) walks every task by hand; the other scenarios reach the phase
they are about with these, each phase answered the ordinary way unless the scenario says otherwise.
"""

from __future__ import annotations

from typing import Any

from . import answers as a
from .walk import ASSESSOR, COORDINATOR, MANAGER, Walk, doctor, party

# Which form a party answers with follows from the party rules (wams_partijregels.dmn).
MEDICAL = {"ggz_instelling", "psychiater", "ggd", "huisarts"}
ENFORCEMENT = {"uwv", "gemeente_werk_inkomen", "woningcorporatie", "leerplicht", "gemeentelijke_handhaving"}


def assess(walk: Walk, *, checklist: dict[str, Any] | None = None, **besluit: Any) -> None:
    """Beoordeling: the checklist, then the assessor's decision (ja unless told otherwise)."""
    walk.complete("task_beoordeling_checklist", as_=ASSESSOR, **(checklist or a.checklist()))
    walk.complete("task_beoordeling_besluit", as_=ASSESSOR, **a.besluit(**besluit))


def consent(walk: Walk, **toestemming: Any) -> None:
    """Informing the client (cliëntondersteuning offered) and the client's consent and scope."""
    walk.complete("task_informeren", as_=COORDINATOR, **a.informeren())
    walk.complete("task_toestemming_reikwijdte", as_=COORDINATOR, **a.toestemming(**toestemming))


def family(walk: Walk, **deelname: bool) -> None:
    """Each household member's answer, by key: `family(walk, **{"lid-1": True, "lid-2": False})`."""
    for member, takes_part in deelname.items():
        walk.complete(
            "task_gezinslid_toestemming", as_=COORDINATOR, subject=member, **a.gezinslid(takes_part)
        )


def answer(walk: Walk, code: str, **overrides: Any) -> None:
    """The party `code` answers its information request with the form its party rules gave it."""
    if code in MEDICAL:
        walk.complete("task_medische_afweging", as_=doctor(code), party=code, **a.medisch_delen(**overrides))
    elif code in ENFORCEMENT:
        walk.complete(
            "task_partij_antwoord_handhavend",
            as_=party(code),
            party=code,
            **a.antwoord_handhavend(**overrides),
        )
    else:
        walk.complete("task_partij_antwoord", as_=party(code), party=code, **a.antwoord(**overrides))


def request(walk: Walk, *parties: str, answer_all: bool = True) -> None:
    """Onderzoek: the coordinator asks `parties` (purpose and necessity per party); they answer."""
    walk.complete("task_onderzoek_opzet", as_=COORDINATOR, **a.onderzoek_opzet(*parties))
    asked = walk.about("task_verzoek_opstellen", "partij")
    for code in asked:
        walk.complete("task_verzoek_opstellen", as_=COORDINATOR, about={"partij": code}, **a.verzoek())
    if answer_all:
        for code in asked:
            answer(walk, code)


def plan(walk: Walk, *parties: str, coordinator: str = COORDINATOR.username, **conclusie: Any) -> None:
    """Conclusion (aanpak), coordinator appointed by the manager, plan with `parties`."""
    walk.complete("task_onderzoek_conclusie", as_=COORDINATOR, **a.conclusie(**conclusie))
    walk.complete("task_coordinator_aanwijzen", as_=MANAGER, **a.coordinator(coordinator))
    walk.complete("task_aanpak_plan", as_=COORDINATOR, **a.aanpak(*parties))


def to_approach(walk: Walk, *parties: str) -> None:
    """From the melding to a running gecoördineerde aanpak with `parties` (no household members)."""
    walk.start(ASSESSOR, a.melding(gezinsleden=[]))
    assess(walk)
    consent(walk)
    request(walk, *parties)
    plan(walk, *parties)


def period(walk: Walk, *, progress: bool = True) -> None:
    """One evaluation period passes: the timer fires and the parties report progress (or do not, and
    their tasks lapse after `termijn.voortgang_reactie`). Ends with the coordinator's evaluation open."""
    walk.next_timer()
    if progress:
        for task in walk.open_rows():
            if task.element_id == "task_voortgang_partij":
                walk.complete(
                    "task_voortgang_partij", as_=party(task.party or ""), party=task.party, **a.voortgang()
                )
    else:
        walk.next_timer()
