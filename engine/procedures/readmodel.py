"""What each viewer sees of a procedure's work: its open tasks, its timeline and who took part.

`case_view` (engine.procedures.view) decides which *facts* a viewer sees under the privacy policy.
This module decides the rest of a procedure page or answer by the same need-to-know, from what the
one writer (engine.runtime.journal) put on every task row and event: the party whose work it is
about, the data subject and the categories.

- The municipality's case roles and the privacy officer see the whole procedure.
- A party (contact or medical professional) sees its own party's tasks and the timeline of its own
  work, and of the rest only the milestones every participant needs (started, suspended, resumed,
  extended, ended), without reasons, names or field names. It does not learn which other parties
  take part, nor what they were asked or answered: knowing that a GGZ institution weighs medical
  confidentiality already tells a housing corporation that the client is in mental-health care.
- Once a procedure is closed, sharing stops: a party no longer finds it (404, as for an id it never
  had), in the list or by id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ..access import Actor
from ..roles import Role
from ..runtime.models import ProcessEvent, Task
from ..status import ProcedureStatus
from .models import Procedure

STAFF_ROLES = (Role.MELDPUNT, Role.ASSESSOR, Role.COORDINATOR, Role.MANAGER, Role.PRIVACY_OFFICER)
PARTY_ROLES = (Role.PARTY_CONTACT, Role.MEDICAL_PROFESSIONAL)
ACTIVE = frozenset({ProcedureStatus.OPEN.value, ProcedureStatus.SUSPENDED.value})
# What every participant may know happened to the procedure as a whole (shown without detail).
MILESTONES = frozenset(
    {
        "instance_started",
        "instance_completed",
        "instance_cancelled",
        "procedure_suspended",
        "procedure_resumed",
        "procedure_extended",
    }
)


HEADER_FIELDS = (
    "id", "reference", "process_id", "status", "phase", "ingang", "coordinator", "started_at",
    "started_by", "ended_at", "outcome", "stop_reason", "retention_until", "erased_at",
)  # fmt: skip
PARTY_HIDDEN = ("ingang", "started_by", "outcome", "stop_reason", "scope_exclusions")


@dataclass(frozen=True)
class TimelineEntry:
    id: int
    at: datetime
    type: str
    actor: str | None
    element_id: str | None
    element_name: str | None
    task_id: Any
    segment: int
    data_keys: list[str] | None
    detail: dict[str, object] | None
    party: str | None = None


@dataclass(frozen=True)
class Viewer:
    """The need-to-know position of an actor towards procedures of its own municipality."""

    whole: bool  # a case role or the privacy officer: the whole procedure
    party: str | None  # acting for this party: its own work only

    @classmethod
    def of(cls, actor: Actor) -> Viewer:
        if actor.has(*STAFF_ROLES):
            return cls(whole=True, party=None)
        if actor.has(*PARTY_ROLES) and actor.party:
            return cls(whole=False, party=actor.party)
        return cls(whole=False, party=None)

    @property
    def reads_procedures(self) -> bool:
        return self.whole or self.party is not None

    def may_open(self, status: str) -> bool:
        """A party reads a procedure only while it runs; afterwards it is gone for the party."""
        return self.whole or (self.party is not None and status in ACTIVE)

    def header(self, procedure: Procedure) -> dict[str, Any]:
        """The procedure's own fields this viewer may read. A party does not learn how the
        procedure came in (the ingang names who reported), who registered it, what the client
        excluded from the scope, nor why or how it ended."""
        fields = {name: getattr(procedure, name) for name in HEADER_FIELDS}
        fields["scope_exclusions"] = procedure.scope_exclusions or {}
        if not self.whole:
            for name in PARTY_HIDDEN:
                fields[name] = {} if name == "scope_exclusions" else None
        return fields

    def sees_task(self, task: Task) -> bool:
        return self.whole or (self.party is not None and task.party == self.party)

    def tasks(self, tasks: Iterable[Task]) -> list[Task]:
        return [t for t in tasks if self.sees_task(t)]

    def timeline(self, events: Iterable[ProcessEvent], names: dict[Any, str]) -> list[TimelineEntry]:
        entries = []
        for event in events:
            entry = _entry(event, names)
            if self.whole or (self.party is not None and event.party == self.party):
                entries.append(entry)
            elif self.party is not None and event.type in MILESTONES:
                entries.append(replace(entry, actor=None, data_keys=None, detail=None, element_name=None))
        return entries

    def people(
        self, started_by: str | None, coordinator: str | None, tasks: list[Task], entries: list[TimelineEntry]
    ) -> list[str]:
        """The staff a viewer may know took part: from what it sees, nothing else."""
        people: list[str] = []
        candidates = [started_by] if self.whole else []
        candidates.append(coordinator)
        candidates += [e.actor for e in entries if e.actor != "system"]
        for task in tasks:
            candidates += [task.claimed_by, task.assignee]
        for name in candidates:
            if name and name not in people:
                people.append(name)
        return people

    def parties(self, tasks: list[Task]) -> list[str]:
        """Parties with open work that the viewer may know of (a party: only itself)."""
        found: list[str] = []
        for task in tasks:
            if task.party and task.party not in found and self.sees_task(task):
                found.append(task.party)
        return found


def _entry(event: ProcessEvent, names: dict[Any, str]) -> TimelineEntry:
    return TimelineEntry(
        id=event.id,
        at=event.at,
        type=event.type,
        actor=event.actor,
        element_id=event.element_id,
        element_name=names.get(event.task_id),
        task_id=event.task_id,
        segment=event.segment,
        data_keys=event.data_keys,
        detail=event.detail,
        party=event.party,
    )
