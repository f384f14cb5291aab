"""What the append-only, hash-chained logs share (the processing log in `log`, the security log in
`security`): the canonical hash of a line and the verification of a chain.

A chain is the lines of one key (a tenant, for the security log also "no tenant") numbered 1, 2, 3 …
without gaps; every line's `hash` is SHA-256 over the canonical JSON of its hashed fields, among them
its `seq` and `prev_hash` (the hash of the line before it, `GENESIS` for the first). A head row per key
holds the newest `seq` and hash. Editing a line breaks its hash; deleting one leaves a gap in `seq`
(or, at the end, a head that points past the last line, or the lines after it renumbered); inserting
one renumbers the lines after it; a line written without moving the head lies beyond it. `verify`
names the first wrong line of each (`_ChainWalk`).
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
    kind: str  # edited | missing | inserted | after_head | broken_link
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
    """Recompute every line of one chain (call inside an open unit of work); the problems come in
    line order, so the first names the first wrong line."""
    head = uow.session.execute(
        select(chain.heads.c.seq, chain.heads.c.hash).where(chain.heads.c[chain.key] == key)
    ).first()
    head_seq, head_hash = (int(head[0]), str(head[1])) if head else (0, GENESIS)
    walk = _ChainWalk(head_seq, head_hash, chain.hashed)
    lines = chain.lines
    columns = [lines.c[name] for name in dict.fromkeys((*chain.hashed, "hash"))]
    while True:
        rows = (
            uow.session.execute(
                select(*columns)
                .where(lines.c[chain.key] == key, lines.c.seq > walk.last_seq)
                .order_by(lines.c.seq)
                .limit(batch)
            )
            .mappings()
            .all()
        )
        if not rows:
            break
        for row in rows:
            walk.feed(dict(row))
    walk.finish()
    report = ChainReport(key, walk.entries, head_seq, head_hash)
    report.problems = sorted(walk.problems.values(), key=lambda p: (p.seq, p.kind))
    return report


# How far back a line's `prev_hash` is looked up, and how far a renumbered line is looked for: an
# insertion or a deletion of more lines at one place than this is reported as edited lines.
_WINDOW = 16


class _ChainWalk:
    """One pass over a chain in `seq` order, remembering only the last `_WINDOW` lines.

    What tampering looks like, and what is reported (at the first wrong line):
    - edited: the line's hash does not match its content (or, when the hash was recomputed, the next
      line does not follow it);
    - missing: a gap in `seq`; at the end, a head that points past the last line; or lines renumbered
      down to close the gap (their content hashes right with a higher `seq`);
    - inserted: lines renumbered up (their content hashes right with a lower `seq`), or a line that
      the next line skips (its `prev_hash` points before it);
    - after_head: lines beyond the head, which an append always moves along with the lines.
    """

    def __init__(self, head_seq: int, head_hash: str, hashed: tuple[str, ...]) -> None:
        self.head_seq, self.head_hash = head_seq, head_hash
        self.hashed = hashed
        self.problems: dict[int, ChainProblem] = {}
        self.entries = 0
        self.last_seq, self.last_hash = 0, GENESIS
        self.shift = 0  # lines from here on are renumbered by this much (+ inserted, - deleted before)
        self.recent: dict[str, int] = {GENESIS: 0}
        self.head_line_hash = GENESIS  # the hash of the line where the head points

    def _report(self, seq: int, kind: str, message: str) -> None:
        self.problems.setdefault(seq, ChainProblem(seq, kind, message))

    def _renumbered_by(self, row: dict[str, Any]) -> int | None:
        """0 if the line's hash matches its content; else the shift of `seq` that makes it match."""
        if line_hash(row, self.hashed) == row["hash"]:
            return 0
        seq = int(row["seq"])
        candidates = [self.shift] + [d for n in range(1, _WINDOW + 1) for d in (n, -n) if d != self.shift]
        for shift in candidates:
            if (
                shift
                and seq - shift > 0
                and line_hash({**row, "seq": seq - shift}, self.hashed) == row["hash"]
            ):
                return shift
        return None

    def feed(self, row: dict[str, Any]) -> None:
        seq, link = int(row["seq"]), str(row["prev_hash"])
        self.entries += 1
        if seq > self.head_seq + self.shift:  # beyond the head: `finish` names the first such line
            self.last_seq, self.last_hash = seq, str(row["hash"])
            return
        moved = self._renumbered_by(row)
        if moved is None:
            self._report(seq, "edited", f"line {seq} was changed after it was written")
        elif moved > self.shift:
            before = self.recent.get(link)
            if str(row["hash"]) in self.recent:  # a copy of an earlier line: this one is the insertion
                first = seq
            elif before is not None and before < seq:  # the lines between its true predecessor and it
                first = before + 1
            else:
                first = seq - (moved - self.shift)
            for inserted in range(first, seq):  # what their own checks said is part of this
                self.problems.pop(inserted, None)
            gap = f"{first}" if first == seq - 1 else f"{first}–{seq - 1}"
            self._report(first, "inserted", f"line(s) {gap} were inserted; the lines after them renumbered")
            self.shift = moved
        elif moved < self.shift:
            self._report(
                seq,
                "missing",
                f"{self.shift - moved} line(s) before line {seq} were deleted and the rest renumbered",
            )
            self.shift = moved
        elif seq != self.last_seq + 1:
            gap = f"{self.last_seq + 1}" if seq == self.last_seq + 2 else f"{self.last_seq + 1}–{seq - 1}"
            self._report(self.last_seq + 1, "missing", f"line(s) {gap} are missing")
        elif link != self.last_hash:
            before = self.recent.get(link)
            if before is not None and before < self.last_seq:
                for inserted in range(before + 1, seq):
                    self.problems.pop(inserted, None)
                self._report(
                    before + 1,
                    "inserted",
                    f"line {seq} follows line {before}: what lies between was inserted",
                )
            elif self.last_seq in self.problems:
                self._report(seq, "broken_link", f"line {seq} does not follow the line before it")
            else:
                self._report(
                    self.last_seq,
                    "edited",
                    f"line {self.last_seq} was changed and its hash recomputed "
                    f"(line {seq} does not follow it)",
                )
        if seq == self.head_seq + self.shift:
            self.head_line_hash = str(row["hash"])
        self.recent.setdefault(str(row["hash"]), seq)
        if len(self.recent) > _WINDOW + 1:
            del self.recent[next(iter(self.recent))]
        self.last_seq, self.last_hash = seq, str(row["hash"])

    def finish(self) -> None:
        """Compare the end of the chain with its head."""
        if self.shift and self.last_seq == self.head_seq and self.last_hash == self.head_hash:
            return  # the head was renumbered along with the lines (reported where that began)
        head_at = self.head_seq + self.shift  # where the head's line is stored now
        if self.last_seq > head_at:
            after = f"{head_at + 1}" if self.last_seq == head_at + 1 else f"{head_at + 1}–{self.last_seq}"
            self._report(
                head_at + 1,
                "after_head",
                f"line(s) {after} come after the chain head (line {self.head_seq}): written around the log",
            )
            if self.head_line_hash != self.head_hash and head_at > 0:
                self._report(head_at, "broken_link", f"line {head_at} does not match the chain head")
        elif self.last_seq < head_at:
            self._report(
                self.last_seq + 1,
                "missing",
                f"the chain ends at {self.last_seq} but the head says {self.head_seq}",
            )
        elif self.last_hash != self.head_hash and self.last_seq not in self.problems:
            self._report(self.last_seq, "broken_link", "the last line does not match the chain head")
