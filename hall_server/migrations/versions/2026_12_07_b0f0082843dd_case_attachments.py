"""case attachments (附件): scans and photos of received materials, SM4-GCM encrypted

Revision ID: b0f0082843dd
Revises: 7f8ec80f2a86
Create Date: 2026-12-07 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b0f0082843dd"
down_revision = "7f8ec80f2a86"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("case_material_id", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_cipher", sa.LargeBinary(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("staff_name", sa.String(length=50), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hall_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["hall_id"], ["hall.id"], name=op.f("fk_case_attachment_hall_id_hall")),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_record.id"],
            name=op.f("fk_case_attachment_case_id_case_record"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_material_id"],
            ["case_material.id"],
            name=op.f("fk_case_attachment_case_material_id_case_material"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_case_attachment_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_attachment")),
    )
    with op.batch_alter_table("case_attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_attachment_hall_id"), ["hall_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_attachment_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_case_attachment_case_material_id"), ["case_material_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("case_attachment")
