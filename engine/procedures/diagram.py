"""A procedure's position on its diagram: the BPMN of the version it runs, the elements it waits in now
and the elements it has completed (from the event log). The procedure page draws this with bpmn-js.

A version may hold several BPMN files (the main process, called processes, processes continued into).
The diagram shown is the requested process's, else the one the procedure waits in now; a call activity
whose called process is active counts as current on the caller's diagram."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from lxml import etree
from sqlalchemy import select

from ..access import Actor
from ..bpmn.xml import UnsafeXml, parse_untrusted
from ..definitions.models import DefinitionFile, ProcessDefinition
from ..errors import NotAuthorized, NotFound
from ..runtime.models import ProcessEvent, ProcessInstance, Task
from ..status import InstanceStatus, TaskStatus
from ..uow import UnitOfWork
from .listing import _reader_clause
from .models import Procedure
from .readmodel import Viewer

BPMN_MODEL = "http://www.omg.org/spec/BPMN/20100524/MODEL"
MAX_XML = 16 * 1024 * 1024
COMPLETED_TASK_EVENTS = ("task_completed",)
LISTENERS = frozenset({"boundaryEvent", "startEvent"})


@dataclass
class DiagramProcess:
    process_id: str
    name: str
    file: str
    active: bool


@dataclass
class ProcedureDiagram:
    procedure_id: uuid.UUID
    reference: str
    definition_process_id: str
    version: int
    process_id: str
    file: str
    xml: str
    current: list[str]
    completed: list[str]
    processes: list[DiagramProcess] = field(default_factory=list)


def _elements(xml: str, file: str) -> tuple[set[str], set[str], dict[str, str]]:
    """(ids of the file's BPMN elements, the ids a procedure can wait in, call activity id → called
    process id). Boundary events and event-subprocess starts listen all the time: nobody waits there."""
    try:
        tree = parse_untrusted(xml.encode("utf-8"), file, MAX_XML)
    except UnsafeXml:
        return set(), set(), {}
    ids: set[str] = set()
    waitable: set[str] = set()
    calls: dict[str, str] = {}
    for node in tree.iter(f"{{{BPMN_MODEL}}}*"):
        identifier = node.get("id")
        if not identifier:
            continue
        local = etree.QName(node).localname
        ids.add(identifier)
        if local not in LISTENERS:
            waitable.add(identifier)
        if local == "callActivity" and node.get("calledElement"):
            calls[identifier] = str(node.get("calledElement"))
    return ids, waitable, calls


def _require_reader(uow: UnitOfWork, viewer: Viewer, procedure: Procedure) -> None:
    """The same rule as the procedure page: case roles read all, a party only where it has work,
    while the procedure runs."""
    if not viewer.may_open(procedure.status):
        raise NotFound("procedure not found")
    limit = _reader_clause(viewer)
    if limit is not None and not uow.session.scalar(select(limit).where(Procedure.id == procedure.id)):
        raise NotAuthorized("your party has no work in this procedure")


def procedure_diagram(
    uow: UnitOfWork, actor: Actor, procedure_id: uuid.UUID, process_id: str | None = None
) -> ProcedureDiagram:
    with uow:
        row = uow.session.execute(
            select(Procedure, ProcessInstance)
            .join(ProcessInstance, ProcessInstance.id == Procedure.id)
            .where(Procedure.id == procedure_id, Procedure.tenant_id == actor.tenant_id)
        ).first()
        if row is None:
            raise NotFound("procedure not found")
        procedure, instance = row[0], row[1]
        viewer = Viewer.of(actor)
        _require_reader(uow, viewer, procedure)
        definition = uow.session.get(ProcessDefinition, instance.definition_id)
        assert definition is not None
        files = {
            f.path: f.content
            for f in uow.session.scalars(
                select(DefinitionFile).where(
                    DefinitionFile.definition_id == definition.id, DefinitionFile.kind == "bpmn"
                )
            )
        }
        completed: list[str] = []
        seen: set[str] = set()
        # A party sees where its own work stands, not the path through other parties' steps.
        shown = ("path", *COMPLETED_TASK_EVENTS) if viewer.whole else COMPLETED_TASK_EVENTS
        events = select(ProcessEvent).where(
            ProcessEvent.instance_id == procedure_id, ProcessEvent.type.in_(shown)
        )
        if not viewer.whole:
            events = events.where(ProcessEvent.party == viewer.party)
        for event in uow.session.scalars(events.order_by(ProcessEvent.id)):
            elements = (event.detail or {}).get("elements") if event.type == "path" else [event.element_id]
            for element in elements or []:
                if isinstance(element, str) and element not in seen:
                    seen.add(element)
                    completed.append(element)
        current = set(instance.current_steps or [])
        if not viewer.whole:
            current = set(
                uow.session.scalars(
                    select(Task.element_id).where(
                        Task.instance_id == procedure_id,
                        Task.status == TaskStatus.OPEN,
                        Task.party == viewer.party,
                    )
                )
            )
    processes_info = (definition.summary or {}).get("processes", {})
    parsed = {path: _elements(xml, path) for path, xml in files.items()}
    file_of = {
        pid: str(info.get("file")) for pid, info in processes_info.items() if info.get("file") in files
    }
    # Active: the process the instance runs now, and processes its call activities run now (their
    # own steps are waiting). Ids may repeat between files, so only these diagrams show "current".
    running = instance.current_process_id if instance.current_process_id in file_of else None
    active: set[str] = set()
    if running is not None and instance.status == InstanceStatus.RUNNING:
        active.add(running)
        _, running_ids, running_calls = parsed[file_of[running]]
        for called in set(running_calls.values()):
            if called in file_of and (parsed[file_of[called]][1] & current) - running_ids:
                active.add(called)
    processes = [
        DiagramProcess(pid, str(processes_info[pid].get("name") or pid), path, pid in active)
        for pid, path in file_of.items()
    ]
    by_id = {p.process_id: p for p in processes}
    if process_id is not None and process_id not in by_id:
        raise NotFound(f"the procedure's version has no process {process_id!r}")
    chosen = by_id.get(process_id or "") or by_id.get(running or "") or by_id.get(definition.process_id)
    if chosen is None:
        raise NotFound("the procedure's version has no diagram")
    ids, waitable, calls = parsed[chosen.file]
    marked_current: set[str] = set()
    if chosen.active:
        marked_current = {e for e in current if e in waitable}
        marked_current |= {
            call for call, called in calls.items() if called in active and called != chosen.process_id
        }
    return ProcedureDiagram(
        procedure_id=procedure.id,
        reference=procedure.reference,
        definition_process_id=definition.process_id,
        version=definition.version,
        process_id=chosen.process_id,
        file=chosen.file,
        xml=files[chosen.file],
        current=sorted(marked_current),
        completed=[e for e in completed if e in ids and e not in marked_current],
        processes=processes,
    )
