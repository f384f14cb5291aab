"""The processing log is append-only and hash-chained per tenant: verification passes on an honest
log and names the line that was edited or deleted; appends from many threads at once keep the chain
whole on both backends."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from engine.privacy.log import LogLine, append_lines, verify_chain
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
