"""a rehearsal tenant has its own clock

Only a rehearsal municipality's clock can be moved (`tenants.kind`, 0014). `clock_offset_us` is how
far that clock runs ahead of the system clock, in microseconds (0 for production: its clock is the
system clock).

Revision ID: 0015_rehearsal_clock
Revises: 0014_tenant_kind
Create Date: 2026-12-05 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_rehearsal_clock"
down_revision: str | Sequence[str] | None = "0014_tenant_kind"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tenants") as batch_op:
        batch_op.add_column(sa.Column("clock_offset_us", sa.BigInteger(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("tenants") as batch_op:
        batch_op.drop_column("clock_offset_us")
