"""security log: refused access as an append-only, hash-chained record apart from the processing log

Revision ID: 0013_security_log
Revises: 0012_event_audience
Create Date: 2026-12-05 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import engine.db.base

revision: str = "0013_security_log"
down_revision: str | Sequence[str] | None = "0012_event_audience"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = "security_events is append-only"


def upgrade() -> None:
    op.create_table(
        "security_events",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("chain", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("at", engine.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("roles", sa.String(length=300), nullable=False),
        sa.Column("party", sa.String(length=100), nullable=True),
        sa.Column("operation", sa.String(length=200), nullable=False),
        sa.Column("target", sa.String(length=300), nullable=False),
        sa.Column(
            "target_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("trace_id", sa.String(length=32), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_security_events_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_events")),
        sa.UniqueConstraint("chain", "seq", name=op.f("uq_security_events_chain_seq")),
    )
    with op.batch_alter_table("security_events", schema=None) as batch_op:
        batch_op.create_index("ix_security_events_at", ["chain", "at"], unique=False)
    op.create_table(
        "security_event_heads",
        sa.Column("chain", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("chain", name=op.f("pk_security_event_heads")),
    )
    # Like the processing log: the database refuses UPDATE and DELETE (the hash chain detects the rest).
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION security_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER security_events_append_only BEFORE UPDATE OR DELETE ON security_events "
            "FOR EACH ROW EXECUTE FUNCTION security_events_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER security_events_no_{event.lower()} BEFORE {event} ON security_events "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS security_events_append_only ON security_events")
        op.execute("DROP FUNCTION IF EXISTS security_events_append_only()")
    op.drop_table("security_event_heads")
    op.drop_table("security_events")
