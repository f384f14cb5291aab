"""each procedure's replay outcome, kept for the conformance view (issue 18)

The conformance view replayed every procedure of the period against its model on every request, so
it was bounded to the newest 2,000 and still took about a second. A finished procedure's history
never changes: its outcome (variant, per element done/skipped/repeated/out of order, gateway choices)
is kept once, keyed by the definition version and the instance's optimistic-lock version, and only
procedures that moved since are replayed (engine.monitoring.summaries). Outcomes are stored once per
distinct outcome (conformance_outcomes; most procedures share theirs), procedures point at them.

Revision ID: 0020_conformance_summaries
Revises: 0019_stalls_from_the_index
Create Date: 2026-12-05 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_conformance_summaries"
down_revision: str | Sequence[str] | None = "0019_stalls_from_the_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conformance_outcomes",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_conformance_outcomes_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conformance_outcomes")),
        sa.UniqueConstraint("tenant_id", "digest", name=op.f("uq_conformance_outcomes_tenant_id_digest")),
    )
    op.create_table(
        "conformance_summaries",
        sa.Column("instance_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("instance_version", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_conformance_summaries_instance_id_process_instances"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_conformance_summaries_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["outcome_id"],
            ["conformance_outcomes.id"],
            name=op.f("fk_conformance_summaries_outcome_id_conformance_outcomes"),
        ),
        sa.ForeignKeyConstraint(
            ["definition_id"],
            ["process_definitions.id"],
            name=op.f("fk_conformance_summaries_definition_id_process_definitions"),
        ),
        sa.PrimaryKeyConstraint("instance_id", name=op.f("pk_conformance_summaries")),
    )
    with op.batch_alter_table("conformance_summaries", schema=None) as batch_op:
        batch_op.create_index("ix_conformance_summaries_tenant", ["tenant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("conformance_summaries", schema=None) as batch_op:
        batch_op.drop_index("ix_conformance_summaries_tenant")
    op.drop_table("conformance_summaries")
    op.drop_table("conformance_outcomes")
