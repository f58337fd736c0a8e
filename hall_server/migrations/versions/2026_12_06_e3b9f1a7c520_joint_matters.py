"""joint matters (一件事): the hall's definitions, the joint case and its children

Revision ID: e3b9f1a7c520
Revises: b7c5e1a9d302
Create Date: 2026-12-06 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "e3b9f1a7c520"
down_revision = "b7c5e1a9d302"
branch_labels = None
depends_on = None


def _hall(table: str) -> list[sa.SchemaItem]:
    return [
        sa.Column("hall_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["hall_id"], ["hall.id"], name=op.f(f"fk_{table}_hall_id_hall")),
    ]


def upgrade() -> None:
    op.create_table(
        "joint_matter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "member_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        *_hall("joint_matter"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_joint_matter")),
        sa.UniqueConstraint("hall_id", "code", name="uq_joint_matter_hall_code"),
    )
    with op.batch_alter_table("joint_matter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_joint_matter_hall_id"), ["hall_id"], unique=False)

    op.create_table(
        "joint_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("joint_code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("local_case_no", sa.String(length=50), nullable=True),
        sa.Column("query_password_hash", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("window_no", sa.Integer(), nullable=True),
        sa.Column("correlation_id", sa.String(length=64), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("promised_date", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        *_hall("joint_case"),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name=op.f("fk_joint_case_ticket_id_ticket")),
        sa.ForeignKeyConstraint(
            ["applicant_id"], ["visitor.id"], name=op.f("fk_joint_case_applicant_id_visitor")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_joint_case")),
        sa.UniqueConstraint("hall_id", "local_case_no", name="uq_joint_case_hall_local_no"),
    )
    with op.batch_alter_table("joint_case", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_joint_case_hall_id"), ["hall_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_joint_case_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_joint_case_applicant_id"), ["applicant_id"], unique=False)

    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("joint_case_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_case_record_joint_case_id_joint_case"), "joint_case", ["joint_case_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_case_record_joint_case_id"), ["joint_case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_record_joint_case_id"))
        batch_op.drop_constraint(batch_op.f("fk_case_record_joint_case_id_joint_case"), type_="foreignkey")
        batch_op.drop_column("joint_case_id")
    op.drop_table("joint_case")
    op.drop_table("joint_matter")
