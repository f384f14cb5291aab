"""privacy: processing log (hash-chained, append-only), fact releases, GDPR requests, complaints,
privacy incidents, further-processing requests

Revision ID: 0005_privacy
Revises: 0004_scheduler
Create Date: 2026-11-28 23:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import engine.db.base

revision: str = "0005_privacy"
down_revision: str | Sequence[str] | None = "0004_scheduler"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = "processing_log is append-only"


def upgrade() -> None:
    op.create_table(
        "processing_log",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("at", engine.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("operation", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=200), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("roles", sa.String(length=300), nullable=False),
        sa.Column("party", sa.String(length=100), nullable=True),
        sa.Column("procedure_id", sa.Uuid(), nullable=True),
        sa.Column("procedure_reference", sa.String(length=40), nullable=True),
        sa.Column("activity", sa.String(length=200), nullable=True),
        sa.Column("subject_pseudonym", sa.String(length=64), nullable=False),
        sa.Column("subject_kind", sa.String(length=30), nullable=True),
        sa.Column(
            "categories",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("fact_count", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column(
            "legal_grounds",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("trace_id", sa.String(length=32), nullable=False),
        sa.Column("span_id", sa.String(length=16), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_processing_log_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processing_log")),
        sa.UniqueConstraint("tenant_id", "seq", name=op.f("uq_processing_log_tenant_id_seq")),
    )
    with op.batch_alter_table("processing_log", schema=None) as batch_op:
        batch_op.create_index("ix_processing_log_at", ["tenant_id", "at"], unique=False)
        batch_op.create_index(
            "ix_processing_log_procedure", ["tenant_id", "procedure_id", "seq"], unique=False
        )
        batch_op.create_index(
            "ix_processing_log_subject", ["tenant_id", "subject_pseudonym", "seq"], unique=False
        )

    op.create_table(
        "processing_log_heads",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_processing_log_heads_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_processing_log_heads")),
    )
    op.create_table(
        "complaints",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("procedure_id", sa.Uuid(), nullable=True),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("complainant", sa.String(length=30), nullable=False),
        sa.Column("nature", sa.String(length=50), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("received_at", engine.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("registered_by", sa.String(length=200), nullable=False),
        sa.Column(
            "follow_up",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("outcome", sa.String(length=30), nullable=True),
        sa.Column("outcome_text", sa.Text(), nullable=True),
        sa.Column("closed_at", engine.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["procedure_id"], ["procedures.id"], name=op.f("fk_complaints_procedure_id_procedures")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["data_subjects.id"], name=op.f("fk_complaints_subject_id_data_subjects")
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_complaints_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
    )
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_complaints_procedure_id"), ["procedure_id"], unique=False)
        batch_op.create_index("ix_complaints_tenant_received", ["tenant_id", "received_at"], unique=False)

    op.create_table(
        "further_processing_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("procedure_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("recipient", sa.String(length=100), nullable=False),
        sa.Column(
            "categories",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "subjects",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("legal_ground", sa.String(length=100), nullable=True),
        sa.Column(
            "conditions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "missing",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("requested_at", engine.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["procedures.id"],
            name=op.f("fk_further_processing_requests_procedure_id_procedures"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_further_processing_requests_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_further_processing_requests")),
    )
    with op.batch_alter_table("further_processing_requests", schema=None) as batch_op:
        batch_op.create_index("ix_further_processing_procedure", ["tenant_id", "procedure_id"], unique=False)

    op.create_table(
        "privacy_incidents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("procedure_id", sa.Uuid(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("occurred_at", engine.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("discovered_at", engine.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("registered_at", engine.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("registered_by", sa.String(length=200), nullable=False),
        sa.Column(
            "affected_subjects",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("affected_count", sa.Integer(), nullable=False),
        sa.Column(
            "categories",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "follow_up",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("ap_deadline_at", engine.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reported_to_ap", sa.Boolean(), nullable=True),
        sa.Column("ap_reported_at", engine.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ap_reference", sa.String(length=100), nullable=True),
        sa.Column("ap_motivation", sa.Text(), nullable=True),
        sa.Column("subjects_informed", sa.Boolean(), nullable=True),
        sa.Column("closed_at", engine.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["procedure_id"], ["procedures.id"], name=op.f("fk_privacy_incidents_procedure_id_procedures")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_privacy_incidents_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_incidents")),
    )
    with op.batch_alter_table("privacy_incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_privacy_incidents_procedure_id"), ["procedure_id"], unique=False)
        batch_op.create_index(
            "ix_privacy_incidents_tenant_discovered", ["tenant_id", "discovered_at"], unique=False
        )

    op.create_table(
        "gdpr_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("procedure_id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requester", sa.String(length=30), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("received_at", engine.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", engine.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("extended", sa.Boolean(), nullable=False),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("registered_by", sa.String(length=200), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=True),
        sa.Column(
            "fact_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", engine.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("motivation", sa.Text(), nullable=True),
        sa.Column("lifted_at", engine.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lifted_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["procedure_id"], ["procedures.id"], name=op.f("fk_gdpr_requests_procedure_id_procedures")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["data_subjects.id"], name=op.f("fk_gdpr_requests_subject_id_data_subjects")
        ),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_gdpr_requests_task_id_tasks")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_gdpr_requests_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gdpr_requests")),
    )
    with op.batch_alter_table("gdpr_requests", schema=None) as batch_op:
        batch_op.create_index("ix_gdpr_requests_procedure", ["procedure_id", "kind", "status"], unique=False)
        batch_op.create_index(
            "ix_gdpr_requests_tenant_status", ["tenant_id", "status", "deadline_at"], unique=False
        )

    op.create_table(
        "fact_releases",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("procedure_id", sa.Uuid(), nullable=False),
        sa.Column("fact_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("motivation", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("party", sa.String(length=100), nullable=True),
        sa.Column("decided_at", engine.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["fact_id"], ["facts.id"], name=op.f("fk_fact_releases_fact_id_facts")),
        sa.ForeignKeyConstraint(
            ["procedure_id"], ["procedures.id"], name=op.f("fk_fact_releases_procedure_id_procedures")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_fact_releases_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_releases")),
    )
    with op.batch_alter_table("fact_releases", schema=None) as batch_op:
        batch_op.create_index("ix_fact_releases_procedure", ["procedure_id", "fact_id"], unique=False)

    _append_only_triggers()


def _append_only_triggers() -> None:
    """The log refuses UPDATE and DELETE in the database itself (the hash chain detects the rest)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION processing_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER processing_log_append_only BEFORE UPDATE OR DELETE ON processing_log "
            "FOR EACH ROW EXECUTE FUNCTION processing_log_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER processing_log_no_{event.lower()} BEFORE {event} ON processing_log "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS processing_log_append_only ON processing_log")
        op.execute("DROP FUNCTION IF EXISTS processing_log_append_only()")
    for table in (
        "fact_releases",
        "gdpr_requests",
        "privacy_incidents",
        "further_processing_requests",
        "complaints",
        "processing_log_heads",
        "processing_log",
    ):
        op.drop_table(table)
