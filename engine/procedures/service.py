"""Commands and queries on procedures: start (the melding), cancel, send a message, read."""

from __future__ import annotations

import uuid
from typing import Any, cast

from sqlalchemy import Table, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..access import Actor
from ..definitions.cache import LoadedDefinition
from ..errors import NotFound
from ..roles import Role
from ..runtime import journal
from ..runtime.models import ProcessInstance
from ..runtime.service import Runtime
from ..runtime.task_rows import StepSettings
from ..status import ProcedureStatus
from ..uow import UnitOfWork
from . import pressure
from .form_data import SplitSubmission, split_submission
from .models import Indicator, Procedure, ReferenceCounter
from .recording import add_subjects, record_facts

WAMS_PROCESS = "wams_procedure"
STARTERS = (Role.MELDPUNT, Role.ASSESSOR, Role.COORDINATOR)
STEERING = (Role.COORDINATOR, Role.MANAGER)


def start_procedure(
    uow: UnitOfWork, runtime: Runtime, actor: Actor, data: dict[str, Any], *, process_id: str = WAMS_PROCESS
) -> Procedure:
    """Register a melding: the procedure, its people and facts, and start the process — one transaction."""
    actor.require(*STARTERS)
    return _start(uow, runtime, actor, data, process_id)


def _start(
    uow: UnitOfWork, runtime: Runtime, actor: Actor, data: dict[str, Any], process_id: str
) -> Procedure:
    created: list[Procedure] = []
    flagged: list[str] = []  # the period, when the melding is a possible means of pressure

    def prepare(instance: ProcessInstance, definition: LoadedDefinition) -> dict[str, Any]:
        uow.flush()  # the instance row first: the procedure refers to it
        now = uow.now()
        procedure = Procedure(
            id=instance.id,
            tenant_id=actor.tenant_id,
            reference=_next_reference(uow, actor.tenant_id),
            process_id=process_id,
            status=ProcedureStatus.OPEN,
            ingang=data.get("ingang") if isinstance(data.get("ingang"), str) else None,
            started_at=now,
            started_by=actor.username,
            scope_exclusions={},
        )
        uow.session.add(procedure)
        created.append(procedure)
        form = definition.start_form()
        if form is None:
            return data
        split = split_submission(form.schema, data, {})
        subjects = add_subjects(uow, procedure, split)
        uow.flush()
        record_facts(
            uow,
            procedure,
            split,
            subjects,
            actor=actor.username,
            task=None,
            source_party=None,
            legal_ground=definition.settings.get("grondslag.melding"),
            purpose=definition.settings.get("doel.melding"),
            conditions=None,
            roles=",".join(sorted(r.value for r in actor.roles)),
        )
        if procedure.ingang:
            uow.session.add(
                Indicator(
                    tenant_id=procedure.tenant_id,
                    procedure_id=procedure.id,
                    key="ingang",
                    value=procedure.ingang,
                    recorded_at=now,
                )
            )
        # The model's gateway reads it on every melding, flagged or not.
        signal = _pressure_signal(uow, actor, procedure, definition, split)
        split.process_data[pressure.SIGNAL] = signal is not None
        if signal is not None:
            flagged.append(signal)
            uow.session.add(
                Indicator(
                    tenant_id=procedure.tenant_id,
                    procedure_id=procedure.id,
                    key=pressure.SIGNAL,
                    value=True,
                    recorded_at=now,
                )
            )
        return split.process_data

    with uow:
        runtime.start(uow, actor.tenant_id, process_id, data, actor.username, prepare=prepare)
        if flagged:
            # No personal values: only that the signal was raised, on which ground and period.
            journal.note(
                uow,
                created[0].id,
                pressure.SIGNAL,
                actor.username,
                {"ingang": pressure.PARTY_REQUEST, "termijn": flagged[0]},
            )
        uow.commit()
        return created[0]


def _pressure_signal(
    uow: UnitOfWork, actor: Actor, procedure: Procedure, definition: LoadedDefinition, split: SplitSubmission
) -> str | None:
    """The period (`termijn.drukmiddel`) if this party's request follows a recent refusal by the
    same client in this municipality, else None."""
    if procedure.ingang != pressure.PARTY_REQUEST:
        return None
    bsn = pressure.client_bsn(split)
    if bsn is None:
        return None
    period = pressure.period_of(StepSettings(uow, procedure.tenant_id, definition.settings))
    recent = pressure.recent_refusal(uow, actor, procedure.tenant_id, bsn, period, uow.now())
    return period if recent else None


def _next_reference(uow: UnitOfWork, tenant_id: str) -> str:
    year = uow.now().year
    table = cast(Table, ReferenceCounter.__table__)
    upsert = sqlite_insert if uow.dialect == "sqlite" else postgresql_insert
    uow.session.execute(upsert(table).values(tenant_id=tenant_id, year=year, last=0).on_conflict_do_nothing())
    number = uow.session.scalar(
        update(table)
        .where(table.c.tenant_id == tenant_id, table.c.year == year)
        .values(last=table.c.last + 1)
        .returning(table.c.last)
    )
    return f"{year}-{number:05d}"


def get_procedure(uow: UnitOfWork, actor: Actor, procedure_id: uuid.UUID) -> Procedure:
    procedure = uow.session.get(Procedure, procedure_id)
    if procedure is None or procedure.tenant_id != actor.tenant_id:
        raise NotFound("procedure not found")
    return procedure


def cancel_procedure(
    uow: UnitOfWork, runtime: Runtime, actor: Actor, procedure_id: uuid.UUID, reason: str
) -> Procedure:
    actor.require(*STEERING)
    with uow:
        procedure = get_procedure(uow, actor, procedure_id)
        runtime.cancel(uow, actor.tenant_id, procedure_id, reason, actor.username)
        procedure.stop_reason = procedure.stop_reason or "cancelled"
        uow.commit()
        return procedure


def send_procedure_message(
    uow: UnitOfWork,
    runtime: Runtime,
    actor: Actor,
    procedure_id: uuid.UUID,
    name: str,
    payload: dict[str, Any],
) -> Procedure:
    """Deliver a named message (e.g. `client_withdraws`) to the running procedure."""
    actor.require(*STEERING)
    with uow:
        procedure = get_procedure(uow, actor, procedure_id)
        runtime.send_message(uow, actor.tenant_id, procedure_id, name, payload, actor.username)
        uow.commit()
        return procedure
