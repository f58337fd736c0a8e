"""managers dashboard: alerts, thresholds, display profiles, notice, window may_serve

Revision ID: f6741a4772ef
Revises: c4d7e2a91b58
Create Date: 2026-12-04 17:03:15
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'f6741a4772ef'
down_revision = 'c4d7e2a91b58'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('display_profile',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=50), nullable=False),
    sa.Column('window_numbers', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('category_codes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_display_profile'))
    )
    op.create_table('load_threshold',
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('max_wait_seconds', sa.Integer(), nullable=True),
    sa.Column('max_waiting', sa.Integer(), nullable=True),
    sa.Column('max_service_seconds', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('scope', name=op.f('pk_load_threshold'))
    )
    op.create_table('alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('detail', sa.String(length=300), nullable=False),
    sa.Column('category_code', sa.String(length=20), nullable=True),
    sa.Column('window_no', sa.Integer(), nullable=True),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('help_id', sa.Integer(), nullable=True),
    sa.Column('value', sa.Double(), nullable=True),
    sa.Column('limit', sa.Double(), nullable=True),
    sa.Column('suggestion', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cleared_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('acknowledge_note', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['acknowledged_by_staff_id'], ['staff.id'], name=op.f('fk_alert_acknowledged_by_staff_id_staff')),
    sa.ForeignKeyConstraint(['device_id'], ['device.id'], name=op.f('fk_alert_device_id_device')),
    sa.ForeignKeyConstraint(['help_id'], ['help_request.id'], name=op.f('fk_alert_help_id_help_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert'))
    )
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.create_index('ix_alert_open_key', ['cleared_at', 'key'], unique=False)
        batch_op.create_index('ix_alert_raised', ['raised_at'], unique=False)

    with op.batch_alter_table('hall', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice', sa.String(length=120), server_default='', nullable=False))

    with op.batch_alter_table('window', schema=None) as batch_op:
        batch_op.add_column(sa.Column('may_serve', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), server_default='[]', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('window', schema=None) as batch_op:
        batch_op.drop_column('may_serve')

    with op.batch_alter_table('hall', schema=None) as batch_op:
        batch_op.drop_column('notice')

    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_index('ix_alert_raised')
        batch_op.drop_index('ix_alert_open_key')

    op.drop_table('alert')
    op.drop_table('load_threshold')
    op.drop_table('display_profile')
