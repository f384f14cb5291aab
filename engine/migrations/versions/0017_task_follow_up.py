"""a task's follow-up moment (a model's followUpDate), shown in the inbox and sortable

Camunda, Flowable and Zeebe models set `followUpDate` on user tasks: when to look at the task again.
It was read and dropped (issue 16).

Revision ID: 0017_task_follow_up
Revises: 0016_shared_credentials_state
Create Date: 2026-12-05 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.db.base

revision: str = "0017_task_follow_up"
down_revision: str | Sequence[str] | None = "0016_shared_credentials_state"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("follow_up_at", engine.db.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("follow_up_at")
