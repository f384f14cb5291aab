"""The event log as OCEL 2.0 JSON (tests/fixtures/eventlog/ocel20-schema-json.json), written as text.

Object types: `procedure`, `party` (an organisation code), `data_subject` (the pseudonym),
`task` (a task row) and `information_request` (the request to one party within one procedure: every
task of that party in that procedure belongs to it). Each timeline event relates to the objects it
is about, so interactions between procedures and parties can be analysed.

Streamed: the events come first (their types and the parties they name are collected on the way;
both are small sets), then the objects query by query, then the event types. JSON readers do not
depend on the order of an object's keys.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select

from ..procedures.models import DataSubject, Procedure
from ..runtime.models import Task
from ..uow import UnitOfWork
from .eventlog import BATCH, LogEvent, Period, _procedures, events
from .xes import timestamp

EVENT_ATTRIBUTES = ("lifecycle", "resource", "role", "event_type", "element_id")
OBJECT_TYPES: dict[str, tuple[str, ...]] = {
    "procedure": ("reference", "process", "status", "ingang", "started_at", "ended_at"),
    "party": (),
    "data_subject": ("kind",),
    "task": ("name", "role", "element_id", "status", "kind"),
    "information_request": ("party",),
}
FLUSH_CHARS = 64 * 1024


def procedure_id(value: object) -> str:
    return f"procedure:{value}"


def party_id(code: str) -> str:
    return f"party:{code}"


def subject_id(pseudonym: str) -> str:
    return f"subject:{pseudonym}"


def task_id(value: object) -> str:
    return f"task:{value}"


def request_id(procedure: object, party: str) -> str:
    return f"request:{procedure}:{party}"


def _attributes(values: dict[str, Any], at: datetime | None = None) -> list[dict[str, str]]:
    """OCEL 2.0 JSON attribute values are strings; an object's carry the time they held from."""
    items = []
    for name, value in values.items():
        if value is None or value == "":
            continue
        text = timestamp(value) if isinstance(value, datetime) else str(value)
        item = {"name": name, "value": text}
        if at is not None:
            item["time"] = timestamp(at)
        items.append(item)
    return items


def _relation(object_id: str, qualifier: str) -> dict[str, str]:
    return {"objectId": object_id, "qualifier": qualifier}


def event_type(item: LogEvent) -> str:
    return item.activity if item.lifecycle == "complete" else f"{item.activity} ({item.lifecycle})"


def _event(item: LogEvent, subjects: tuple[str, ...]) -> dict[str, Any]:
    relations = [_relation(procedure_id(item.case.id), "procedure")]
    relations += [_relation(subject_id(s), "data subject") for s in subjects if s != item.subject]
    if item.task_id is not None:
        relations.append(_relation(task_id(item.task_id), "task"))
    if item.party:
        relations.append(_relation(party_id(item.party), "party"))
        if item.task_id is not None:
            relations.append(_relation(request_id(item.case.id, item.party), "information request"))
    if item.subject:
        relations.append(_relation(subject_id(item.subject), "data subject"))
    values = {
        "lifecycle": item.lifecycle,
        "resource": item.resource,
        "role": item.role,
        "event_type": item.type,
        "element_id": item.element_id,
    }
    return {
        "id": f"event:{item.id}",
        "type": event_type(item),
        "time": timestamp(item.at),
        "attributes": _attributes(values),
        "relationships": relations,
    }


def _procedure_objects(uow: UnitOfWork, period: Period) -> Iterator[dict[str, Any]]:
    rows = uow.session.execute(
        select(
            Procedure.id,
            Procedure.reference,
            Procedure.process_id,
            Procedure.status,
            Procedure.ingang,
            Procedure.started_at,
            Procedure.ended_at,
        )
        .where(_procedures(period))
        .order_by(Procedure.id)
        .execution_options(yield_per=BATCH)
    )
    for pid, reference, process, status, ingang, started, ended in rows:
        values: dict[str, Any] = {"reference": reference, "process": process, "status": status}
        values["ingang"] = ingang
        values |= {"started_at": started, "ended_at": ended}
        yield {"id": procedure_id(pid), "type": "procedure", "attributes": _attributes(values, started)}


def _subject_objects(uow: UnitOfWork, period: Period) -> Iterator[dict[str, Any]]:
    rows = uow.session.execute(
        select(DataSubject.pseudonym, DataSubject.kind, Procedure.id, Procedure.started_at)
        .join(Procedure, Procedure.id == DataSubject.procedure_id)
        .where(_procedures(period))
        .order_by(Procedure.id, DataSubject.key)
        .execution_options(yield_per=BATCH)
    )
    for pseudonym, kind, pid, started in rows:
        yield {
            "id": subject_id(pseudonym),
            "type": "data_subject",
            "attributes": _attributes({"kind": kind}, started),
            "relationships": [_relation(procedure_id(pid), "procedure")],
        }


def _task_objects(uow: UnitOfWork, period: Period, parties: set[str]) -> Iterator[dict[str, Any]]:
    rows = uow.session.execute(
        select(
            Task.id,
            Task.instance_id,
            Task.name,
            Task.role,
            Task.element_id,
            Task.status,
            Task.kind,
            Task.party,
            Task.created_at,
            DataSubject.pseudonym,
        )
        .join(Procedure, and_(Procedure.id == Task.instance_id, Procedure.tenant_id == Task.tenant_id))
        .outerjoin(
            DataSubject, and_(DataSubject.procedure_id == Task.instance_id, DataSubject.key == Task.subject)
        )
        .where(_procedures(period))
        .order_by(Task.instance_id, Task.created_at, Task.id)
        .execution_options(yield_per=BATCH)
    )
    for tid, pid, name, role, element, status, kind, party, created, pseudonym in rows:
        relations = [_relation(procedure_id(pid), "procedure")]
        if party:
            parties.add(party)
            relations.append(_relation(party_id(party), "party"))
            relations.append(_relation(request_id(pid, party), "information request"))
        if pseudonym:
            relations.append(_relation(subject_id(pseudonym), "data subject"))
        values = {"name": name, "role": role, "element_id": element, "status": status, "kind": kind}
        yield {
            "id": task_id(tid),
            "type": "task",
            "attributes": _attributes(values, created),
            "relationships": relations,
        }


def _request_objects(uow: UnitOfWork, period: Period) -> Iterator[dict[str, Any]]:
    rows = uow.session.execute(
        select(Task.instance_id, Task.party, func.min(Task.created_at))
        .join(Procedure, and_(Procedure.id == Task.instance_id, Procedure.tenant_id == Task.tenant_id))
        .where(_procedures(period), Task.party.is_not(None))
        .group_by(Task.instance_id, Task.party)
        .order_by(Task.instance_id, Task.party)
        .execution_options(yield_per=BATCH)
    )
    for pid, party, first in rows:
        assert party is not None  # the query's filter
        yield {
            "id": request_id(pid, party),
            "type": "information_request",
            "attributes": _attributes({"party": party}, first),
            "relationships": [
                _relation(procedure_id(pid), "procedure"),
                _relation(party_id(party), "addressed to"),
            ],
        }


def _array(items: Iterable[dict[str, Any]], first: bool = True) -> Iterator[str]:
    """JSON array members, comma-separated; `first` says whether the array is still empty."""
    buffer: list[str] = []
    size = 0
    for item in items:
        text = ("" if first else ",\n") + json.dumps(item, ensure_ascii=False, separators=(",", ":"))
        first = False
        buffer.append(text)
        size += len(text)
        if size >= FLUSH_CHARS:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)


def write_ocel(uow: UnitOfWork, period: Period, key: str) -> Iterator[str]:
    object_types = [
        {"name": name, "attributes": [{"name": a, "type": "string"} for a in attributes]}
        for name, attributes in OBJECT_TYPES.items()
    ]
    yield '{"objectTypes":' + json.dumps(object_types) + ',\n"events":[\n'
    event_types: set[str] = set()
    parties: set[str] = set()

    def logged() -> Iterator[dict[str, Any]]:
        # The first event of a case (its start) is about every data subject of the procedure.
        current = None
        for item in events(uow, period, key):
            event_types.add(event_type(item))
            if item.party:
                parties.add(item.party)
            first = item.case.id != current
            current = item.case.id
            yield _event(item, item.case.subjects if first else ())

    yield from _array(logged())
    yield '\n],\n"objects":[\n'
    written = False
    for source in (
        _procedure_objects(uow, period),
        _subject_objects(uow, period),
        _request_objects(uow, period),
        _task_objects(uow, period, parties),
    ):
        for chunk in _array(source, first=not written):
            written = True
            yield chunk
    party_objects = ({"id": party_id(p), "type": "party", "attributes": []} for p in sorted(parties))
    yield from _array(party_objects, first=not written)
    types = [
        {"name": name, "attributes": [{"name": a, "type": "string"} for a in EVENT_ATTRIBUTES]}
        for name in sorted(event_types)
    ]
    yield '\n],\n"eventTypes":' + json.dumps(types, ensure_ascii=False) + "}\n"
