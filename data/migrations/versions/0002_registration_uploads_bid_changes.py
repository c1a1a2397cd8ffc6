"""registration, uploads, bid changes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 05:53:22

Schema for issue 9: account applications and pending organisations, DER registration details,
contributor uploads, never-reused identifier sequences, and the bid change log.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import data.models.types

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('id_sequence',
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('last_value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_id_sequence'))
    )
    op.create_table('contributor_upload',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('aggregator_org_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('file_name', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=True),
    sa.Column('problems', sa.JSON(), nullable=True),
    sa.Column('applied_at', data.models.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', data.models.types.UtcDateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['aggregator_org_id'], ['organisation.id'], name=op.f('fk_contributor_upload_aggregator_org_id_organisation')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_contributor_upload_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contributor_upload'))
    )
    op.create_index(op.f('ix_contributor_upload_aggregator_org_id'), 'contributor_upload', ['aggregator_org_id'], unique=False)
    op.create_table('bid_change',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('at', data.models.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('after_close', sa.Boolean(), nullable=False),
    sa.Column('detail', sa.String(length=1000), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['bid_id'], ['bid.id'], name=op.f('fk_bid_change_bid_id_bid')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_bid_change_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_bid_change_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bid_change'))
    )
    op.create_index('ix_bid_change_at', 'bid_change', ['at'], unique=False)
    op.create_index(op.f('ix_bid_change_bid_id'), 'bid_change', ['bid_id'], unique=False)
    # batch: SQLite cannot ALTER constraints (on PostgreSQL these are plain ALTER TABLE statements)
    with op.batch_alter_table('app_user') as batch:
        batch.add_column(sa.Column('requested_organisation_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('status_reason', sa.String(length=500), nullable=True))
        batch.create_foreign_key(op.f('fk_app_user_requested_organisation_id_organisation'), 'organisation',
                                 ['requested_organisation_id'], ['id'])
    op.add_column('bid', sa.Column('base_quantity_kw', sa.Float(), nullable=True))
    with op.batch_alter_table('der') as batch:
        batch.add_column(sa.Column('connection_assessment_class', sa.String(length=10), nullable=True))
        batch.add_column(sa.Column('registered_by_org_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('status_reason', sa.String(length=500), nullable=True))
        batch.create_foreign_key(op.f('fk_der_registered_by_org_id_organisation'), 'organisation',
                                 ['registered_by_org_id'], ['id'])
    op.add_column('meter', sa.Column('status_reason', sa.String(length=500), nullable=True))
    op.add_column('organisation', sa.Column('status', sa.String(length=12), server_default='active', nullable=False))


def downgrade() -> None:
    op.drop_column('organisation', 'status')
    op.drop_column('meter', 'status_reason')
    with op.batch_alter_table('der') as batch:
        batch.drop_constraint(op.f('fk_der_registered_by_org_id_organisation'), type_='foreignkey')
        batch.drop_column('status_reason')
        batch.drop_column('registered_by_org_id')
        batch.drop_column('connection_assessment_class')
    op.drop_column('bid', 'base_quantity_kw')
    with op.batch_alter_table('app_user') as batch:
        batch.drop_constraint(op.f('fk_app_user_requested_organisation_id_organisation'), type_='foreignkey')
        batch.drop_column('status_reason')
        batch.drop_column('requested_organisation_id')
    op.drop_index(op.f('ix_bid_change_bid_id'), table_name='bid_change')
    op.drop_index('ix_bid_change_at', table_name='bid_change')
    op.drop_table('bid_change')
    op.drop_index(op.f('ix_contributor_upload_aggregator_org_id'), table_name='contributor_upload')
    op.drop_table('contributor_upload')
    op.drop_table('id_sequence')
