"""tenants are production or rehearsal municipalities; a rehearsal tenant has its own clock

`kind` says whether a municipality is real ('production') or an oefenomgeving ('rehearsal'); only
a rehearsal tenant's clock can be moved. `clock_offset_us` is how far that clock runs ahead of the
system clock, in microseconds (0 for production: its clock is the system clock).

Revision ID: 0013_rehearsal_clock
Revises: 0012_event_audience
Create Date: 2026-12-05 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_rehearsal_clock"
down_revision: str | Sequence[str] | None = "0012_event_audience"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tenants") as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(20), nullable=False, server_default="production"))
        batch_op.add_column(sa.Column("clock_offset_us", sa.BigInteger(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("tenants") as batch_op:
        batch_op.drop_column("clock_offset_us")
        batch_op.drop_column("kind")
