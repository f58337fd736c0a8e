"""case results (综合窗口出件): authorised agents, result delivery (pickup / mail, 表15), query throttle

Revision ID: d7a5c3e9b214
Revises: c41d8e2f6a73
Create Date: 2026-12-06 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "d7a5c3e9b214"
down_revision = "c41d8e2f6a73"
branch_labels = None
depends_on = None


def _hall(table: str) -> list[sa.SchemaItem]:
    return [
        sa.Column("hall_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["hall_id"], ["hall.id"], name=op.f(f"fk_{table}_hall_id_hall")),
    ]


def upgrade() -> None:
    op.create_table(
        "case_agent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        *_hall("case_agent"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_record.id"], name=op.f("fk_case_agent_case_id_case_record"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["visitor_id"], ["visitor.id"], name=op.f("fk_case_agent_visitor_id_visitor")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_agent")),
        sa.UniqueConstraint("case_id", "visitor_id", name="uq_case_agent_visitor"),
    )
    with op.batch_alter_table("case_agent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_agent_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_agent_hall_id"), ["hall_id"], unique=False)

    op.create_table(
        "case_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("delivery", sa.String(length=8), nullable=False),
        sa.Column("ready_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notify_channel", sa.String(length=16), nullable=False),
        sa.Column("picked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("picked_by", sa.String(length=8), nullable=True),
        sa.Column("picker_id", sa.Integer(), nullable=True),
        sa.Column("carrier", sa.String(length=50), nullable=True),
        sa.Column("waybill_no", sa.String(length=40), nullable=True),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.Column("receiver_cipher", sa.LargeBinary(), nullable=True),
        sa.Column("receiver_masked", sa.String(length=60), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("window_no", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        *_hall("case_result"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_record.id"], name=op.f("fk_case_result_case_id_case_record"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["picker_id"], ["visitor.id"], name=op.f("fk_case_result_picker_id_visitor")),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_case_result_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_result")),
        sa.UniqueConstraint("case_id", name=op.f("uq_case_result_case_id")),
    )
    with op.batch_alter_table("case_result", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_result_hall_id"), ["hall_id"], unique=False)

    op.create_table(
        "case_query_throttle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("local_case_no", sa.String(length=50), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        *_hall("case_query_throttle"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_query_throttle")),
        sa.UniqueConstraint("hall_id", "local_case_no", name="uq_case_query_throttle_no"),
    )
    with op.batch_alter_table("case_query_throttle", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_query_throttle_hall_id"), ["hall_id"], unique=False)


def downgrade() -> None:
    op.drop_table("case_query_throttle")
    op.drop_table("case_result")
    op.drop_table("case_agent")
