"""The procedure layer's hooks into the runtime: on every step, inside the command's transaction."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from ..errors import FieldError, InvalidForm
from ..forms import Form
from ..privacy.catalogue import Catalogue, catalogue_for_definition
from ..privacy.supply import excluded_parties, withheld_categories
from ..runtime.models import ProcessInstance, Task
from ..runtime.outcome import StepOutcome
from ..status import InstanceStatus, ProcedureStatus, procedure_transition
from ..tenancy import tenant_settings
from ..uow import UnitOfWork
from .models import Procedure
from .recording import (
    add_subjects,
    apply_scope_and_participation,
    record_facts,
    record_indicators,
    retention_end,
    split_for,
)

CLOSED_PHASE = "afgesloten"


class ProcedureHooks:
    def prepare_submission(
        self,
        uow: UnitOfWork,
        instance: ProcessInstance,
        task: Task | None,
        form: Form | None,
        data: dict[str, Any],
        actor: str | None,
        context: Mapping[str, Any],
    ) -> dict[str, Any]:
        if task is None or form is None:
            return data  # a procedure's start is recorded by start_procedure itself
        procedure = procedure_of(uow, instance.id)
        if procedure is None:
            return data  # an instance that is not a procedure (e.g. a plain process)
        task_data = dict(context)
        variable = task.properties.get("subjectVariable")
        if variable and task.subject:
            task_data[variable] = task.subject
        catalogue = catalogue_for_definition(uow, task.definition_id)
        _refuse_excluded_parties(catalogue, procedure, task, data)
        # Consent and scope given in this very submission already bind the facts in it.
        apply_scope_and_participation(uow, procedure, task, task.properties, data, actor)
        if not form.has_personal_data:
            return data
        split = split_for(uow, procedure, form, data, task_data)
        subjects = add_subjects(uow, procedure, split)
        if split.facts:
            uow.flush()
            properties = task.properties
            record_facts(
                uow,
                procedure,
                split,
                subjects,
                actor=actor,
                task=task,
                source_party=task.party,
                legal_ground=properties.get("legalGround"),
                purpose=_lookup(properties.get("purposeVariable"), data, task_data)
                or properties.get("purpose"),
                conditions=_lookup(properties.get("conditionsVariable"), data, task_data),
                withheld_categories=_categories(properties.get("withholdCategoriesVariable"), task_data)
                | withheld_categories(catalogue, task.party, task.context or {}),
                special_categories=catalogue.policy.special,
                roles=task.role or "",
            )
        return split.process_data

    def after_step(self, uow: UnitOfWork, outcome: StepOutcome, actor: str | None) -> None:
        procedure = procedure_of(uow, outcome.instance.id)
        if procedure is None:
            return
        completed = outcome.completed_task
        if completed is not None:
            record_indicators(
                uow, procedure, completed.properties, {**outcome.task_data, **outcome.submitted}
            )
        # Later hooks (deadline tracking) tell a phase change from the phase the step started in.
        uow.memo[("phase_before", procedure.id)] = procedure.phase
        phases = [t.phase for t in outcome.opened if t.phase] or _phase_on_path(outcome)
        if phases:
            procedure.phase = phases[0]
        status = outcome.instance.status
        if status in {InstanceStatus.COMPLETED, InstanceStatus.CANCELLED} and procedure.ended_at is None:
            target = (
                ProcedureStatus.CLOSED if status == InstanceStatus.COMPLETED else ProcedureStatus.CANCELLED
            )
            procedure.status = procedure_transition(procedure.status, target)
            procedure.ended_at = outcome.instance.ended_at
            procedure.phase = CLOSED_PHASE
            settings = {**outcome.definition.settings, **tenant_settings(uow, procedure.tenant_id)}
            procedure.retention_until = retention_end(procedure, settings)


def _phase_on_path(outcome: StepOutcome) -> list[str]:
    """The phase of the last element a step ran through that names one: a step that opens no task (an
    evaluation period that begins by waiting for its timer) still moves the procedure into the phase
    it entered, so the procedure does not say "aanpak" during its evaluation period."""
    specs = outcome.definition.compiled.specs.values()
    for element in reversed(outcome.path):
        for spec in specs:
            task_spec = spec.task_specs.get(element)
            if task_spec is None:
                continue
            properties = (getattr(task_spec, "extensions", None) or {}).get("properties") or {}
            phase = properties.get("phase")
            if isinstance(phase, str) and phase:
                return [phase]
    return []


NOT_PROCEDURES_REMEMBERED = 10_000


def procedure_of(uow: UnitOfWork, instance_id: uuid.UUID) -> Procedure | None:
    """The procedure an instance runs, or None; asked once per unit of work.

    An instance is a procedure from the transaction that starts it or never, so a "no" is
    remembered for the process's lifetime (per database) and costs no query the next time."""
    key = ("procedure", instance_id)
    if key in uow.memo:
        found: Procedure | None = uow.memo[key]
        return found
    known_not: OrderedDict[uuid.UUID, None] = uow.database.caches.setdefault("not_procedures", OrderedDict())
    if instance_id in known_not:
        uow.memo[key] = None
        return None
    procedure = uow.session.get(Procedure, instance_id)
    if procedure is None and uow.session.get(ProcessInstance, instance_id) is not None:
        known_not[instance_id] = None
        while len(known_not) > NOT_PROCEDURES_REMEMBERED:
            known_not.popitem(last=False)
    uow.memo[key] = procedure
    return procedure


def remember_procedures(uow: UnitOfWork, instance_ids: list[uuid.UUID]) -> None:
    """Load the procedures of many instances at once, so `procedure_of` asks no query per instance
    (a scheduler batch firing the timers of a hundred procedures)."""
    unknown = [i for i in instance_ids if ("procedure", i) not in uow.memo]
    if not unknown:
        return
    found = {p.id: p for p in uow.session.scalars(select(Procedure).where(Procedure.id.in_(unknown)))}
    for instance_id in unknown:
        uow.memo[("procedure", instance_id)] = found.get(instance_id)


def _refuse_excluded_parties(
    catalogue: Catalogue, procedure: Procedure, task: Task, data: Mapping[str, Any]
) -> None:
    """A choice of parties (the model's `partiesVariable`) may not include a party whose domain the
    client excluded from the onderzoek: refused, naming the party and the exclusion."""
    variable = (task.properties or {}).get("partiesVariable")
    chosen = data.get(variable) if variable else None
    if not isinstance(chosen, list):
        return
    excluded = excluded_parties(catalogue, procedure.scope_exclusions or {}, chosen)
    if excluded:
        raise InvalidForm(
            f"{len(excluded)} chosen part(y/ies) fall outside the client's scope",
            [
                FieldError(
                    str(variable),
                    f"{p.name} ({p.party}) works in the domain {p.domain!r}, which the client excluded "
                    "from the onderzoek",
                    "party_excluded",
                    params={"party": p.name, "domain": p.domain},
                )
                for p in excluded
            ],
        )


def _categories(variable: str | None, task_data: Mapping[str, Any]) -> frozenset[str]:
    value = task_data.get(variable) if variable else None
    return frozenset(str(v) for v in value) if isinstance(value, list) else frozenset()


def _lookup(variable: str | None, data: Mapping[str, Any], task_data: Mapping[str, Any]) -> str | None:
    if not variable:
        return None
    value = data.get(variable, task_data.get(variable))
    return str(value) if value not in (None, "") else None
