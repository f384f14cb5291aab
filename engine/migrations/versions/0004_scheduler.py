"""scheduler: deadlines, escalations, notifications, suspensions/extensions; tasks.kind

Revision ID: 0004_scheduler
Revises: 0003_accounts
Create Date: 2026-11-28 22:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import engine.db.base

revision: str = "0004_scheduler"
down_revision: str | Sequence[str] | None = "0003_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "escalation_deadlines",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("instance_id", sa.Uuid(), nullable=False),
        sa.Column("subject_type", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("rule", sa.String(length=100), nullable=False),
        sa.Column("occurrence", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=40), nullable=True),
        sa.Column("opened_at", engine.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", engine.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("next_level_at", engine.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_check_at", engine.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("closed_at", engine.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_escalation_deadlines_instance_id_process_instances"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_escalation_deadlines_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_deadlines")),
        sa.UniqueConstraint(
            "subject_type", "subject_id", "rule", "occurrence", name="uq_escalation_deadlines_subject"
        ),
    )
    with op.batch_alter_table("escalation_deadlines", schema=None) as batch_op:
        batch_op.create_index(
            "ix_escalation_deadlines_check",
            ["next_check_at"],
            unique=False,
            postgresql_where=sa.text("next_check_at IS NOT NULL"),
            sqlite_where=sa.text("next_check_at IS NOT NULL"),
        )
        batch_op.create_index("ix_escalation_deadlines_instance", ["instance_id", "active"], unique=False)

    op.create_table(
        "procedure_adjustments",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("instance_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("period", sa.String(length=40), nullable=True),
        sa.Column("rule", sa.String(length=100), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", engine.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_by", sa.String(length=200), nullable=True),
        sa.Column("ended_at", engine.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column(
            "shifted",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_procedure_adjustments_instance_id_process_instances"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_procedure_adjustments_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedure_adjustments")),
    )
    with op.batch_alter_table("procedure_adjustments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_procedure_adjustments_instance", ["instance_id", "kind", "status"], unique=False
        )

    op.create_table(
        "escalations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("instance_id", sa.Uuid(), nullable=False),
        sa.Column("deadline_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("subject_type", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("rule", sa.String(length=100), nullable=False),
        sa.Column("occurrence", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("due_at", engine.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("raised_at", engine.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=True),
        sa.Column("assignee", sa.String(length=200), nullable=True),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        sa.Column("resolved_at", engine.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["deadline_id"],
            ["escalation_deadlines.id"],
            name=op.f("fk_escalations_deadline_id_escalation_deadlines"),
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_escalations_instance_id_process_instances"),
        ),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_escalations_task_id_tasks")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_escalations_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
        sa.UniqueConstraint(
            "subject_type", "subject_id", "rule", "occurrence", "level", name="uq_escalations_subject_level"
        ),
    )
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escalations_deadline_id"), ["deadline_id"], unique=False)
        batch_op.create_index("ix_escalations_instance", ["instance_id"], unique=False)
        batch_op.create_index(
            "ix_escalations_tenant_status", ["tenant_id", "status", "raised_at"], unique=False
        )

    op.create_table(
        "notifications",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=True),
        sa.Column("role", sa.String(length=50), nullable=True),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("instance_id", sa.Uuid(), nullable=True),
        sa.Column("escalation_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", engine.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", engine.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("read_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["escalation_id"], ["escalations.id"], name=op.f("fk_notifications_escalation_id_escalations")
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_notifications_instance_id_process_instances"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_notifications_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_escalation_id"), ["escalation_id"], unique=False)
        batch_op.create_index(
            "ix_notifications_recipient", ["tenant_id", "recipient", "read_at"], unique=False
        )
        batch_op.create_index("ix_notifications_role", ["tenant_id", "role", "read_at"], unique=False)

    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=20), server_default="user", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_column("kind")

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_role")
        batch_op.drop_index("ix_notifications_recipient")
        batch_op.drop_index(batch_op.f("ix_notifications_escalation_id"))

    op.drop_table("notifications")
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_index("ix_escalations_tenant_status")
        batch_op.drop_index("ix_escalations_instance")
        batch_op.drop_index(batch_op.f("ix_escalations_deadline_id"))

    op.drop_table("escalations")
    with op.batch_alter_table("procedure_adjustments", schema=None) as batch_op:
        batch_op.drop_index("ix_procedure_adjustments_instance")

    op.drop_table("procedure_adjustments")
    with op.batch_alter_table("escalation_deadlines", schema=None) as batch_op:
        batch_op.drop_index("ix_escalation_deadlines_instance")
        batch_op.drop_index(
            "ix_escalation_deadlines_check",
            postgresql_where=sa.text("next_check_at IS NOT NULL"),
            sqlite_where=sa.text("next_check_at IS NOT NULL"),
        )

    op.drop_table("escalation_deadlines")
