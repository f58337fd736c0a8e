"""ticket wait and service seconds, kept for the statistics (filled in for the existing history)

Revision ID: 95cf952f9754
Revises: f6741a4772ef
Create Date: 2026-12-04 17:28:08.702006
"""
from alembic import op
import sqlalchemy as sa


revision = '95cf952f9754'
down_revision = 'f6741a4772ef'
branch_labels = None
depends_on = None


def _seconds(later: str, earlier: str) -> str:
    if op.get_bind().dialect.name == 'postgresql':
        return f'EXTRACT(EPOCH FROM ({later} - {earlier}))'
    return f'((julianday({later}) - julianday({earlier})) * 86400.0)'


def upgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wait_seconds', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('service_seconds', sa.Float(), nullable=True))
    op.execute(
        f"UPDATE ticket SET wait_seconds = {_seconds('first_called_at', 'issued_at')} "
        "WHERE first_called_at IS NOT NULL"
    )
    op.execute(
        f"UPDATE ticket SET service_seconds = {_seconds('completed_at', 'service_started_at')} "
        "WHERE status = 'DONE' AND completed_at IS NOT NULL AND service_started_at IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('service_seconds')
        batch_op.drop_column('wait_seconds')
