"""kiosk ticket delivery (PENDING until confirmed), help requests, device health reports

Revision ID: c4d7e2a91b58
Revises: a09da1d65cfb
Create Date: 2026-11-29 22:40:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = 'c4d7e2a91b58'
down_revision = 'a09da1d65cfb'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery', sa.String(length=12), server_default='HANDED', nullable=False))
        batch_op.add_column(sa.Column('delivery_fault', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('issued_by_device_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_ticket_issued_by_device_id_device', 'device', ['issued_by_device_id'], ['id'])
        batch_op.create_index('ix_ticket_delivery_issued', ['delivery', 'issued_at'], unique=False)
    op.create_table(
        'help_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('device_id', sa.Integer(), nullable=True),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.Column('place', sa.String(length=64), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('resolved_by_staff_id', sa.Integer(), nullable=True),
        sa.Column('resolution', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['device_id'], ['device.id']),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id']),
        sa.ForeignKeyConstraint(['resolved_by_staff_id'], ['staff.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('help_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_help_request_resolved_at'), ['resolved_at'], unique=False)
    op.create_table(
        'device_health',
        sa.Column('device_id', sa.Integer(), nullable=False),
        sa.Column('app_version', sa.String(length=40), nullable=False),
        sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('parts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
        sa.ForeignKeyConstraint(['device_id'], ['device.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('device_id'),
    )


def downgrade() -> None:
    op.drop_table('device_health')
    with op.batch_alter_table('help_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_help_request_resolved_at'))
    op.drop_table('help_request')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_delivery_issued')
        batch_op.drop_constraint('fk_ticket_issued_by_device_id_device', type_='foreignkey')
        batch_op.drop_column('issued_by_device_id')
        batch_op.drop_column('delivery_fault')
        batch_op.drop_column('delivery')
