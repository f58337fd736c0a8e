"""cases: the platform's case number (PROJID) is unique, and the accepted cases still without one are indexed

Revision ID: 7f8ec80f2a86
Revises: e3b9f1a7c520
Create Date: 2026-12-07 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "7f8ec80f2a86"
down_revision = "e3b9f1a7c520"
branch_labels = None
depends_on = None

UNNUMBERED = sa.text("platform_case_no IS NULL AND local_case_no IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.create_index("uq_case_platform_case_no", ["platform_case_no"], unique=True)
        batch_op.create_index(
            "ix_case_unnumbered", ["id"], sqlite_where=UNNUMBERED, postgresql_where=UNNUMBERED
        )


def downgrade() -> None:
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.drop_index("ix_case_unnumbered")
        batch_op.drop_index("uq_case_platform_case_no")
