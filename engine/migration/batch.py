"""Validating and executing a migration plan over the procedures on its source version.

The dry run goes through every candidate as the execution would, writes nothing, and says per
procedure whether it can move and why not. The execution works in batches: each procedure in a
transaction of its own under its instance lock, so one that cannot move stays whole on its version
while the others move; a call does one batch and tells how many candidates remain (the CLI and the
designer page call again until none do)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ..access import Actor
from ..bpmn.migrate import Blocker
from ..runtime.migrate import InstanceMigration, count_candidates, instance_ids, migrate_instance
from ..runtime.service import Runtime
from ..uow import UnitOfWork
from .plan import MIGRATORS, MigrationPlan, Versions, checked, full_mapping, load_versions

DEFAULT_BATCH = 200
MAX_BATCH = 1000

UowFactory = Callable[[], UnitOfWork]


@dataclass
class MigrationReport:
    plan: MigrationPlan
    dry_run: bool
    results: list[InstanceMigration] = field(default_factory=list)
    # Candidates still on the source version after this call (executions: the next batch's).
    remaining: int = 0

    @property
    def moved(self) -> list[InstanceMigration]:
        return [r for r in self.results if r.ok]

    @property
    def refused(self) -> list[InstanceMigration]:
        return [r for r in self.results if not r.ok]


def _prepare(uow: UowFactory, actor: Actor, plan: MigrationPlan) -> tuple[MigrationPlan, Versions]:
    actor.require(*MIGRATORS)
    with uow() as unit:
        versions = load_versions(unit, actor, plan)
    return checked(plan, versions), versions


def _candidates(
    uow: UowFactory, actor: Actor, versions: Versions, only: Sequence[uuid.UUID] | None, limit: int
) -> list[uuid.UUID]:
    with uow() as unit:
        found = instance_ids(unit, actor.tenant_id, versions.source.id, limit, only=only)
    return found


def dry_run(
    uow: UowFactory,
    runtime: Runtime,
    actor: Actor,
    plan: MigrationPlan,
    *,
    instances: Sequence[uuid.UUID] | None = None,
    limit: int = MAX_BATCH,
) -> MigrationReport:
    """Which procedures on the source version can move, and why the others cannot; nothing is written."""
    plan, versions = _prepare(uow, actor, plan)
    mapping = full_mapping(plan, versions)
    report = MigrationReport(plan, dry_run=True)
    for instance_id in _candidates(uow, actor, versions, instances, limit):
        with uow() as unit:  # never committed: left, it rolls back
            report.results.append(_one(unit, runtime, actor, instance_id, versions, mapping, write=False))
    with uow() as unit:
        report.remaining = count_candidates(unit, actor.tenant_id, versions.source.id, only=instances)
    return report


def run_batch(
    uow: UowFactory,
    runtime: Runtime,
    actor: Actor,
    plan: MigrationPlan,
    *,
    instances: Sequence[uuid.UUID] | None = None,
    batch_size: int = DEFAULT_BATCH,
    skip: Sequence[uuid.UUID] = (),
) -> MigrationReport:
    """Move up to `batch_size` procedures, each in its own transaction. Procedures named in `skip`
    (refused by an earlier batch of the same run) are not tried again."""
    plan, versions = _prepare(uow, actor, plan)
    mapping = full_mapping(plan, versions)
    report = MigrationReport(plan, dry_run=False)
    batch_size = max(1, min(batch_size, MAX_BATCH))
    skipped = set(skip)
    candidates = _candidates(uow, actor, versions, instances, batch_size + len(skipped))
    for instance_id in [c for c in candidates if c not in skipped][:batch_size]:
        with uow() as unit:
            result = _one(unit, runtime, actor, instance_id, versions, mapping, write=True)
            if result.ok:
                unit.commit()
        report.results.append(result)
    with uow() as unit:
        report.remaining = count_candidates(
            unit,
            actor.tenant_id,
            versions.source.id,
            only=instances,
            excluding=skipped | {r.instance_id for r in report.refused},
        )
    return report


def _one(
    unit: UnitOfWork,
    runtime: Runtime,
    actor: Actor,
    instance_id: uuid.UUID,
    versions: Versions,
    mapping: Mapping[str, str],
    *,
    write: bool,
) -> InstanceMigration:
    try:
        return migrate_instance(
            runtime,
            unit,
            actor.tenant_id,
            instance_id,
            versions.source,
            versions.target,
            mapping,
            actor.username,
            write=write,
        )
    except Exception as exc:
        return InstanceMigration(
            instance_id, ok=False, blockers=[Blocker("failed", None, f"{type(exc).__name__}: {exc}")]
        )
