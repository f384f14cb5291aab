"""Validating and executing a migration plan over the procedures on its source version.

The dry run goes through every candidate as the execution would, writes nothing, and says per
procedure whether it can move and why not. The execution works in batches: each procedure in a
transaction of its own under its instance lock, so one that cannot move stays whole on its version
while the others move; a call does one batch and tells how many candidates remain (the CLI and the
designer page call again until none do).

On PostgreSQL a batch runs its procedures on a few threads, each procedure still in its own
transaction under its own row lock (`FOR UPDATE NOWAIT`): the time per procedure is mostly waiting
for the database, so this multiplies the rate without loosening anything. SQLite has one writer
at a time, so there a batch goes one by one."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ..access import Actor
from ..bpmn.migrate import Blocker
from ..runtime.migrate import InstanceMigration, count_candidates, instance_ids, migrate_instance
from ..runtime.service import Runtime
from ..tenancy import tenant_settings
from ..uow import UnitOfWork
from .plan import MIGRATORS, MigrationPlan, Versions, checked, full_mapping, load_versions

DEFAULT_BATCH = 200
MAX_BATCH = 1000
# Threads per batch on PostgreSQL (each holds one pooled connection while it works).
POSTGRES_WORKERS = 6

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


@dataclass
class _Batch:
    plan: MigrationPlan
    versions: Versions
    mapping: Mapping[str, str]
    # The target's settings under the tenant's, read once: what open tasks' roles and due dates use.
    settings: Mapping[str, Any]
    workers: int


def _prepare(uow: UowFactory, actor: Actor, plan: MigrationPlan) -> _Batch:
    actor.require(*MIGRATORS)
    with uow() as unit:
        versions = load_versions(unit, actor, plan)
        workers = POSTGRES_WORKERS if unit.dialect == "postgresql" else 1
        settings = {**versions.target.settings, **tenant_settings(unit, actor.tenant_id)}
    plan = checked(plan, versions)
    return _Batch(plan, versions, full_mapping(plan, versions), settings, workers)


def _each(
    ids: Sequence[uuid.UUID], work: Callable[[uuid.UUID], InstanceMigration], workers: int
) -> list[InstanceMigration]:
    """`work` for every id, in order; on `workers` threads when more than one."""
    if workers <= 1 or len(ids) <= 1:
        return [work(i) for i in ids]
    with ThreadPoolExecutor(max_workers=min(workers, len(ids)), thread_name_prefix="migrate") as pool:
        return list(pool.map(work, ids))


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
    batch = _prepare(uow, actor, plan)
    report = MigrationReport(batch.plan, dry_run=True)

    def check(instance_id: uuid.UUID) -> InstanceMigration:
        with uow() as unit:  # never committed: left, it rolls back
            return _one(unit, runtime, actor, instance_id, batch, write=False)

    candidates = _candidates(uow, actor, batch.versions, instances, limit)
    report.results = _each(candidates, check, batch.workers)
    with uow() as unit:
        report.remaining = count_candidates(unit, actor.tenant_id, batch.versions.source.id, only=instances)
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
    batch = _prepare(uow, actor, plan)
    versions = batch.versions
    report = MigrationReport(batch.plan, dry_run=False)
    batch_size = max(1, min(batch_size, MAX_BATCH))
    skipped = set(skip)

    def move(instance_id: uuid.UUID) -> InstanceMigration:
        with uow() as unit:
            result = _one(unit, runtime, actor, instance_id, batch, write=True)
            if result.ok:
                try:
                    unit.commit()
                except Exception as exc:  # e.g. changed under us: it stays as it was
                    return _failed(instance_id, exc)
        return result

    candidates = _candidates(uow, actor, versions, instances, batch_size + len(skipped))
    report.results = _each([c for c in candidates if c not in skipped][:batch_size], move, batch.workers)
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
    batch: _Batch,
    *,
    write: bool,
) -> InstanceMigration:
    try:
        return migrate_instance(
            runtime,
            unit,
            actor.tenant_id,
            instance_id,
            batch.versions.source,
            batch.versions.target,
            batch.mapping,
            actor.username,
            write=write,
            settings=batch.settings,
        )
    except Exception as exc:  # reported per procedure; its transaction rolls back
        return _failed(instance_id, exc)


def _failed(instance_id: uuid.UUID, exc: Exception) -> InstanceMigration:
    blocker = Blocker("failed", None, f"{type(exc).__name__}: {exc}")
    return InstanceMigration(instance_id, ok=False, blockers=[blocker])
