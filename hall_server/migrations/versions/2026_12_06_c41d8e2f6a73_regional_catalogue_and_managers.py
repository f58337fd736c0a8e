"""regional catalogue: per-hall offering of shared matters; regional managers covering several halls

Revision ID: c41d8e2f6a73
Revises: 1f33b8c17730
Create Date: 2026-12-06 19:45:00

`hall_matter` (hall-scoped) is a hall's offering of a matter of the shared catalogue: the hall's category
it is queued in, enabled, sort order; unique per (hall, matter). Each matter's `category_id` becomes the
offering of the hall that category belongs to, then `matter.category_id` is dropped. `staff_hall` lists the
halls a regional account (staff.hall_id NULL) covers; none: every hall.

The downgrade puts `matter.category_id` back from the offering of the lowest hall that offers the matter
(a matter offered nowhere gets the lowest category of the lowest hall). With several halls this loses
every other hall's offering (their categories and enabling) and every regional account's cover; a matter
then points to a category of one hall only, as before this revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c41d8e2f6a73"
down_revision = "1f33b8c17730"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hall_matter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("matter_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("hall_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"], ["category.id"], name=op.f("fk_hall_matter_category_id_category")
        ),
        sa.ForeignKeyConstraint(["hall_id"], ["hall.id"], name=op.f("fk_hall_matter_hall_id_hall")),
        sa.ForeignKeyConstraint(
            ["matter_id"], ["matter.id"], name=op.f("fk_hall_matter_matter_id_matter"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hall_matter")),
        sa.UniqueConstraint("hall_id", "matter_id", name="uq_hall_matter_hall_matter"),
    )
    with op.batch_alter_table("hall_matter") as batch:
        batch.create_index(batch.f("ix_hall_matter_category_id"), ["category_id"], unique=False)
        batch.create_index(batch.f("ix_hall_matter_hall_id"), ["hall_id"], unique=False)
        batch.create_index(batch.f("ix_hall_matter_matter_id"), ["matter_id"], unique=False)
    op.create_table(
        "staff_hall",
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("hall_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hall_id"], ["hall.id"], name=op.f("fk_staff_hall_hall_id_hall"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_staff_hall_staff_id_staff"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("staff_id", "hall_id", name=op.f("pk_staff_hall")),
    )
    with op.batch_alter_table("staff_hall") as batch:
        batch.create_index(batch.f("ix_staff_hall_hall_id"), ["hall_id"], unique=False)

    # each matter is offered by the hall of its category, in that category, enabled
    op.execute(
        "insert into hall_matter (hall_id, matter_id, category_id, enabled, sort_order) "
        "select category.hall_id, matter.id, matter.category_id, true, 0 "
        "from matter join category on category.id = matter.category_id"
    )
    with op.batch_alter_table("matter") as batch:
        batch.drop_index(batch.f("ix_matter_category_id"))
        batch.drop_constraint(batch.f("fk_matter_category_id_category"), type_="foreignkey")
        batch.drop_column("category_id")


def downgrade() -> None:
    with op.batch_alter_table("matter") as batch:
        batch.add_column(sa.Column("category_id", sa.Integer(), nullable=True))
    # the offering of the lowest hall that offers the matter; else the lowest hall's first category
    op.execute(
        "update matter set category_id = (select hm.category_id from hall_matter hm "
        "where hm.matter_id = matter.id order by hm.hall_id, hm.id limit 1)"
    )
    op.execute(
        "update matter set category_id = (select c.id from category c "
        "order by c.hall_id, c.sort_order, c.id limit 1) where category_id is null"
    )
    with op.batch_alter_table("matter") as batch:
        batch.alter_column("category_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(batch.f("fk_matter_category_id_category"), "category", ["category_id"], ["id"])
        batch.create_index(batch.f("ix_matter_category_id"), ["category_id"], unique=False)
    with op.batch_alter_table("staff_hall") as batch:
        batch.drop_index(batch.f("ix_staff_hall_hall_id"))
    op.drop_table("staff_hall")
    with op.batch_alter_table("hall_matter") as batch:
        batch.drop_index(batch.f("ix_hall_matter_matter_id"))
        batch.drop_index(batch.f("ix_hall_matter_hall_id"))
        batch.drop_index(batch.f("ix_hall_matter_category_id"))
    op.drop_table("hall_matter")
