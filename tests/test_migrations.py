"""The Alembic migrations create exactly the schema the models describe, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.db.migrate import current_heads
from engine.db.models import metadata


def test_migrations_match_the_models(db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_the_database_is_at_the_newest_revision(db):
    with db.engine.connect() as connection:
        heads = set(MigrationContext.configure(connection).get_current_heads())
    assert heads == current_heads()
