"""delivery: count of answers the sender could not read

Revision ID: 5a1c9e7d2b40
Revises: 0232170bb53e
Create Date: 2026-11-29 21:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '5a1c9e7d2b40'
down_revision = '0232170bb53e'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unknown_answers', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_column('unknown_answers')
