"""the indicators' stalls per phase read from the index alone

The indicators now count, average and take medians in the database (engine.db.aggregates). Their
per-phase stalls read a municipality's user tasks completed in the year (tens of thousands at a shared
service centre); the heatmap's index held every column but `kind` and `phase`, so PostgreSQL fetched
a heap page per row (98 ms of a 230 ms request in bench/national.py at 1,000,000 procedures). With both
columns included it is an index-only scan (40 ms).

Revision ID: 0019_stalls_from_the_index
Revises: 0018_national_scale_indexes
Create Date: 2026-12-05 07:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019_stalls_from_the_index"
down_revision: str | Sequence[str] | None = "0018_national_scale_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["tenant_id", "status", "completed_at"]
INCLUDED = ["process_id", "element_id", "name", "role", "created_at", "due_at"]
NAME = "ix_tasks_tenant_status_completed"


def _rebuild(included: list[str]) -> None:
    """PostgreSQL only (SQLite has no included columns: its index stays as it is). Built beside the
    old one without blocking writes, as a shared service centre's ten million task rows take about
    half a minute; then the old one goes and the new one takes its name."""
    if op.get_bind().dialect.name != "postgresql":
        return
    with op.get_context().autocommit_block():
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}_next")  # left invalid by a failed run
        op.create_index(f"{NAME}_next", "tasks", COLUMNS, postgresql_include=included, postgresql_concurrently=True)
        op.drop_index(NAME, table_name="tasks", postgresql_concurrently=True)
        op.execute(f"ALTER INDEX {NAME}_next RENAME TO {NAME}")


def upgrade() -> None:
    _rebuild([*INCLUDED, "kind", "phase"])


def downgrade() -> None:
    _rebuild(INCLUDED)
