"""departments (进驻部门): windows, staff, 差评整改 and complaints point to one; the free-text department
names already recorded become departments (D001, D002, ...).

Revision ID: 9419ebbc6f29
Revises: 60348ee0b338
Create Date: 2026-12-05 11:28:46.734442
"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


revision = '9419ebbc6f29'
down_revision = '60348ee0b338'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('department',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('org_uscc', sa.String(length=18), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_department')),
    sa.UniqueConstraint('code', name=op.f('uq_department_code'))
    )
    for table in ('complaint', 'evaluation_followup', 'staff', 'window'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('department_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f'fk_{table}_department_id_department'), 'department', ['department_id'], ['id']
            )
    _names_to_departments()
    for table in ('complaint', 'evaluation_followup'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('department')


def _names_to_departments() -> None:
    """Every department name typed before becomes a department; the rows point to it. Nothing is lost."""
    bind = op.get_bind()
    names = sorted(
        {
            name.strip()
            for table in ('complaint', 'evaluation_followup')
            for (name,) in bind.execute(sa.text(f'SELECT DISTINCT department FROM {table}'))
            if name and name.strip()
        }
    )
    now = datetime.now(UTC)
    for number, name in enumerate(names, start=1):
        bind.execute(
            sa.text('INSERT INTO department (code, name, active, created_at) VALUES (:code, :name, :active, :now)'),
            {'code': f'D{number:03d}', 'name': name[:100], 'active': True, 'now': now},
        )
        department_id = bind.execute(
            sa.text('SELECT id FROM department WHERE code = :code'), {'code': f'D{number:03d}'}
        ).scalar_one()
        for table in ('complaint', 'evaluation_followup'):
            bind.execute(
                sa.text(f'UPDATE {table} SET department_id = :id WHERE TRIM(department) = :name'),
                {'id': department_id, 'name': name},
            )


def downgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department', sa.VARCHAR(length=100), nullable=True))
    with op.batch_alter_table('evaluation_followup', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department', sa.VARCHAR(length=100), nullable=False, server_default=''))
    for table in ('complaint', 'evaluation_followup'):
        op.execute(
            f'UPDATE {table} SET department = (SELECT name FROM department WHERE department.id = {table}.department_id) '
            'WHERE department_id IS NOT NULL'
        )
    for table in ('window', 'staff', 'evaluation_followup', 'complaint'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_department_id_department'), type_='foreignkey')
            batch_op.drop_column('department_id')
    op.drop_table('department')
