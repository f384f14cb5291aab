"""What the append-only, hash-chained logs share (the processing log in `log`, the security log in
`security`): the canonical hash of a line and the verification of a chain.

A chain is the lines of one key (a tenant, for the security log also "no tenant") numbered 1, 2, 3 …
without gaps; every line's `hash` is SHA-256 over the canonical JSON of its hashed fields, among them
its `seq` and `prev_hash` (the hash of the line before it, `GENESIS` for the first). A head row per key
holds the newest `seq` and hash. Editing a line breaks its hash; deleting one leaves a gap in `seq`
(or, at the end, a head that points past the last line).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, select

from ..uow import UnitOfWork

GENESIS = "0" * 64


def _normal(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def line_hash(values: Mapping[str, Any], fields: Sequence[str]) -> str:
    """SHA-256 over the canonical JSON of `fields` (sorted keys, no spaces, UTC times)."""
    payload = {key: _normal(values.get(key)) for key in fields}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class ChainProblem:
    seq: int
    kind: str  # edited | missing | broken_link
    message: str


@dataclass
class ChainReport:
    tenant_id: str  # the chain's key
    entries: int
    head_seq: int
    head_hash: str
    problems: list[ChainProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Chain:
    """Where a chain lives: its lines, its heads, the column naming the chain in both, and the
    fields its hash covers."""

    lines: Table
    heads: Table
    key: str
    hashed: tuple[str, ...]


def verify(uow: UnitOfWork, chain: Chain, key: str, *, batch: int = 2000) -> ChainReport:
    """Recompute every line of one chain (call inside an open unit of work)."""
    head = uow.session.execute(
        select(chain.heads.c.seq, chain.heads.c.hash).where(chain.heads.c[chain.key] == key)
    ).first()
    head_seq, head_hash = (int(head[0]), str(head[1])) if head else (0, GENESIS)
    report = ChainReport(key, 0, head_seq, head_hash)
    expected, prev = 1, GENESIS
    lines = chain.lines
    columns = [lines.c[name] for name in dict.fromkeys((*chain.hashed, "hash"))]
    last = 0
    while True:
        rows = (
            uow.session.execute(
                select(*columns)
                .where(lines.c[chain.key] == key, lines.c.seq > last)
                .order_by(lines.c.seq)
                .limit(batch)
            )
            .mappings()
            .all()
        )
        if not rows:
            break
        for row in rows:
            seq = int(row["seq"])
            report.entries += 1
            if seq != expected:
                gap = f"{expected}" if seq == expected + 1 else f"{expected}–{seq - 1}"
                report.problems.append(ChainProblem(expected, "missing", f"line(s) {gap} are missing"))
                prev = str(row["prev_hash"])
            elif row["prev_hash"] != prev:
                report.problems.append(
                    ChainProblem(seq, "broken_link", f"line {seq} does not follow the line before it")
                )
            if line_hash(dict(row), chain.hashed) != row["hash"]:
                report.problems.append(
                    ChainProblem(seq, "edited", f"line {seq} was changed after it was written")
                )
            prev = str(row["hash"])
            expected = seq + 1
            last = seq
    if last != head_seq:
        report.problems.append(
            ChainProblem(last + 1, "missing", f"the chain ends at {last} but the head says {head_seq}")
        )
    elif prev != head_hash:
        report.problems.append(
            ChainProblem(last, "broken_link", "the last line does not match the chain head")
        )
    return report
