"""statistics indexes: a covering index of the ticket figures by day, events of a type by time

Revision ID: 56d9b2dcb1ea
Revises: 95cf952f9754
Create Date: 2026-12-04 18:04:35.358303
"""
from alembic import op


revision = '56d9b2dcb1ea'
down_revision = '95cf952f9754'
branch_labels = None
depends_on = None

STATS_COLUMNS = [
    'service_date', 'status', 'category_id', 'window_id', 'staff_id', 'matter_id', 'visitor_id',
    'wait_seconds', 'service_seconds',
]


def upgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index('ix_event_type_occurred', ['event_type', 'occurred_at'], unique=False)
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_stats', STATS_COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_stats')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index('ix_event_type_occurred')
