"""sweep indexes: open tickets by status and day, booked appointments by status

Revision ID: 5e7c1a9d3b20
Revises: 8e0697772145
Create Date: 2026-11-29 21:40:00.000000
"""
from alembic import op


revision = '5e7c1a9d3b20'
down_revision = '8e0697772145'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_status_date', ['status', 'service_date'], unique=False)
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.create_index('ix_appointment_status_slot', ['status', 'slot_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.drop_index('ix_appointment_status_slot')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_status_date')
