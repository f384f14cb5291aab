"""Event-log exports over HTTP: XES and OCEL 2.0 JSON of a municipality's procedures, read back with
pm4py (counts as created), valid against the published schemas (tests/fixtures/eventlog), without
any personal value, for the manager only, one municipality only, and in the processing log."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path

import jsonschema
import pm4py
import pytest
from lxml import etree
from sqlalchemy import func, select

from engine.privacy.models import ProcessingLogEntry
from engine.privacy.retention import sweep_retention
from engine.procedures.models import DataSubject, Procedure
from engine.roles import Role
from engine.runtime.models import ProcessEvent, Task
from tests.api.conftest import OTHER_TENANT, TENANT, start_case

SCHEMAS = Path(__file__).parents[1] / "fixtures" / "eventlog"
# Planted in every personal field of the meldingen: none may reach an export.
MARKERS = ("Zq7Naam", "Zq7Zorg", "987654329", "Zq7Ander", "Zq7Reden")


def _complete_intake(api, procedure_id):
    [task] = api.get(f"/api/v1/tasks?scope=all&procedure_id={procedure_id}", as_=Role.MELDPUNT).get_json()[
        "items"
    ]
    data = {"clientondersteuning": "ja", "partijen": ["wijkteam"]}
    response = api.post(f"/api/v1/tasks/{task['id']}/complete", as_=Role.MELDPUNT, json={"data": data})
    assert response.status_code == 200, response.get_json()


def _procedures(api, clock):
    first = start_case(api, client={"naam": f"{MARKERS[0]} Bakker", "bsn": MARKERS[2]}, zorgen=MARKERS[1])
    clock.advance(hours=2)
    second = start_case(api, client={"naam": f"{MARKERS[0]} de Vries", "bsn": "111222333"}, zorgen=MARKERS[1])
    _complete_intake(api, first["id"])
    clock.advance(days=1)
    response = api.post(
        f"/api/v1/procedures/{second['id']}/cancel", as_=Role.COORDINATOR, json={"reason": MARKERS[4]}
    )
    assert response.status_code in (200, 204), response.get_json()
    # Another municipality's procedure: never in Utrecht's export.
    other = start_case(api, tenant=OTHER_TENANT, client={"naam": MARKERS[3], "bsn": "123456782"})
    return first, second, other


def _created(world):
    with world.uow(readonly=True) as unit:
        session = unit.session
        ids = list(session.scalars(select(Procedure.id).where(Procedure.tenant_id == TENANT)))
        events = session.scalar(select(func.count()).where(ProcessEvent.instance_id.in_(ids)))
        tasks = session.scalar(select(func.count()).where(Task.instance_id.in_(ids)))
        subjects = session.scalar(select(func.count()).where(DataSubject.procedure_id.in_(ids)))
        requests = session.execute(
            select(Task.instance_id, Task.party)
            .where(Task.instance_id.in_(ids), Task.party.is_not(None))
            .distinct()
        ).all()
        parties = {party for _, party in requests}
    return {
        "procedure": len(ids),
        "events": events,
        "task": tasks,
        "data_subject": subjects,
        "information_request": len(requests),
        "party": len(parties),
    }


def test_xes_and_ocel_exports_read_back_with_the_counts_created(api, world, clock, tmp_path):
    first, second, other = _procedures(api, clock)
    created = _created(world)
    assert created["procedure"] == 2 and created["information_request"] >= 1

    xes = api.get("/api/v1/monitoring/eventlog.xes", as_=Role.MANAGER)
    assert xes.status_code == 200 and xes.is_streamed
    assert xes.headers["Content-Disposition"].endswith('.xes"')
    path = tmp_path / "log.xes"
    path.write_bytes(xes.data)
    etree.XMLSchema(etree.parse(str(SCHEMAS / "xes-ieee-1849-2016.xsd"))).assertValid(etree.parse(str(path)))
    frame = pm4py.read_xes(str(path))
    assert frame["case:concept:name"].nunique() == created["procedure"]
    assert len(frame) == created["events"]
    assert set(frame["case:concept:name"]) == {first["reference"], second["reference"]}
    assert {"concept:name", "lifecycle:transition", "time:timestamp", "org:resource"} <= set(frame.columns)
    assert "Intake" in set(frame["concept:name"])
    assert set(frame["lifecycle:transition"]) >= {"schedule", "complete"}
    resources = set(frame["org:resource"].dropna())
    assert resources and all(r == "system" or r.startswith("res-") for r in resources)

    ocel = api.get("/api/v1/monitoring/eventlog.jsonocel", as_=Role.MANAGER)
    assert ocel.status_code == 200 and ocel.is_streamed
    document = json.loads(ocel.data)
    schema = json.loads((SCHEMAS / "ocel20-schema-json.json").read_text())
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).validate(document)
    ocel_path = tmp_path / "log.jsonocel"
    ocel_path.write_bytes(ocel.data)
    log = pm4py.read_ocel2_json(str(ocel_path))
    assert len(log.events) == created["events"]
    per_type = log.objects["ocel:type"].value_counts().to_dict()
    assert per_type == {k: v for k, v in created.items() if k != "events" and v}
    related = set(log.relations["ocel:oid"])
    assert f"procedure:{first['id']}" in related and "party:wijkteam" in related

    with world.uow(readonly=True) as unit:
        pseudonyms = set(
            unit.session.scalars(
                select(DataSubject.pseudonym).where(DataSubject.procedure_id == uuid.UUID(first["id"]))
            )
        )
        # References are numbered per municipality (both have 2027-00001); pseudonyms are unique.
        foreign = set(
            unit.session.scalars(select(DataSubject.pseudonym).where(DataSubject.tenant_id == OTHER_TENANT))
        )
    assert pseudonyms and all(p in ocel.text and p in xes.text for p in pseudonyms)
    for text in (xes.text, ocel.text):
        for marker in MARKERS:
            assert marker not in text
        assert other["id"] not in text
        assert foreign and all(p not in text for p in foreign)
        # Staff are pseudonyms: no account name of either municipality appears.
        assert "meldpunt.utrecht" not in text and "coordinator.utrecht" not in text


def test_exports_are_in_the_processing_log(api, world, clock):
    first, second, _ = _procedures(api, clock)
    assert api.get("/api/v1/monitoring/eventlog.xes", as_=Role.MANAGER).status_code == 200
    with world.uow(readonly=True) as unit:
        lines = list(
            unit.session.scalars(
                select(ProcessingLogEntry).where(
                    ProcessingLogEntry.tenant_id == TENANT, ProcessingLogEntry.operation == "export"
                )
            )
        )
        subjects = set(
            unit.session.scalars(
                select(DataSubject.pseudonym).where(
                    DataSubject.procedure_id.in_([uuid.UUID(first["id"]), uuid.UUID(second["id"])])
                )
            )
        )
    assert {line.subject_pseudonym for line in lines} == subjects
    assert all(line.actor == "manager.utrecht" and line.action == "export xes" for line in lines)
    assert {str(line.procedure_id) for line in lines} == {first["id"], second["id"]}


@pytest.mark.parametrize("path", ["eventlog.xes", "eventlog.jsonocel"])
def test_only_managers_export(api, path):
    for role in Role:
        expected = 200 if role == Role.MANAGER else 403
        response = api.get(f"/api/v1/monitoring/{path}", as_=role)
        assert response.status_code == expected, role
        if expected == 200 and path.endswith("jsonocel"):  # nothing started yet: an empty, valid log
            assert json.loads(response.text)["events"] == []
        elif expected == 200:
            assert "<trace>" not in response.text and etree.fromstring(response.data).tag == "log"
    assert (
        api.get(f"/api/v1/monitoring/{path}?start=2027-02-01&end=2027-01-01", as_=Role.MANAGER).status_code
        == 422
    )


def test_another_municipality_exports_only_its_own(api, clock):
    _procedures(api, clock)
    text = api.get("/api/v1/monitoring/eventlog.jsonocel", as_=Role.MANAGER, tenant=OTHER_TENANT).text
    document = json.loads(text)
    assert [o for o in document["objects"] if o["type"] == "procedure"].__len__() == 1
    assert MARKERS[3] not in text


def test_wams_export_writes_a_file_pm4py_reads(api, clock, database_url, monkeypatch, tmp_path):
    from click.testing import CliRunner

    from api.cli import main

    first, second, _ = _procedures(api, clock)
    monkeypatch.setenv("WAMS_DATABASE_URL", database_url)
    monkeypatch.setenv("WAMS_INSTANCE_PATH", str(tmp_path))
    year = clock.now().year
    period = ["--tenant", TENANT, "--from", f"{year}-01-01", "--to", f"{year}-12-31"]
    target = tmp_path / "utrecht.xes"
    result = CliRunner().invoke(
        main, ["export", "xes", *period, "--user", "manager.utrecht", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    frame = pm4py.read_xes(str(target))
    assert set(frame["case:concept:name"]) == {first["reference"], second["reference"]}
    # The analyst sees the dashboard's counts for the same period: procedures started, per ingang.
    shown = api.get(
        f"/api/v1/monitoring/indicators?start={year}-01-01&end={year + 1}-01-01", as_=Role.MANAGER
    ).get_json()
    traces = frame.drop_duplicates("case:concept:name")
    assert len(traces) == shown["started"] == 2
    assert traces["case:wams:ingang"].value_counts().to_dict() == shown["ingang"]
    target = tmp_path / "utrecht.jsonocel"
    result = CliRunner().invoke(
        main, ["export", "ocel", *period, "--user", "manager.utrecht", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert len(pm4py.read_ocel2_json(str(target)).objects) > 2
    refused = CliRunner().invoke(main, ["export", "xes", *period, "--user", "coordinator.utrecht"])
    assert refused.exit_code == 1 and "manager" in refused.output
    foreign = CliRunner().invoke(main, ["export", "xes", *period, "--user", "manager.amersfoort"])
    assert foreign.exit_code == 1 and "no active account" in foreign.output


ERASED = "Persoonsgegevens gewist"


def test_an_erasure_is_the_erased_procedures_last_event_in_both_exports(api, world, clock, tmp_path):
    """The retention sweep's timeline event goes out like every other: a named activity by the system,
    last in its case, with no personal value (the erasure's detail never leaves)."""
    _, second, _ = _procedures(api, clock)
    with world.uow(readonly=True) as unit:
        cancelled = unit.session.get(Procedure, uuid.UUID(second["id"]))
        until, started = cancelled.retention_until, cancelled.started_at
    assert until is not None  # the cancellation started the retention period
    clock.set(until + timedelta(minutes=1))
    assert sweep_retention(world.uow).procedures == 1
    period = f"?start={started:%Y}-01-01&end={started:%Y}-12-31"

    xes = api.get(f"/api/v1/monitoring/eventlog.xes{period}", as_=Role.MANAGER)
    assert xes.status_code == 200
    path = tmp_path / "log.xes"
    path.write_bytes(xes.data)
    frame = pm4py.read_xes(str(path))
    erased = frame[frame["concept:name"] == ERASED]
    assert list(erased["case:concept:name"]) == [second["reference"]]
    assert (list(erased["lifecycle:transition"]), list(erased["org:resource"])) == (["complete"], ["system"])
    trace = frame[frame["case:concept:name"] == second["reference"]].sort_values("time:timestamp")
    assert trace["concept:name"].iloc[-1] == ERASED

    ocel = api.get(f"/api/v1/monitoring/eventlog.jsonocel{period}", as_=Role.MANAGER)
    document = json.loads(ocel.data)
    [event] = [e for e in document["events"] if e["type"] == ERASED]
    assert {"name": "event_type", "value": "personal_data_erased"} in event["attributes"]
    assert {"objectId": f"procedure:{second['id']}", "qualifier": "procedure"} in event["relationships"]
    assert ERASED in {t["name"] for t in document["eventTypes"]}
    for text in (xes.text, ocel.text):
        assert all(marker not in text for marker in MARKERS)
        assert "bewaartermijn" not in text  # the erasure's detail stays on the timeline
