"""reference counters: atomic per-municipality numbering of procedures

Revision ID: 0007_reference_counters
Revises: 0006_definition_parties
Create Date: 2026-11-28 23:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_reference_counters"
down_revision: str | Sequence[str] | None = "0006_definition_parties"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reference_counters",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_reference_counters_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "year", name=op.f("pk_reference_counters")),
    )


def downgrade() -> None:
    op.drop_table("reference_counters")
