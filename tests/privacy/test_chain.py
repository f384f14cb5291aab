"""The processing log is append-only and hash-chained per tenant: verification passes on an honest
log and names the first wrong line of an edit, a deletion, an insertion and a line after the head; appends from many threads at once keep the chain
whole on both backends."""

from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, insert, select, text, update

from api.cli import main
from engine.privacy.log import LogLine, append_lines, entry_hash, verify_chain
from engine.privacy.models import ProcessingLogEntry
from engine.tenancy import ensure_tenant


def _line(tenant: str, n: int) -> LogLine:
    return LogLine(
        tenant_id=tenant,
        operation="read",
        actor=f"user{n}",
        roles="coordinator",
        party=None,
        subject_pseudonym=f"p{n:04d}",
        subject_kind="client",
        categories=["general"],
        fact_count=1,
        purpose="test",
        legal_grounds=["meldpunt"],
    )


@pytest.fixture
def tenants(uow) -> list[str]:
    with uow() as unit:
        for tenant in ("utrecht", "amersfoort"):
            ensure_tenant(unit, tenant, tenant)
        unit.commit()
    return ["utrecht", "amersfoort"]


def _write(uow, tenant: str, count: int) -> None:
    with uow(readonly=True) as unit:  # as a read does: its own short write transaction
        append_lines(unit, [_line(tenant, n) for n in range(count)])


def _verify(uow, tenant: str = "utrecht"):
    with uow(readonly=True) as unit:
        return verify_chain(unit, tenant)


def _tamper(db, sql: str, **params) -> None:
    """What an administrator with write access to the database could do, triggers and all."""
    with db.engine.begin() as connection:
        if db.dialect == "postgresql":
            connection.execute(text("ALTER TABLE processing_log DISABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER processing_log_no_update"))
            connection.execute(text("DROP TRIGGER processing_log_no_delete"))
        connection.execute(text(sql), params)
        if db.dialect == "postgresql":
            connection.execute(text("ALTER TABLE processing_log ENABLE TRIGGER USER"))


def test_an_honest_chain_verifies_per_tenant(uow, tenants):
    _write(uow, "utrecht", 5)
    _write(uow, "amersfoort", 3)
    _write(uow, "utrecht", 2)
    report = _verify(uow)
    assert report.ok and (report.entries, report.head_seq) == (7, 7)
    assert _verify(uow, "amersfoort").entries == 3


def test_the_database_refuses_updates_and_deletes(uow, db, tenants):
    _write(uow, "utrecht", 2)
    for sql in ("UPDATE processing_log SET actor = 'x'", "DELETE FROM processing_log"):
        with pytest.raises(Exception, match="append-only"), db.engine.begin() as connection:
            connection.execute(text(sql))
    assert _verify(uow).ok


def test_an_edited_line_is_detected(uow, db, tenants):
    _write(uow, "utrecht", 5)
    _tamper(db, "UPDATE processing_log SET actor = 'someone_else' WHERE seq = 3 AND tenant_id = 'utrecht'")
    report = _verify(uow)
    assert not report.ok
    assert [(p.seq, p.kind) for p in report.problems] == [(3, "edited")]


def test_an_edited_line_with_a_recomputed_hash_breaks_the_next_link(uow, db, tenants):
    _write(uow, "utrecht", 5)
    _tamper(db, "UPDATE processing_log SET hash = :h WHERE seq = 3 AND tenant_id = 'utrecht'", h="f" * 64)
    kinds = {(p.seq, p.kind) for p in _verify(uow).problems}
    assert {(3, "edited"), (4, "broken_link")} <= kinds


def test_a_deleted_line_is_detected(uow, db, tenants):
    _write(uow, "utrecht", 5)
    _tamper(db, "DELETE FROM processing_log WHERE seq = 2 AND tenant_id = 'utrecht'")
    report = _verify(uow)
    assert [(p.seq, p.kind) for p in report.problems] == [(2, "missing")]


def test_a_deleted_last_line_is_detected_by_the_head(uow, db, tenants):
    _write(uow, "utrecht", 5)
    _tamper(db, "DELETE FROM processing_log WHERE seq = 5 AND tenant_id = 'utrecht'")
    report = _verify(uow)
    assert [(p.seq, p.kind) for p in report.problems] == [(5, "missing")]


def test_concurrent_appends_keep_the_chain_whole(uow, db, tenants):
    threads, per_thread, errors = 6, 15, []

    def work(index: int) -> None:
        try:
            for _ in range(per_thread):
                _write(uow, tenants[index % 2], 2)
        except Exception as exc:  # reported below
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    for tenant in tenants:
        report = _verify(uow, tenant)
        assert report.ok, report.problems
        assert report.entries == report.head_seq == threads // 2 * per_thread * 2


# --- naming the first wrong line: an edit, a deletion, an insertion, a line after the head ---------

ENTRIES = ProcessingLogEntry.__table__


def _forge(db, change) -> None:
    """`_tamper` for changes written in Python: `change(connection)` with the triggers off."""
    with db.engine.begin() as connection:
        if db.dialect == "postgresql":
            connection.execute(text("ALTER TABLE processing_log DISABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER processing_log_no_update"))
            connection.execute(text("DROP TRIGGER processing_log_no_delete"))
        change(connection)
        if db.dialect == "postgresql":
            connection.execute(text("ALTER TABLE processing_log ENABLE TRIGGER USER"))


def _row(connection, seq: int) -> dict:
    found = connection.execute(
        select(ENTRIES).where(ENTRIES.c.tenant_id == "utrecht", ENTRIES.c.seq == seq)
    ).mappings()
    return {k: v for k, v in dict(found.one()).items() if k != "id"}


def _renumber(connection, from_seq: int, by: int) -> None:
    # In two steps: (tenant_id, seq) is unique at every row, not only at the end of the statement.
    where = (ENTRIES.c.tenant_id == "utrecht") & (ENTRIES.c.seq >= from_seq)
    connection.execute(update(ENTRIES).where(where).values(seq=ENTRIES.c.seq + 100_000))
    connection.execute(
        update(ENTRIES)
        .where(ENTRIES.c.tenant_id == "utrecht", ENTRIES.c.seq >= 100_000)
        .values(seq=ENTRIES.c.seq - 100_000 + by)
    )


def _first(uow) -> tuple[int, str]:
    report = _verify(uow)
    assert not report.ok
    return report.problems[0].seq, report.problems[0].kind


def _forged_line(connection, seq: int, *, after: int) -> dict:
    """A line as the application would have written it at `seq`, following line `after`."""
    values = {**_row(connection, after), "seq": seq, "actor": "inbreker"}
    values["prev_hash"] = _row(connection, after)["hash"]
    values["hash"] = entry_hash(values)
    return values


def test_an_edit_with_a_recomputed_hash_names_the_edited_line(uow, db, tenants):
    _write(uow, "utrecht", 6)

    def change(connection) -> None:
        values = {**_row(connection, 3), "actor": "someone_else"}
        connection.execute(
            update(ENTRIES)
            .where(ENTRIES.c.tenant_id == "utrecht", ENTRIES.c.seq == 3)
            .values(actor="someone_else", hash=entry_hash(values))
        )

    _forge(db, change)
    assert _first(uow) == (3, "edited")


def test_a_deletion_with_the_later_lines_renumbered_names_the_deleted_line(uow, db, tenants):
    _write(uow, "utrecht", 6)

    def change(connection) -> None:
        connection.execute(delete(ENTRIES).where(ENTRIES.c.tenant_id == "utrecht", ENTRIES.c.seq == 3))
        _renumber(connection, 4, -1)
        connection.execute(text("UPDATE processing_log_heads SET seq = 5 WHERE tenant_id = 'utrecht'"))

    _forge(db, change)
    report = _verify(uow)
    assert [(p.seq, p.kind) for p in report.problems] == [(3, "missing")]


@pytest.mark.parametrize("forged", [True, False], ids=["with-a-right-hash", "copied"])
def test_an_inserted_line_is_named(uow, db, tenants, forged):
    _write(uow, "utrecht", 6)

    def change(connection) -> None:
        line = _forged_line(connection, 3, after=2) if forged else {**_row(connection, 2), "seq": 3}
        _renumber(connection, 3, +1)
        connection.execute(insert(ENTRIES).values(**line))

    _forge(db, change)
    report = _verify(uow)
    assert [(p.seq, p.kind) for p in report.problems] == [(3, "inserted")], report.problems
    assert report.entries == 7


@pytest.mark.parametrize("forged", [True, False], ids=["with-a-right-hash", "copied"])
def test_a_line_appended_after_the_head_is_named_not_missing(uow, db, tenants, forged):
    _write(uow, "utrecht", 6)

    def change(connection) -> None:
        line = _forged_line(connection, 7, after=6) if forged else {**_row(connection, 6), "seq": 7}
        connection.execute(insert(ENTRIES).values(**line))

    _forge(db, change)
    report = _verify(uow)
    assert (report.head_seq, report.entries) == (6, 7)
    assert report.problems[0].seq == 7 and report.problems[0].kind == "after_head", report.problems
    assert "line(s) 7 come after the chain head (line 6)" in report.problems[0].message
    if forged:
        assert len(report.problems) == 1


def test_wams_audit_verify_names_the_line_after_the_head(
    uow, db, tenants, database_url, monkeypatch, tmp_path
):
    _write(uow, "utrecht", 4)
    _forge(
        db,
        lambda connection: connection.execute(insert(ENTRIES).values(**_forged_line(connection, 5, after=4))),
    )
    monkeypatch.setenv("WAMS_DATABASE_URL", database_url)
    monkeypatch.setenv("WAMS_INSTANCE_PATH", str(tmp_path))
    result = CliRunner().invoke(main, ["audit", "verify", "--tenant", "utrecht"])
    assert result.exit_code == 1
    assert "line 5: after_head: line(s) 5 come after the chain head (line 4)" in result.output
    assert "line 6" not in result.output and "missing" not in result.output
