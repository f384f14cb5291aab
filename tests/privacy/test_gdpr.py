"""GDPR requests: registered with a one-month deadline and a task for the coordinator, guarded status
transitions, and what granting does (correctie, wissing, beperking/bezwaar, inzage export)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.errors import InvalidInput, InvalidTransition, NotAuthorized
from engine.privacy.gdpr import (
    Decision,
    decide_request,
    extend_request,
    lift_restriction,
    list_requests,
    register_request,
    start_request,
    withdraw_request,
)
from engine.privacy.queries import inzage_export
from engine.procedures.view import case_view
from engine.runtime.models import Task
from tests.privacy.conftest import BSN, COORDINATOR, FG, GGZ, MELDPUNT, NAME, WIJKTEAM, log_lines


def _task(services, task_id) -> Task:
    with services.uow(readonly=True) as unit:
        found = unit.session.get(Task, task_id)
        assert found is not None
        return found


def _fields(services, actor, case_id) -> set[str]:
    with services.uow(readonly=True) as unit:
        return {f.field for f in case_view(unit, actor, case_id).shown_facts}


def test_a_request_gets_a_deadline_of_one_month_and_a_task(services, case, clock):
    request = register_request(
        services.uow(), MELDPUNT, case.id, "inzage", description="Per brief van 3 maart", requester="subject"
    )
    assert request.status == "received"
    assert request.deadline_at == request.received_at.replace(month=request.received_at.month + 1)
    task = _task(services, request.task_id)
    assert (task.kind, task.role, task.status, task.due_at) == (
        "gdpr",
        "coordinator",
        "open",
        request.deadline_at,
    )
    assert task.context == {"kind": "inzage", "subject": "client", "requester": "subject"}
    assert [r.id for r in list_requests(services.uow(readonly=True), FG, status="received")] == [request.id]
    clock.advance(days=40)
    assert [r.id for r in list_requests(services.uow(readonly=True), FG, overdue=True)] == [request.id]
    extended = extend_request(services.uow(), COORDINATOR, request.id, "Veel gegevens bij meerdere partijen")
    assert extended.deadline_at == request.deadline_at.replace(month=request.deadline_at.month + 2)
    with pytest.raises(InvalidInput):
        extend_request(services.uow(), COORDINATOR, request.id, "nog eens")


def test_who_may_register_and_handle(services, case):
    with pytest.raises(NotAuthorized):
        register_request(services.uow(), GGZ, case.id, "inzage")
    with pytest.raises(InvalidInput):
        register_request(services.uow(), MELDPUNT, case.id, "vergeten")
    with pytest.raises(InvalidInput):
        register_request(services.uow(), MELDPUNT, case.id, "inzage", subject="lid-9")
    request = register_request(services.uow(), MELDPUNT, case.id, "inzage")
    with pytest.raises(NotAuthorized):
        start_request(services.uow(), MELDPUNT, request.id)


def test_transitions_are_guarded(services, case):
    request = register_request(services.uow(), MELDPUNT, case.id, "bezwaar")
    start_request(services.uow(), COORDINATOR, request.id)
    with pytest.raises(InvalidTransition):
        start_request(services.uow(), COORDINATOR, request.id)
    decide_request(
        services.uow(), COORDINATOR, request.id, Decision("refused", "Zwaarwegend belang van de aanpak")
    )
    assert _task(services, request.task_id).status == "completed"
    for command in (
        lambda: withdraw_request(services.uow(), COORDINATOR, request.id, "te laat"),
        lambda: decide_request(services.uow(), COORDINATOR, request.id, Decision("granted", "toch wel")),
    ):
        with pytest.raises(InvalidTransition):
            command()
    other = register_request(services.uow(), MELDPUNT, case.id, "inzage")
    withdraw_request(services.uow(), COORDINATOR, other.id, "Ingetrokken door de cliënt")
    assert _task(services, other.task_id).status == "cancelled"


def test_correctie_and_wissing(services, case):
    facts = case.facts()
    correctie = register_request(services.uow(), MELDPUNT, case.id, "correctie", fact_ids=[facts["naam"].id])
    with pytest.raises(InvalidInput):  # granting a correctie needs the corrected value
        decide_request(services.uow(), COORDINATOR, correctie.id, Decision("granted", "Naam klopte niet"))
    decide_request(
        services.uow(),
        COORDINATOR,
        correctie.id,
        Decision("granted", "Naam klopte niet", corrections={str(facts["naam"].id): "Sanne Bakker-de Wit"}),
    )
    assert case.facts()["naam"].value == "Sanne Bakker-de Wit"
    wissing = register_request(services.uow(), MELDPUNT, case.id, "wissing")
    decide_request(
        services.uow(),
        COORDINATOR,
        wissing.id,
        Decision("partly_granted", "Alleen de zorgen", fact_ids=[facts["zorgen"].id]),
    )
    after = case.facts()
    assert after["zorgen"].value is None and after["zorgen"].erased_at is not None
    assert after["bsn"].value == BSN
    operations = [(line.operation, line.categories) for line in log_lines(services, procedure_id=case.id)]
    assert ("correct", ["general"]) in operations and ("erase", ["health"]) in operations


def test_a_granted_beperking_hides_the_data_until_it_is_lifted(services, case):
    request = register_request(services.uow(), MELDPUNT, case.id, "beperking", subject="lid-1")
    decide_request(
        services.uow(), COORDINATOR, request.id, Decision("granted", "Juistheid betwist (art. 18)")
    )
    shown = _fields(services, COORDINATOR, case.id)
    assert "naam" in shown and "relatie" not in shown  # the household member's data are restricted
    lift_restriction(services.uow(), COORDINATOR, request.id, "Juistheid gecontroleerd")
    assert "relatie" in _fields(services, COORDINATOR, case.id)


def test_the_inzage_export_lists_every_processing(services, case):
    case.to_research()
    case.complete("answer", {"schulden": 1200}, GGZ.username)
    with services.uow(readonly=True) as unit:
        case_view(unit, COORDINATOR, case.id)
        case_view(unit, WIJKTEAM, case.id)
    request = register_request(services.uow(), MELDPUNT, case.id, "inzage")
    with pytest.raises(NotAuthorized):
        inzage_export(services.uow(readonly=True), MELDPUNT, request.id)
    export = inzage_export(services.uow(readonly=True), COORDINATOR, request.id)
    values = {d["field"]: d["value"] for d in export["data"]}
    assert values["naam"] == NAME and values["bsn"] == BSN and values["schulden"] == 1200
    schulden = next(d for d in export["data"] if d["field"] == "schulden")
    assert (schulden["source"], schulden["legal_ground"]) == (
        "ggz_instelling",
        "wams.onderzoek (Wmo 2015 art. 2.3a.1)",
    )
    processing = export["processing"]
    # Every processing: collected at the melding and from the GGZ institution, read, disclosed.
    assert [(p["operation"], p["who"]["organisation"]) for p in processing] == [
        ("collect", "Gemeente"),
        ("collect", "GGZ-instelling"),
        ("read", "Gemeente"),
        ("disclose", "Sociaal wijkteam"),
    ]
    assert processing[3]["who"]["role_names"] == ["Contactpersoon partij"]
    assert all(p["purpose"] and p["legal_grounds"] for p in processing)
    assert export["recipients"] == ["wijkteam"]
    # The export is itself a processing, logged.
    assert log_lines(services, procedure_id=case.id)[-1].operation == "export"
    # Another subject's export does not contain the client's data.
    member = register_request(services.uow(), MELDPUNT, case.id, "inzage", subject="lid-1")
    other = inzage_export(services.uow(readonly=True), FG, member.id)
    assert NAME not in repr(other["data"])


def test_deadline_counts_from_the_day_received(services, case, clock):
    received = clock.now() - timedelta(days=10)
    request = register_request(services.uow(), MELDPUNT, case.id, "inzage", received_at=received)
    assert request.deadline_at - received in (
        timedelta(days=28),
        timedelta(days=29),
        timedelta(days=30),
        timedelta(days=31),
    )
    with pytest.raises(InvalidInput):
        register_request(
            services.uow(), MELDPUNT, case.id, "inzage", received_at=clock.now() + timedelta(days=1)
        )
    with services.uow(readonly=True) as unit:
        assert (
            unit.session.scalar(select(Task.due_at).where(Task.id == request.task_id)) == request.deadline_at
        )


def test_the_request_task_is_in_the_coordinators_inbox_and_not_completed_with_a_form(services, case):
    from engine.errors import DomainError
    from engine.tasks.commands import complete_task
    from engine.tasks.queries import InboxFilter, inbox

    request = register_request(services.uow(), MELDPUNT, case.id, "wissing")
    page = inbox(
        services.uow(readonly=True), COORDINATOR, InboxFilter(scope="available", procedure_id=case.id)
    )
    [task] = [item for item in page.items if item.kind == "gdpr"]
    assert (task.id, task.name) == (request.task_id, "AVG-verzoek om wissing behandelen")
    with pytest.raises(DomainError, match="not completed with a form"):
        complete_task(services.uow(), services.runtime, COORDINATOR, task.id, {})
