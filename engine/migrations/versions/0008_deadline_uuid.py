"""deadlines get client-generated UUID keys (escalations follow)

Engine steps open deadlines in most steps; with a UUID made in Python the runtime's lean writer
inserts them without a round trip for a database-generated id. Existing rows keep their link:
each deadline gets a fresh UUID and its escalations are pointed at it before the old key goes.

Revision ID: 0008_deadline_uuid
Revises: 0007_reference_counters
Create Date: 2026-11-29 01:00:00
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_deadline_uuid"
down_revision: str | Sequence[str] | None = "0007_reference_counters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK_NAME = "fk_escalations_deadline_id_escalation_deadlines"
BATCH = 5000


def _fill_new_keys() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("UPDATE escalation_deadlines SET new_id = gen_random_uuid()")
    else:
        deadlines = sa.table(
            "escalation_deadlines", sa.column("id", sa.Integer), sa.column("new_id", sa.Uuid)
        )
        old_ids = list(bind.execute(sa.select(deadlines.c.id)).scalars())
        statement = (
            sa.update(deadlines)
            .where(deadlines.c.id == sa.bindparam("old"))
            .values(new_id=sa.bindparam("new"))
        )
        for start in range(0, len(old_ids), BATCH):
            chunk = old_ids[start : start + BATCH]
            bind.execute(statement, [{"old": old, "new": uuid.uuid4()} for old in chunk])
    op.execute(
        "UPDATE escalations SET new_deadline_id = "
        "(SELECT d.new_id FROM escalation_deadlines d WHERE d.id = escalations.deadline_id)"
    )


def upgrade() -> None:
    with op.batch_alter_table("escalations") as batch_op:
        batch_op.drop_constraint(FK_NAME, type_="foreignkey")
        batch_op.add_column(sa.Column("new_deadline_id", sa.Uuid(), nullable=True))
    with op.batch_alter_table("escalation_deadlines") as batch_op:
        batch_op.add_column(sa.Column("new_id", sa.Uuid(), nullable=True))

    _fill_new_keys()

    # One change per batch: in SQLite's table rebuild, a key or index dropped and re-created in the
    # same batch is lost or refers to a column that is not there yet.
    with op.batch_alter_table("escalation_deadlines") as batch_op:
        batch_op.drop_constraint("pk_escalation_deadlines", type_="primary")
        batch_op.drop_column("id")
    with op.batch_alter_table("escalation_deadlines") as batch_op:
        batch_op.alter_column("new_id", new_column_name="id", nullable=False, existing_type=sa.Uuid())
    with op.batch_alter_table("escalation_deadlines") as batch_op:
        batch_op.create_primary_key("pk_escalation_deadlines", ["id"])
    with op.batch_alter_table("escalations") as batch_op:
        batch_op.drop_index("ix_escalations_deadline_id")
        batch_op.drop_column("deadline_id")
    with op.batch_alter_table("escalations") as batch_op:
        batch_op.alter_column(
            "new_deadline_id", new_column_name="deadline_id", nullable=False, existing_type=sa.Uuid()
        )
    with op.batch_alter_table("escalations") as batch_op:
        batch_op.create_index("ix_escalations_deadline_id", ["deadline_id"], unique=False)
        batch_op.create_foreign_key(FK_NAME, "escalation_deadlines", ["deadline_id"], ["id"])


def downgrade() -> None:
    raise NotImplementedError(
        "0008_deadline_uuid cannot be undone: integer keys would have to be invented; restore a backup"
    )
