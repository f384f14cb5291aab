"""Each procedure's replay outcome, and the one writer of the rows that keep it (`conformance_summaries`,
`conformance_outcomes`).

The conformance view (engine.monitoring.conformance) sums, over the procedures of a period, what token
replay (engine.monitoring.replay) found in each: its variant, per element whether it was done,
skipped, repeated or done out of order, and which way each gateway went. A procedure's outcome
depends on nothing but its own history, status and the version it runs on, so it is kept per
instance and reused while the instance stays at the same definition version and optimistic-lock
version: any engine step (a task completed or opened, an automatic path, a continuation or switch of
version, a migration, cancellation) bumps that version, after which the procedure is replayed again.
A finished procedure never changes again and is replayed once in its life.

Rows are written only here: `keep` (after a conformance read, in the caller's own write transaction)
and `forget` (erasure, engine.privacy.retention: the timeline's values are scrubbed, so the outcome is
worked out again from what is left). Each distinct outcome is stored once per municipality
(`conformance_outcomes`, about a kilobyte for the Wams procedure) and the procedures' rows point at
it: a small fixed-size row per procedure instead of a kilobyte of text, and a read fetches numbers,
then each distinct outcome once. The outcome names elements and flows of the model, no personal data;
tenants' rows are apart (every read and write names the tenant).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..status import InstanceStatus
from ..uow import UnitOfWork
from .models import ConformanceOutcome, ConformanceSummary
from .process_graph import ProcessGraph
from .replay import DONE, Occurrence, by_process, replay

TASK_KINDS = ("userTask", "manualTask", "task")
CHUNK = 500  # bound parameters per IN list, as conformance.py reads events


@dataclass(frozen=True)
class ProcessOutcome:
    """The replay of one BPMN process (diagram) of the procedure."""

    done: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    repeated: tuple[str, ...] = ()
    out_of_order: tuple[str, ...] = ()
    decisions: dict[str, dict[str, int]] = field(default_factory=dict)  # gateway → flow → times


@dataclass(frozen=True)
class Outcome:
    steps: tuple[str, ...]  # the variant: completed tasks, a run of the same step once
    fits: bool  # nothing skipped or out of order
    processes: dict[str, ProcessOutcome]


def outcome_of(
    history: Sequence[Occurrence], status: str, version: dict[str, ProcessGraph], entry: str
) -> Outcome:
    """Replay one procedure's history over every process of its version."""
    finished = status == InstanceStatus.COMPLETED
    runs = by_process(list(history), version, entry)
    fits = True
    processes: dict[str, ProcessOutcome] = {}
    for process_id, graph in version.items():
        result = replay(graph, runs.get(process_id, []), finished=finished)
        fits = fits and result.fits
        if result.fired or result.skipped or result.decisions:
            processes[process_id] = ProcessOutcome(
                done=tuple(sorted(result.fired)),
                skipped=tuple(sorted(result.skipped)),
                repeated=tuple(sorted(result.repeated)),
                out_of_order=tuple(sorted(result.out_of_order)),
                decisions={g: dict(sorted(c.items())) for g, c in sorted(result.decisions.items())},
            )
    kinds: dict[str, str] = {}
    for graph in version.values():
        for node_id, node in graph.nodes.items():
            kinds.setdefault(node_id, node.kind)
    completed = [o.element_id for o in history if o.kind == DONE and kinds.get(o.element_id) in TASK_KINDS]
    return Outcome(steps=_collapse(completed), fits=fits, processes=processes)


def _collapse(steps: list[str]) -> tuple[str, ...]:
    """A run of the same step (one task per household member) is one step of the variant."""
    collapsed: list[str] = []
    for step in steps:
        if not collapsed or collapsed[-1] != step:
            collapsed.append(step)
    return tuple(collapsed)


def encode(outcome: Outcome) -> str:
    """Compact and canonical: equal outcomes are equal text (decoded once per read)."""
    processes: dict[str, Any] = {}
    for process_id, p in sorted(outcome.processes.items()):
        found: dict[str, Any] = {"d": list(p.done)}
        for key, values in (("s", p.skipped), ("r", p.repeated), ("o", p.out_of_order)):
            if values:
                found[key] = list(values)
        if p.decisions:
            found["g"] = p.decisions
        processes[process_id] = found
    return json.dumps(
        {"v": list(outcome.steps), "f": int(outcome.fits), "p": processes}, separators=(",", ":")
    )


def decode(text: str) -> Outcome:
    raw = json.loads(text)
    return Outcome(
        steps=tuple(raw["v"]),
        fits=bool(raw["f"]),
        processes={
            process_id: ProcessOutcome(
                done=tuple(p.get("d", ())),
                skipped=tuple(p.get("s", ())),
                repeated=tuple(p.get("r", ())),
                out_of_order=tuple(p.get("o", ())),
                decisions=p.get("g", {}),
            )
            for process_id, p in raw["p"].items()
        },
    )


@dataclass(frozen=True)
class Kept:
    """An outcome to keep: valid while the instance is at this definition and row version."""

    instance_id: uuid.UUID
    definition_id: int
    instance_version: int
    outcome: str
    seconds: float | None  # how long the procedure took, once it has ended


def keep(uow: UnitOfWork, tenant_id: str, outcomes: Sequence[Kept]) -> None:
    """Insert or replace the kept outcomes of `tenant_id`'s instances, inside the caller's write
    transaction (the caller commits). Each distinct outcome is stored once (`conformance_outcomes`),
    the instances point at it. Two readers keeping the same instance at once: the last wins, and an
    outcome kept for an older version is never used (the version no longer matches)."""
    if not outcomes:
        return
    session = uow.session
    upsert: Any = postgresql_insert if uow.dialect == "postgresql" else sqlite_insert
    texts = {o.outcome: _digest(o.outcome) for o in outcomes}
    by_digest = cast(Table, ConformanceOutcome.__table__)
    distinct = sorted(texts.items(), key=lambda item: item[1])  # in key order, as below
    for offset in range(0, len(distinct), CHUNK):
        session.execute(
            upsert(by_digest).on_conflict_do_nothing(index_elements=["tenant_id", "digest"]),
            [
                {"tenant_id": tenant_id, "digest": d, "outcome": t}
                for t, d in distinct[offset : offset + CHUNK]
            ],
        )
    ids: dict[str, int] = {}
    digests = sorted(texts.values())
    for offset in range(0, len(digests), CHUNK):
        ids.update(
            (digest, id_)
            for id_, digest in session.execute(
                select(ConformanceOutcome.id, ConformanceOutcome.digest).where(
                    ConformanceOutcome.tenant_id == tenant_id,
                    ConformanceOutcome.digest.in_(digests[offset : offset + CHUNK]),
                )
            )
        )
    table = cast(Table, ConformanceSummary.__table__)
    # In key order: two readers keeping overlapping sets lock the rows in the same order (no deadlock).
    ordered = sorted(outcomes, key=lambda o: o.instance_id)
    for offset in range(0, len(ordered), CHUNK):
        rows = [
            {
                "instance_id": o.instance_id,
                "tenant_id": tenant_id,
                "definition_id": o.definition_id,
                "instance_version": o.instance_version,
                "outcome_id": ids[texts[o.outcome]],
                "seconds": o.seconds,
            }
            for o in ordered[offset : offset + CHUNK]
        ]
        statement = upsert(table)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["instance_id"],
                set_={
                    "definition_id": statement.excluded.definition_id,
                    "instance_version": statement.excluded.instance_version,
                    "outcome_id": statement.excluded.outcome_id,
                    "seconds": statement.excluded.seconds,
                },
                # Never over another municipality's row (an instance id is one tenant's, but say so).
                where=table.c.tenant_id == statement.excluded.tenant_id,
            ),
            rows,
        )


def stored(uow: UnitOfWork, tenant_id: str, ids: Collection[int]) -> dict[int, str]:
    """The stored outcomes of `tenant_id` with these ids, as text."""
    found: dict[int, str] = {}
    wanted = sorted(ids)
    for offset in range(0, len(wanted), CHUNK):
        query = select(ConformanceOutcome.id, ConformanceOutcome.outcome).where(
            ConformanceOutcome.tenant_id == tenant_id,
            ConformanceOutcome.id.in_(wanted[offset : offset + CHUNK]),
        )
        found.update((id_, text) for id_, text in uow.session.execute(query))
    return found


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def forget(uow: UnitOfWork, instance_id: uuid.UUID) -> None:
    """Drop an instance's kept outcome (erasure scrubs its timeline: the next read replays what is left)."""
    uow.session.execute(delete(ConformanceSummary).where(ConformanceSummary.instance_id == instance_id))
