"""Complaints and privacy incidents: registered, followed up and closed through guarded transitions,
and counted in the monitoring indicators. Further processing only with every condition motivated."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.errors import InvalidInput, InvalidTransition, NotAuthorized
from engine.monitoring.exports import indicators_csv
from engine.monitoring.service import indicators
from engine.privacy.further import (
    Confirmation,
    FurtherProcessingRefused,
    conditions_for,
    list_further,
    request_further_processing,
)
from engine.privacy.models import FurtherProcessingRequest, PrivacyIncident
from engine.privacy.registers import (
    assess_incident,
    close_complaint,
    close_incident,
    follow_up_complaint,
    list_complaints,
    register_complaint,
    register_incident,
)
from tests.privacy.conftest import COORDINATOR, FG, GGZ, MANAGER, MELDPUNT, log_lines


def test_a_complaint_from_registration_to_outcome(services, case):
    complaint = register_complaint(
        services.uow(),
        MELDPUNT,
        complainant="family",
        nature="gegevensdeling",
        description="De zoon vindt dat zijn gegevens zonder reden zijn gedeeld",
        procedure_id=case.id,
        subject="lid-1",
    )
    assert complaint.status == "received"
    with pytest.raises(NotAuthorized):
        follow_up_complaint(services.uow(), MELDPUNT, complaint.id, "gebeld")
    follow_up_complaint(services.uow(), MANAGER, complaint.id, "Gesprek gepland met de klager")
    closed = close_complaint(
        services.uow(), MANAGER, complaint.id, "deels_gegrond", "Excuses, werkwijze aangepast"
    )
    assert (closed.status, closed.outcome, len(closed.follow_up)) == ("closed", "deels_gegrond", 1)
    with pytest.raises(InvalidTransition):
        close_complaint(services.uow(), MANAGER, complaint.id, "gegrond", "nogmaals")
    with pytest.raises(InvalidInput):
        register_complaint(services.uow(), MELDPUNT, complainant="buurman", nature="overig", description="x")
    assert [c.id for c in list_complaints(services.uow(readonly=True), FG)] == [complaint.id]


def test_an_incident_is_assessed_before_it_closes(services, case, clock):
    incident = register_incident(
        services.uow(),
        GGZ,  # anyone who notices it reports it
        description="Rapportage per ongeluk naar verkeerde partij gemaild",
        discovered_at=clock.now() - timedelta(hours=2),
        procedure_id=case.id,
        subjects=["client", "lid-1"],
        categories=["health"],
    )
    subjects = case.subjects()
    assert incident.affected_subjects == [subjects["client"].pseudonym, subjects["lid-1"].pseudonym]
    assert incident.affected_count == 2
    assert incident.ap_deadline_at == incident.discovered_at + timedelta(hours=72)
    with pytest.raises(InvalidTransition):
        close_incident(services.uow(), FG, incident.id, "klaar")
    with pytest.raises(NotAuthorized):
        assess_incident(
            services.uow(), MANAGER, incident.id, reported_to_ap=True, motivation="x", ap_reference="1"
        )
    with pytest.raises(InvalidInput):  # reported: the AP's reference is required
        assess_incident(services.uow(), FG, incident.id, reported_to_ap=True, motivation="Hoog risico")
    assessed = assess_incident(
        services.uow(),
        FG,
        incident.id,
        reported_to_ap=True,
        motivation="Gezondheidsgegevens",
        ap_reference="AP-2027-1",
    )
    assert (assessed.status, assessed.reported_to_ap, assessed.ap_reference) == (
        "assessed",
        True,
        "AP-2027-1",
    )
    closed = close_incident(services.uow(), FG, incident.id, "Ontvanger heeft de mail verwijderd")
    assert closed.status == "closed" and closed.follow_up[-1]["by"] == FG.username
    with services.uow(readonly=True) as unit:
        stored = unit.session.scalar(select(PrivacyIncident))
        assert "Sanne" not in repr(stored.__dict__)


def test_complaints_and_incidents_are_counted_in_monitoring(services, case, clock):
    register_complaint(
        services.uow(), MELDPUNT, complainant="client", nature="bejegening", description="Onvriendelijk"
    )
    register_complaint(
        services.uow(), MELDPUNT, complainant="client", nature="privacy", description="Te veel gedeeld"
    )
    register_complaint(services.uow(), MELDPUNT, complainant="family", nature="privacy", description="Idem")
    first = register_incident(services.uow(), MELDPUNT, description="USB-stick kwijt")
    register_incident(services.uow(), MELDPUNT, description="Brief verkeerd adres")
    assess_incident(
        services.uow(), FG, first.id, reported_to_ap=True, motivation="Risico", ap_reference="AP-9"
    )
    now = clock.now()
    report = indicators(
        services.uow(readonly=True), MANAGER, now - timedelta(days=1), now + timedelta(days=1)
    )
    assert (report.complaints, report.complaint_nature) == (3, {"bejegening": 1, "privacy": 2})
    assert (report.privacy_incidents, report.privacy_incidents_reported_to_ap) == (2, 1)
    assert "privacy_incidents,,2" in indicators_csv(report)
    earlier = indicators(
        services.uow(readonly=True), MANAGER, now - timedelta(days=30), now - timedelta(days=1)
    )
    assert (earlier.complaints, earlier.privacy_incidents) == (0, 0)


def _confirm(*, skip: str | None = None, empty: str | None = None) -> dict[str, Confirmation]:
    answers = {}
    for key in ("doel", "grondslag", "noodzaak"):
        if key == skip:
            continue
        answers[key] = Confirmation(True, "" if key == empty else f"Toelichting bij {key}: uitgewerkt")
    return answers


def test_further_processing_needs_every_condition_motivated(services, case):
    assert [c.key for c in conditions_for(services.uow(readonly=True), COORDINATOR, case.id)] == [
        "doel",
        "grondslag",
        "noodzaak",
    ]
    request = dict(purpose="Controle recht op uitkering", recipient="uwv", categories=["financial"])
    for missing in (dict(skip="noodzaak"), dict(empty="grondslag")):
        with pytest.raises(FurtherProcessingRefused) as refused:
            request_further_processing(
                services.uow(), COORDINATOR, case.id, confirmations=_confirm(**missing), **request
            )
        assert refused.value.details["missing"] == [missing.get("skip") or missing.get("empty")]
    granted = request_further_processing(
        services.uow(), COORDINATOR, case.id, confirmations=_confirm(), **request
    )
    assert granted.status == "granted" and granted.missing == []
    with services.uow(readonly=True) as unit:
        statuses = sorted(r.status for r in unit.session.scalars(select(FurtherProcessingRequest)))
    assert statuses == ["granted", "refused", "refused"]  # refusals are kept
    operations = [line.operation for line in log_lines(services, procedure_id=case.id)]
    assert operations.count("further_processing_refused") == 2 and operations.count("further_processing") == 1
    granted_line = next(line for line in log_lines(services) if line.operation == "further_processing")
    assert granted_line.categories == ["financial"] and "door uwv" in granted_line.purpose
    assert "Controle" not in granted_line.purpose  # typed text never enters the append-only log
    assert len(list_further(services.uow(readonly=True), FG)) == 3
    with pytest.raises(NotAuthorized):
        request_further_processing(services.uow(), GGZ, case.id, confirmations=_confirm(), **request)
    with pytest.raises(InvalidInput):
        request_further_processing(
            services.uow(),
            COORDINATOR,
            case.id,
            confirmations={**_confirm(), "verzonnen": Confirmation(True, "x" * 20)},
            **request,
        )
