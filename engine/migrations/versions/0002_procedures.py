"""procedures, data subjects, facts, indicators

Revision ID: 0002_procedures
Revises: 0001_engine_core
Create Date: 2026-11-28 21:48:33.405939
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import engine.db.base

revision: str = '0002_procedures'
down_revision: str | Sequence[str] | None = '0001_engine_core'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('procedures',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('process_id', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('phase', sa.String(length=100), nullable=True),
    sa.Column('ingang', sa.String(length=50), nullable=True),
    sa.Column('coordinator', sa.String(length=200), nullable=True),
    sa.Column('started_at', engine.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_by', sa.String(length=200), nullable=True),
    sa.Column('ended_at', engine.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=100), nullable=True),
    sa.Column('stop_reason', sa.String(length=100), nullable=True),
    sa.Column('scope_exclusions', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('retention_until', engine.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('erased_at', engine.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['id'], ['process_instances.id'], name=op.f('fk_procedures_id_process_instances')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_procedures_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procedures')),
    sa.UniqueConstraint('tenant_id', 'reference', name=op.f('uq_procedures_tenant_id_reference'))
    )
    with op.batch_alter_table('procedures', schema=None) as batch_op:
        batch_op.create_index('ix_procedures_tenant_coordinator', ['tenant_id', 'coordinator'], unique=False)
        batch_op.create_index('ix_procedures_tenant_status', ['tenant_id', 'status', 'started_at'], unique=False)

    op.create_table('data_subjects',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('procedure_id', sa.Uuid(), nullable=False),
    sa.Column('key', sa.String(length=50), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('pseudonym', sa.String(length=64), nullable=False),
    sa.Column('participation', sa.String(length=20), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedures.id'], name=op.f('fk_data_subjects_procedure_id_procedures')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_data_subjects_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_subjects')),
    sa.UniqueConstraint('procedure_id', 'key', name=op.f('uq_data_subjects_procedure_id_key'))
    )
    with op.batch_alter_table('data_subjects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_subjects_procedure_id'), ['procedure_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_subjects_pseudonym'), ['pseudonym'], unique=False)

    op.create_table('procedure_indicators',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('procedure_id', sa.Uuid(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('recorded_at', engine.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedures.id'], name=op.f('fk_procedure_indicators_procedure_id_procedures')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_procedure_indicators_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procedure_indicators'))
    )
    with op.batch_alter_table('procedure_indicators', schema=None) as batch_op:
        batch_op.create_index('ix_indicators_tenant_key', ['tenant_id', 'key', 'recorded_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_procedure_indicators_procedure_id'), ['procedure_id'], unique=False)

    op.create_table('facts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('procedure_id', sa.Uuid(), nullable=False),
    sa.Column('subject_id', sa.Uuid(), nullable=False),
    sa.Column('field', sa.String(length=200), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=True),
    sa.Column('category', sa.String(length=50), nullable=False),
    sa.Column('domain', sa.String(length=50), nullable=True),
    sa.Column('value', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('source_party', sa.String(length=100), nullable=True),
    sa.Column('legal_ground', sa.String(length=100), nullable=True),
    sa.Column('purpose', sa.Text(), nullable=True),
    sa.Column('conditions', sa.Text(), nullable=True),
    sa.Column('recorded_at', engine.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=200), nullable=True),
    sa.Column('task_id', sa.Uuid(), nullable=True),
    sa.Column('element_id', sa.String(length=200), nullable=True),
    sa.Column('released', sa.Boolean(), nullable=False),
    sa.Column('erased_at', engine.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedures.id'], name=op.f('fk_facts_procedure_id_procedures')),
    sa.ForeignKeyConstraint(['subject_id'], ['data_subjects.id'], name=op.f('fk_facts_subject_id_data_subjects')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_facts_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facts'))
    )
    with op.batch_alter_table('facts', schema=None) as batch_op:
        batch_op.create_index('ix_facts_procedure', ['procedure_id', 'subject_id'], unique=False)
        batch_op.create_index('ix_facts_tenant_category', ['tenant_id', 'category'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('facts', schema=None) as batch_op:
        batch_op.drop_index('ix_facts_tenant_category')
        batch_op.drop_index('ix_facts_procedure')

    op.drop_table('facts')
    with op.batch_alter_table('procedure_indicators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procedure_indicators_procedure_id'))
        batch_op.drop_index('ix_indicators_tenant_key')

    op.drop_table('procedure_indicators')
    with op.batch_alter_table('data_subjects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_subjects_pseudonym'))
        batch_op.drop_index(batch_op.f('ix_data_subjects_procedure_id'))

    op.drop_table('data_subjects')
    with op.batch_alter_table('procedures', schema=None) as batch_op:
        batch_op.drop_index('ix_procedures_tenant_status')
        batch_op.drop_index('ix_procedures_tenant_coordinator')

    op.drop_table('procedures')
