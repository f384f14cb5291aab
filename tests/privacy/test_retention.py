"""After closure plus the retention period the sweep erases the procedure's personal data: a search of
the whole database for the client's BSN and name finds nothing, the indicators are unchanged, the
erasure is logged and the chain still verifies."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from sqlalchemy import select

from engine.db.models import metadata
from engine.monitoring.conformance import conformance
from engine.monitoring.models import ConformanceSummary
from engine.monitoring.service import indicators
from engine.privacy.further import Confirmation, request_further_processing
from engine.privacy.gdpr import Decision, decide_request, register_request
from engine.privacy.log import verify_chain
from engine.privacy.medical import release_facts
from engine.privacy.registers import register_complaint, register_incident
from engine.privacy.retention import sweep_retention
from engine.procedures.listing import procedure_detail
from engine.procedures.models import Indicator, Procedure
from engine.procedures.view import case_view
from engine.runtime.models import ProcessEvent, ProcessInstance
from engine.tasks.commands import claim_task, release_task
from tests.privacy.conftest import ARTS, BSN, COORDINATOR, MANAGER, MELDPUNT, NAME, TENANT, log_lines

SECRETS = (BSN, NAME, "Sanne", "Bakker", "Tim Bakker", "psychische klachten", "depressie")


def _database_text(db) -> dict[str, str]:
    """Every row of every table, as text (JSON columns dumped)."""
    found = {}
    with db.engine.connect() as connection:
        for table in metadata.sorted_tables:
            rows = connection.execute(select(table)).all()
            found[table.name] = json.dumps([[str(v) for v in row] for row in rows], ensure_ascii=False)
    return found


def _where(db, secret: str) -> list[str]:
    return [name for name, text in _database_text(db).items() if secret.lower() in text.lower()]


def _fill_registers(services, case) -> None:
    """Free text about the client in every register and the timeline, as real users write it."""
    request = register_request(
        services.uow(), MELDPUNT, case.id, "inzage", description=f"Brief van {NAME}, BSN {BSN}"
    )
    decide_request(
        services.uow(), COORDINATOR, request.id, Decision("granted", f"Overzicht gestuurd aan {NAME}")
    )
    register_complaint(
        services.uow(), MELDPUNT, complainant="client", nature="bejegening",
        description=f"{NAME} klaagt over de coördinator", procedure_id=case.id, subject="client",
    )  # fmt: skip
    register_incident(
        services.uow(), MELDPUNT, description=f"Dossier van {NAME} naar verkeerd adres", procedure_id=case.id
    )
    request_further_processing(
        services.uow(), COORDINATOR, case.id, purpose=f"Onderzoek naar {NAME}", recipient="uwv",
        categories=["financial"],
        confirmations={k: Confirmation(True, f"Voor {NAME} noodzakelijk") for k in ("doel", "grondslag", "noodzaak")},
    )  # fmt: skip
    release_facts(
        services.uow(),
        ARTS,
        case.id,
        [case.facts()["diagnose"].id],
        "share",
        f"{NAME} heeft ernstige depressie",
    )
    [plan] = [t for t in case.open_tasks() if t.element_id == "plan"]
    claim_task(services.uow(), COORDINATOR, plan.id)
    release_task(services.uow(), COORDINATOR, plan.id, f"Eerst overleg met {NAME} en Tim Bakker")


def test_after_the_retention_period_nothing_of_the_client_is_left(services, case, clock, db):
    case.to_plan()
    _fill_registers(services, case)
    case.complete("plan", {"coordinator": COORDINATOR.username})
    with services.uow(readonly=True) as unit:
        case_view(unit, COORDINATOR, case.id)
    procedure = case.procedure()
    assert procedure.status == "closed" and procedure.retention_until is not None
    assert set(_where(db, BSN)) >= {"facts", "gdpr_requests"}
    assert "process_instances" in _where(db, NAME) and "process_events" in _where(db, NAME)
    with services.uow(readonly=True) as unit:
        before = sorted((i.key, json.dumps(i.value)) for i in unit.session.scalars(select(Indicator)))
    span = (procedure.started_at - timedelta(days=1), procedure.retention_until + timedelta(days=1))
    figures = indicators(services.uow(readonly=True), MANAGER, *span)

    clock.advance(days=365)
    assert sweep_retention(services.uow).procedures == 0  # not yet
    clock.set(procedure.retention_until + timedelta(minutes=1))
    report = sweep_retention(services.uow)
    assert (report.procedures, report.errors) == (1, 0) and report.facts > 0

    for secret in SECRETS:
        assert _where(db, secret) == [], secret
    with services.uow(readonly=True) as unit:
        after = sorted((i.key, json.dumps(i.value)) for i in unit.session.scalars(select(Indicator)))
        erased = unit.session.get(Procedure, case.id)
        state = json.loads(unit.session.get(ProcessInstance, case.id).state)
        assert erased.erased_at is not None and state  # the state is still a readable document
        assert verify_chain(unit, TENANT).ok
    assert after == before
    assert indicators(services.uow(readonly=True), MANAGER, *span) == figures
    erase_lines = [line for line in log_lines(services, procedure_id=case.id) if line.operation == "erase"]
    assert {line.subject_kind for line in erase_lines} == {"client", "household_member"}
    assert all(line.actor == "system" for line in erase_lines)
    # The procedure is still there for accountability, without personal data.
    detail = procedure_detail(services.uow(readonly=True), COORDINATOR, case.id)
    assert detail.case.shown_facts == [] and detail.procedure.reference == procedure.reference
    # Its timeline ends with the erasure: when, by the system, on which ground, and nothing personal
    # (the search above covered its row too).
    last = detail.timeline[-1]
    assert (last.type, last.actor, last.party, last.at) == (
        "personal_data_erased",
        "system",
        None,
        erased.erased_at,
    )
    assert last.detail == {
        "ground": "bewaartermijn",
        "retention_until": procedure.retention_until.isoformat(),
        "facts": report.facts,
    }
    with services.uow(readonly=True) as unit:
        [event] = unit.session.scalars(
            select(ProcessEvent).where(
                ProcessEvent.instance_id == case.id, ProcessEvent.type == "personal_data_erased"
            )
        )
        assert (event.subject, event.categories, event.data_keys, event.task_id) == (None, None, None, None)
    # Nothing more to do.
    assert sweep_retention(services.uow).procedures == 0


def test_erasure_forgets_the_kept_conformance_outcome(services, case, clock):
    case.close()
    procedure = case.procedure()
    span = (procedure.started_at - timedelta(days=1), procedure.started_at + timedelta(days=1))

    def view():
        return conformance(services.uow(readonly=True), MANAGER, "privacy_wams", *span, keep=services.uow())

    def kept() -> list[uuid.UUID]:
        with services.uow(readonly=True) as unit:
            return list(unit.session.scalars(select(ConformanceSummary.instance_id)))

    figures = view()
    assert figures.procedures == 1 and kept() == [case.id]
    clock.set(procedure.retention_until + timedelta(minutes=1))
    assert sweep_retention(services.uow).procedures == 1
    # What was kept was read from the timeline erasure scrubbed: gone with it, worked out again next time.
    assert kept() == []
    assert view() == figures
    assert kept() == [case.id]
