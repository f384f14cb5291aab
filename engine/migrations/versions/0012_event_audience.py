"""every timeline event says whose work and which person it is about

The read model decides per viewer which timeline entries to show (a party sees its own work, not
another party's). For that each event carries the party whose work it is about, the data subject
and the data categories of the fields it names, written by the one writer (engine.runtime.journal).
Events about a task take party and subject from the task row; older events are filled in from it.

Revision ID: 0012_event_audience
Revises: 0011_state_lz4
Create Date: 2026-12-05 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012_event_audience"
down_revision: str | Sequence[str] | None = "0011_state_lz4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("process_events") as batch_op:
        batch_op.add_column(sa.Column("party", sa.String(100), nullable=True))
        batch_op.add_column(sa.Column("subject", sa.String(100), nullable=True))
        batch_op.add_column(
            sa.Column(
                "categories",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )
    op.execute(
        """
        UPDATE process_events SET
            party = (SELECT t.party FROM tasks t WHERE t.id = process_events.task_id),
            subject = (SELECT t.subject FROM tasks t WHERE t.id = process_events.task_id)
        WHERE task_id IS NOT NULL
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("process_events") as batch_op:
        batch_op.drop_column("categories")
        batch_op.drop_column("subject")
        batch_op.drop_column("party")
