"""per-hall uniques: device name, appointment code, 12345 工单号

Revision ID: c4d2e8f1a6b3
Revises: 7a3e5c1b9d20
Create Date: 2026-12-06 19:45:00

Three uniques still held per database after the tenancy migration: two halls could not name a device
alike (a township's "kiosk-1" refused because the county hall has one), an appointment code drawn in one
hall could clash with another hall's (an IntegrityError, a 500, since the hall-scoped existence check never
saw it), and a 12345 工单号 imported by one hall made the same 工单号 a 500 in another. Each becomes unique
per hall. The downgrade puts the global uniques back; it fails if two halls share a value (as the tenancy
downgrade refuses several halls anyway).
"""

from __future__ import annotations

from alembic import op

revision = "c4d2e8f1a6b3"
down_revision = "7a3e5c1b9d20"
branch_labels = None
depends_on = None

# table → (old unique, old columns, new unique, new columns)
UNIQUES = [
    ("device", "uq_device_name", ["name"], "uq_device_hall_name", ["hall_id", "name"]),
    ("appointment", "uq_appointment_code", ["code"], "uq_appointment_hall_code", ["hall_id", "code"]),
    (
        "complaint",
        "uq_complaint_external_ref",
        ["external_ref"],
        "uq_complaint_hall_external_ref",
        ["hall_id", "external_ref"],
    ),
]


def upgrade() -> None:
    for table, old, _old_cols, new, new_cols in UNIQUES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(old, type_="unique")
            batch.create_unique_constraint(new, new_cols)


def downgrade() -> None:
    for table, old, old_cols, new, _new_cols in reversed(UNIQUES):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(new, type_="unique")
            batch.create_unique_constraint(old, old_cols)
