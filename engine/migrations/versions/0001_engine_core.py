"""engine core: tenants, definitions, instances, tasks, events

Revision ID: 0001_engine_core
Revises: 
Create Date: 2026-11-28 21:45:39.126687
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import engine.db.base

revision: str = '0001_engine_core'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('tenants',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('settings', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', engine.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenants'))
    )
    op.create_table('process_definitions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('process_id', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', engine.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=True),
    sa.Column('spec_json', sa.Text(), nullable=False),
    sa.Column('settings', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('legal_grounds', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('summary', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_process_definitions_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_definitions')),
    sa.UniqueConstraint('tenant_id', 'process_id', 'content_hash', name=op.f('uq_process_definitions_tenant_id_process_id_content_hash')),
    sa.UniqueConstraint('tenant_id', 'process_id', 'version', name=op.f('uq_process_definitions_tenant_id_process_id_version'))
    )
    with op.batch_alter_table('process_definitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_definitions_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('definition_files',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('definition_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['definition_id'], ['process_definitions.id'], name=op.f('fk_definition_files_definition_id_process_definitions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_definition_files')),
    sa.UniqueConstraint('definition_id', 'path', name=op.f('uq_definition_files_definition_id_path'))
    )
    with op.batch_alter_table('definition_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_definition_files_definition_id'), ['definition_id'], unique=False)

    op.create_table('process_instances',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('definition_id', sa.Integer(), nullable=False),
    sa.Column('current_process_id', sa.String(length=200), nullable=False),
    sa.Column('segment', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('current_steps', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('started_at', engine.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_by', sa.String(length=200), nullable=True),
    sa.Column('updated_at', engine.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', engine.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('next_timer_due', engine.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('state', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['definition_id'], ['process_definitions.id'], name=op.f('fk_process_instances_definition_id_process_definitions')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_process_instances_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_instances'))
    )
    with op.batch_alter_table('process_instances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_instances_definition_id'), ['definition_id'], unique=False)
        batch_op.create_index('ix_process_instances_tenant_status', ['tenant_id', 'status', 'started_at'], unique=False)
        batch_op.create_index('ix_process_instances_timer_due', ['next_timer_due'], unique=False, postgresql_where=sa.text('next_timer_due IS NOT NULL'), sqlite_where=sa.text('next_timer_due IS NOT NULL'))

    op.create_table('process_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('instance_id', sa.Uuid(), nullable=False),
    sa.Column('task_id', sa.Uuid(), nullable=True),
    sa.Column('process_id', sa.String(length=200), nullable=True),
    sa.Column('element_id', sa.String(length=200), nullable=True),
    sa.Column('type', sa.String(length=50), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=True),
    sa.Column('at', engine.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('segment', sa.Integer(), nullable=False),
    sa.Column('data_keys', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'], name=op.f('fk_process_events_instance_id_process_instances')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_process_events_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_events'))
    )
    with op.batch_alter_table('process_events', schema=None) as batch_op:
        batch_op.create_index('ix_process_events_instance', ['instance_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_process_events_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('tasks',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('instance_id', sa.Uuid(), nullable=False),
    sa.Column('definition_id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.String(length=200), nullable=False),
    sa.Column('element_id', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('role', sa.String(length=50), nullable=True),
    sa.Column('assignee', sa.String(length=200), nullable=True),
    sa.Column('party', sa.String(length=100), nullable=True),
    sa.Column('subject', sa.String(length=100), nullable=True),
    sa.Column('form_key', sa.String(length=200), nullable=True),
    sa.Column('phase', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', engine.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', engine.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=200), nullable=True),
    sa.Column('claimed_at', engine.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_by', sa.String(length=200), nullable=True),
    sa.Column('completed_at', engine.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', engine.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('properties', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('context', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['definition_id'], ['process_definitions.id'], name=op.f('fk_tasks_definition_id_process_definitions')),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'], name=op.f('fk_tasks_instance_id_process_instances')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tasks_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tasks'))
    )
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_element', ['tenant_id', 'process_id', 'element_id', 'status'], unique=False)
        batch_op.create_index('ix_tasks_inbox', ['tenant_id', 'status', 'role', 'due_at'], unique=False)
        batch_op.create_index('ix_tasks_instance', ['instance_id', 'status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_instance')
        batch_op.drop_index('ix_tasks_inbox')
        batch_op.drop_index('ix_tasks_element')

    op.drop_table('tasks')
    with op.batch_alter_table('process_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_events_tenant_id'))
        batch_op.drop_index('ix_process_events_instance')

    op.drop_table('process_events')
    with op.batch_alter_table('process_instances', schema=None) as batch_op:
        batch_op.drop_index('ix_process_instances_timer_due', postgresql_where=sa.text('next_timer_due IS NOT NULL'), sqlite_where=sa.text('next_timer_due IS NOT NULL'))
        batch_op.drop_index('ix_process_instances_tenant_status')
        batch_op.drop_index(batch_op.f('ix_process_instances_definition_id'))

    op.drop_table('process_instances')
    with op.batch_alter_table('definition_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_definition_files_definition_id'))

    op.drop_table('definition_files')
    with op.batch_alter_table('process_definitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_definitions_tenant_id'))

    op.drop_table('process_definitions')
    op.drop_table('tenants')
