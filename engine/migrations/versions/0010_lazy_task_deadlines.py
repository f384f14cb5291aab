"""a task's deadline row opens when the task falls due, not when the task opens

Most tasks are done in time: writing a deadline row when each task opens and closing it when it is
done cost every engine step two statements (a fifth of a step). The task row already holds its due
time; `tasks.deadline_id` says whether the scheduler has opened the deadline row yet, and a partial
index holds the open tasks whose due time it still has to watch.

Revision ID: 0010_lazy_task_deadlines
Revises: 0009_user_email
Create Date: 2026-11-29 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_lazy_task_deadlines"
down_revision: str | Sequence[str] | None = "0009_user_email"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WATCHED = "status = 'open' AND kind = 'user' AND due_at IS NOT NULL AND deadline_id IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch_op:
        batch_op.add_column(sa.Column("deadline_id", sa.Uuid(), nullable=True))
    # Tasks whose deadline row was opened eagerly keep it: point them at it.
    op.execute(
        """
        UPDATE tasks SET deadline_id = (
            SELECT d.id FROM escalation_deadlines d
            WHERE d.subject_type = 'task' AND d.subject_id = tasks.id AND d.active = true
        )
        WHERE status = 'open' AND kind = 'user'
        """
    )
    op.create_index(
        "ix_tasks_deadline_due",
        "tasks",
        ["due_at"],
        postgresql_where=sa.text(WATCHED),
        sqlite_where=sa.text(WATCHED),
    )


def downgrade() -> None:
    op.drop_index("ix_tasks_deadline_due", table_name="tasks")
    with op.batch_alter_table("tasks") as batch_op:
        batch_op.drop_column("deadline_id")
