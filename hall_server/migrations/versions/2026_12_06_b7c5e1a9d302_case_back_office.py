"""cases: the back office (steps, special procedures, conclusion, the department's queue)

Revision ID: b7c5e1a9d302
Revises: d7a5c3e9b214
Create Date: 2026-12-06 23:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "b7c5e1a9d302"
down_revision = "d7a5c3e9b214"
branch_labels = None
depends_on = None

IN_BACK_OFFICE = sa.text("status IN ('ACCEPTED', 'IN_PROGRESS', 'SUSPENDED')")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("department_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("conclusion", JSON, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_case_record_department_id_department"), "department", ["department_id"], ["id"]
        )
        batch_op.create_index(
            "ix_case_back_office_queue",
            ["hall_id", "department_id", "promised_date"],
            sqlite_where=IN_BACK_OFFICE,
            postgresql_where=IN_BACK_OFFICE,
        )
    op.create_table(
        "case_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("sn", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=12), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("result", sa.String(length=10), nullable=False),
        sa.Column("opinion", sa.Text(), nullable=False),
        sa.Column("handler_id", sa.Integer(), nullable=True),
        sa.Column("handler_name", sa.String(length=50), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hall_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_record.id"], name=op.f("fk_case_step_case_id_case_record"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["handler_id"], ["staff.id"], name=op.f("fk_case_step_handler_id_staff")),
        sa.ForeignKeyConstraint(["hall_id"], ["hall.id"], name=op.f("fk_case_step_hall_id_hall")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_step")),
    )
    with op.batch_alter_table("case_step", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_step_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_step_hall_id"), ["hall_id"], unique=False)
    op.create_table(
        "case_special",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason_basis", sa.Text(), nullable=False),
        sa.Column("expected_days", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("opinion", sa.Text(), nullable=True),
        sa.Column("working_days", sa.Integer(), nullable=True),
        sa.Column("hall_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_record.id"],
            name=op.f("fk_case_special_case_id_case_record"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["hall_id"], ["hall.id"], name=op.f("fk_case_special_hall_id_hall")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_special")),
    )
    with op.batch_alter_table("case_special", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_special_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_special_hall_id"), ["hall_id"], unique=False)


def downgrade() -> None:
    op.drop_table("case_special")
    op.drop_table("case_step")
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.drop_index("ix_case_back_office_queue")
        batch_op.drop_constraint(batch_op.f("fk_case_record_department_id_department"), type_="foreignkey")
        batch_op.drop_column("conclusion")
        batch_op.drop_column("department_id")
