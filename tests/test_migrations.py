"""The Alembic migrations create exactly the schema the models describe, on both backends."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from engine.db.migrate import current_heads, upgrade
from engine.db.models import metadata
from engine.runtime.models import Task
from engine.scheduler.models import Deadline


def test_migrations_match_the_models(db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_every_table_has_the_primary_key_the_model_declares(db):
    # Autogenerate comparison does not look at primary keys; a rebuilt SQLite table can lose one.
    inspector = sa.inspect(db.engine)
    for table in metadata.sorted_tables:
        declared = [column.name for column in table.primary_key.columns]
        assert inspector.get_pk_constraint(table.name)["constrained_columns"] == declared, table.name


def test_the_database_is_at_the_newest_revision(db):
    with db.engine.connect() as connection:
        heads = set(MigrationContext.configure(connection).get_current_heads())
    assert heads == current_heads()


@pytest.fixture
def empty_database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables yet, for walking the migrations step by step."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'walk.db'}"
        return
    base = make_url(request.getfixturevalue("postgres_url"))
    name = f"{base.database}_walk"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


_SAMPLE_VALUES: dict[type, Any] = {
    sa.String: "x",
    sa.Text: "x",
    sa.Integer: 1,
    sa.Boolean: True,
    sa.DateTime: datetime(2026, 1, 1, tzinfo=UTC),
    sa.JSON: {},
}


def _insert(connection: sa.Connection, table: sa.Table, **given: Any) -> None:
    """Insert a row with `given` values and a plausible value for every other required column."""
    row = dict(given)
    for column in table.columns:
        if column.name in row or column.nullable or column.server_default is not None:
            continue
        if column.primary_key and isinstance(column.type, sa.Integer):
            continue
        if isinstance(column.type, sa.Uuid) or column.type.python_type is uuid.UUID:
            row[column.name] = uuid.uuid4()
            continue
        row[column.name] = next(v for t, v in _SAMPLE_VALUES.items() if isinstance(column.type, t))
    if connection.dialect.name == "sqlite":
        # Reflected from SQLite, a UUID column is CHAR(32): write what sa.Uuid would store.
        row = {name: value.hex if isinstance(value, uuid.UUID) else value for name, value in row.items()}
    connection.execute(table.insert().values(**row))


def _instance(connection: sa.Connection, tables: sa.MetaData, instance_id: uuid.UUID) -> None:
    """Tenant t1, its definition 1 and a process instance of it, as the old schema stores them."""
    _insert(connection, tables.tables["tenants"], id="t1")
    _insert(connection, tables.tables["process_definitions"], id=1, tenant_id="t1")
    _insert(connection, tables.tables["process_instances"], id=instance_id, tenant_id="t1", definition_id=1)


def test_deadline_keys_become_uuids_and_escalations_keep_their_deadline(empty_database_url):
    upgrade(empty_database_url, "0007_reference_counters")
    engine = create_engine(empty_database_url)
    tables = sa.MetaData()
    tables.reflect(engine)
    instance_id = uuid.uuid4()
    with engine.begin() as connection:
        _instance(connection, tables, instance_id)
        for deadline_id, rule in [(7, "beoordeling"), (8, "onderzoek")]:
            _insert(
                connection,
                tables.tables["escalation_deadlines"],
                id=deadline_id,
                tenant_id="t1",
                instance_id=instance_id,
                subject_id=instance_id,
                rule=rule,
            )
            _insert(
                connection,
                tables.tables["escalations"],
                id=uuid.uuid4(),
                tenant_id="t1",
                instance_id=instance_id,
                deadline_id=deadline_id,
                subject_id=instance_id,
                rule=rule,
            )
    engine.dispose()

    upgrade(empty_database_url)

    engine = create_engine(empty_database_url)
    with engine.connect() as connection:
        linked = connection.execute(
            text(
                "SELECT d.rule, e.rule FROM escalations e "
                "JOIN escalation_deadlines d ON d.id = e.deadline_id ORDER BY d.rule"
            )
        ).all()
        keys = connection.execute(sa.select(Deadline.id)).scalars().all()
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    engine.dispose()
    assert [tuple(row) for row in linked] == [("beoordeling", "beoordeling"), ("onderzoek", "onderzoek")]
    assert len(keys) == 2 and all(isinstance(key, uuid.UUID) for key in keys)
    assert differences == []


def test_tasks_keep_the_deadline_row_they_already_had(empty_database_url):
    """Before 0010 every task with a due time got a deadline row when it opened; after it, the
    scheduler opens one when the task falls due. An open task that has a row keeps it (and is not
    given a second one); a task without one is watched by its due time."""
    upgrade(empty_database_url, "0009_user_email")
    engine = create_engine(empty_database_url)
    tables = sa.MetaData()
    tables.reflect(engine)
    instance_id, with_row, without_row, deadline_id = (uuid.uuid4() for _ in range(4))
    with engine.begin() as connection:
        _instance(connection, tables, instance_id)
        for task_id in (with_row, without_row):
            _insert(
                connection,
                tables.tables["tasks"],
                id=task_id,
                tenant_id="t1",
                instance_id=instance_id,
                definition_id=1,
                status="open",
                kind="user",
                due_at=datetime(2026, 2, 1, tzinfo=UTC),
            )
        _insert(
            connection,
            tables.tables["escalation_deadlines"],
            id=deadline_id,
            tenant_id="t1",
            instance_id=instance_id,
            subject_type="task",
            subject_id=with_row,
            rule="taak.termijn",
            active=True,
        )
    engine.dispose()

    upgrade(empty_database_url)

    engine = create_engine(empty_database_url)
    with engine.connect() as connection:
        linked = {task_id: link for task_id, link in connection.execute(sa.select(Task.id, Task.deadline_id))}
    engine.dispose()
    assert linked == {with_row: deadline_id, without_row: None}


@pytest.mark.parametrize("backend", ["postgresql"])  # SQLite does not compress
def test_live_state_is_compressed_with_lz4_on_postgresql(db):
    with db.engine.connect() as connection:
        offered = connection.scalar(
            text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
        )
        if "lz4" not in (offered or []):
            pytest.skip("this PostgreSQL server offers no lz4")
        method = connection.scalar(
            text(
                "SELECT attcompression FROM pg_attribute "
                "WHERE attrelid = 'process_instances'::regclass AND attname = 'state'"
            )
        )
    assert method == "l"
