"""A migration plan, as Camunda 7 has it: which version to move from and to, and where each element a
procedure can stand at goes (source element id → target element id). Proposed automatically where
the ids match; the designer edits what the new version renamed or split, and leaves out what it
removed (a procedure standing there then cannot move, and the dry run says so)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..access import Actor
from ..bpmn.state import CompiledDefinition
from ..definitions.cache import LoadedDefinition, definition_cache
from ..definitions.service import get_version
from ..errors import InvalidInput
from ..roles import Role
from ..uow import UnitOfWork

MIGRATORS = (Role.PROCESS_DESIGNER, Role.ADMIN)
# Elements a procedure never stands at: nothing to map.
NOT_WAITING = {"StartEvent", "EndEvent", "ExclusiveGateway", "ScriptTask", "BusinessRuleTask"}


@dataclass(frozen=True)
class PlanElement:
    id: str
    name: str | None
    kind: str
    process_id: str


@dataclass
class MigrationPlan:
    process_id: str
    source_version: int
    target_version: int
    mapping: dict[str, str] = field(default_factory=dict)


@dataclass
class PlanProposal:
    """A plan with what the designer needs to edit it: the source elements (each with its proposed
    target, or none) and the target elements to choose from."""

    plan: MigrationPlan
    source: list[PlanElement]
    target: list[PlanElement]

    @property
    def unmapped(self) -> list[str]:
        return [e.id for e in self.source if e.id not in self.plan.mapping]


def elements(compiled: CompiledDefinition) -> dict[str, PlanElement]:
    """The elements of a version a procedure can stand at, by id (its processes together)."""
    found: dict[str, PlanElement] = {}
    for process_id, spec in compiled.specs.items():
        for task_spec in spec.task_specs.values():
            bpmn_id = getattr(task_spec, "bpmn_id", None)
            kind = type(task_spec).__name__
            if not bpmn_id or kind in NOT_WAITING or bpmn_id in found:
                continue
            name = getattr(task_spec, "bpmn_name", None)
            found[str(bpmn_id)] = PlanElement(str(bpmn_id), name, kind, process_id)
    return found


@dataclass
class Versions:
    source: LoadedDefinition
    target: LoadedDefinition


def load_versions(uow: UnitOfWork, actor: Actor, plan: MigrationPlan) -> Versions:
    """Both versions of a plan (in the caller's open unit of work); `InvalidInput` if they are the
    same, `NotFound` if one does not exist."""
    if plan.source_version == plan.target_version:
        raise InvalidInput("the source and target versions are the same", field="target_version")
    cache = definition_cache(uow)
    source = get_version(uow, actor.tenant_id, plan.process_id, plan.source_version)
    target = get_version(uow, actor.tenant_id, plan.process_id, plan.target_version)
    return Versions(cache.get(uow, source.id), cache.get(uow, target.id))


def propose(
    uow: UnitOfWork, actor: Actor, process_id: str, source_version: int, target_version: int | None = None
) -> PlanProposal:
    """The plan from `source_version` to `target_version` (default: the newest) with every element
    whose id exists in both mapped onto itself."""
    actor.require(*MIGRATORS)
    with uow:
        if target_version is None:
            target_version = get_version(uow, actor.tenant_id, process_id).version
        plan = MigrationPlan(process_id, source_version, target_version)
        versions = load_versions(uow, actor, plan)
    source, target = elements(versions.source.compiled), elements(versions.target.compiled)
    plan.mapping = {i: i for i in source if i in target}
    return PlanProposal(plan, list(source.values()), list(target.values()))


def checked(plan: MigrationPlan, versions: Versions) -> MigrationPlan:
    """The plan with its mapping checked against both versions (`InvalidInput` naming the first bad
    entry): every key an element of the source, every value one of the target."""
    source, target = elements(versions.source.compiled), elements(versions.target.compiled)
    mapping: dict[str, str] = {}
    for key, value in plan.mapping.items():
        if key not in source:
            raise InvalidInput(f"{key!r} is not an element of version {plan.source_version}", element=key)
        if value not in target:
            raise InvalidInput(f"{value!r} is not an element of version {plan.target_version}", element=value)
        mapping[key] = value
    return MigrationPlan(plan.process_id, plan.source_version, plan.target_version, mapping)


def full_mapping(plan: MigrationPlan, versions: Versions) -> Mapping[str, str]:
    """What the library-level migration reads: the plan's entries; an element left out of the plan
    whose id the target also has is *not* moved by its id (the designer took it out on purpose), so
    it maps onto a name no spec has."""
    source, target = elements(versions.source.compiled), elements(versions.target.compiled)
    mapping = dict(plan.mapping)
    for element in source:
        if element not in mapping and element in target:
            mapping[element] = f"{element}\x00unmapped"
    return mapping
