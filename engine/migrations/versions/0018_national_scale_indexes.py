"""indexes for the manager's dashboard and the indicators at national scale

Measured with bench/national.py (1,000,000 procedures and 10,000,000 task rows across 50
municipalities, `python -m bench scale`; issue 18). No plan scanned a table whole, but the ones that
mattered read far too much: the bottleneck heatmap walked every task row of the municipality
(ix_tasks_element, tenant prefix only), the indicators every procedure of it (an index whose second
column they do not constrain), and each then fetched thousands of scattered heap pages, since a
shared service centre's rows of one municipality lie between those of fifty others. These indexes
give each query its own range and, on PostgreSQL, every column it reads (index-only scans).

Revision ID: 0018_national_scale_indexes
Revises: 0017_task_follow_up
Create Date: 2026-12-05 04:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018_national_scale_indexes"
down_revision: str | Sequence[str] | None = "0017_task_follow_up"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tasks_tenant_status_completed",
            ["tenant_id", "status", "completed_at"],
            postgresql_include=["process_id", "element_id", "name", "role", "created_at", "due_at"],
        )
    with op.batch_alter_table("procedures", schema=None) as batch_op:
        batch_op.create_index(
            "ix_procedures_tenant_running", ["tenant_id", "status"], postgresql_include=["id", "phase", "coordinator"]
        )
        batch_op.create_index(
            "ix_procedures_tenant_started", ["tenant_id", "started_at"], postgresql_include=["ended_at", "ingang"]
        )
        batch_op.create_index(
            "ix_procedures_tenant_ended",
            ["tenant_id", "ended_at"],
            postgresql_include=["started_at", "outcome", "stop_reason"],
        )
    with op.batch_alter_table("procedure_indicators", schema=None) as batch_op:
        batch_op.drop_index("ix_indicators_tenant_key")
        batch_op.create_index(
            "ix_indicators_tenant_key",
            ["tenant_id", "key", "recorded_at"],
            postgresql_include=["procedure_id", "value"],
        )


def downgrade() -> None:
    with op.batch_alter_table("procedure_indicators", schema=None) as batch_op:
        batch_op.drop_index("ix_indicators_tenant_key")
        batch_op.create_index("ix_indicators_tenant_key", ["tenant_id", "key", "recorded_at"])
    with op.batch_alter_table("procedures", schema=None) as batch_op:
        batch_op.drop_index("ix_procedures_tenant_ended")
        batch_op.drop_index("ix_procedures_tenant_started")
        batch_op.drop_index("ix_procedures_tenant_running")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_tenant_status_completed")
