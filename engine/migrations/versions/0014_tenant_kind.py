"""tenants: kind (production or rehearsal)

A municipality may run a rehearsal tenant beside its production one, to train people and try a new
model on fictional cases. The kind is stored so everything that must treat them differently (a
rehearsal clock, reports, retention) can tell them apart; existing tenants are production.

Revision ID: 0014_tenant_kind
Revises: 0013_security_log
Create Date: 2026-12-05 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_tenant_kind"
down_revision: str | Sequence[str] | None = "0013_security_log"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="production"))


def downgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("kind")
