"""failed logins in the database, shared by every worker and kept across restarts

The login throttle was a dictionary in each worker process: guesses spread over the workers got that
many more tries, and a restart forgot them all (issue 17).

Revision ID: 0012_shared_credentials_state
Revises: 0011_state_lz4
Create Date: 2026-12-05 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.db.base

revision: str = "0012_shared_credentials_state"
down_revision: str | Sequence[str] | None = "0011_state_lz4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("name_hash", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", engine.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name_hash", name=op.f("pk_login_failures")),
    )
    op.create_index(
        op.f("ix_login_failures_window_started_at"), "login_failures", ["window_started_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_login_failures_window_started_at"), table_name="login_failures")
    op.drop_table("login_failures")
