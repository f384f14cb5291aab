"""failed logins and scheduler heartbeats in the database, shared by every process

The login throttle was a dictionary in each worker process: guesses spread over the workers got that
many more tries, and a restart forgot them all. A scheduler running as its own service reported
nothing the web app could see: /healthz said "not running" (issue 17).

Revision ID: 0016_shared_credentials_state
Revises: 0015_rehearsal_clock
Create Date: 2026-12-05 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.db.base

revision: str = "0016_shared_credentials_state"
down_revision: str | Sequence[str] | None = "0015_rehearsal_clock"
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
    op.create_table(
        "scheduler_heartbeats",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("started_at", engine.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("beat_at", engine.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ticks", sa.Integer(), nullable=False),
        sa.Column("fired", sa.Integer(), nullable=False),
        sa.Column("escalated", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduler_heartbeats")),
    )
    op.create_index(
        op.f("ix_scheduler_heartbeats_beat_at"), "scheduler_heartbeats", ["beat_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_scheduler_heartbeats_beat_at"), table_name="scheduler_heartbeats")
    op.drop_table("scheduler_heartbeats")
    op.drop_index(op.f("ix_login_failures_window_started_at"), table_name="login_failures")
    op.drop_table("login_failures")
