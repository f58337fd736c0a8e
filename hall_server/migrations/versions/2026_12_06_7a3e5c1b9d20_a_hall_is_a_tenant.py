"""a hall is a tenant: hall_id on every hall-scoped table

Revision ID: 7a3e5c1b9d20
Revises: 88bbbcfaf3a2
Create Date: 2026-12-06 02:30:00

Every hall-scoped row gets `hall_id` (FK hall.id, NOT NULL, indexed), backfilled with the database's one
hall: YIMEN_HALL_CODE's hall if set and present, else the first. A database with hall-scoped rows but no
hall row (a hall never configured through PUT /api/v1/hall) gets a placeholder hall first, code
YIMEN_HALL_CODE or "HALL", to be configured by `PUT /api/v1/hall` with that code. Uniques that held per
database now hold per hall. Staff get a nullable hall_id (None: a regional account). SQLite copies each
table (batch mode) with foreign keys off (migrations/env.py), so that no ON DELETE CASCADE fires while a
table is recreated, and the event table gets its append-only triggers back. The downgrade keeps the rows of the default hall
only if the database holds one hall; with several halls it refuses (it cannot merge them).
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import op

revision = "7a3e5c1b9d20"
down_revision = "88bbbcfaf3a2"
branch_labels = None
depends_on = None

# Table → the uniques / indexes that become per hall: (kind, old name, old columns, new name, new columns).
SCOPED = [
    "window",
    "category",
    "ticket_counter",
    "ticket",
    "appointment_slot",
    "appointment",
    "device",
    "device_health",
    "event",
    "help_request",
    "alert",
    "load_threshold",
    "display_profile",
    "evaluation_opportunity",
    "evaluation",
    "evaluation_rule",
    "evaluation_followup",
    "followup_settings",
    "complaint",
    "complaint_settings",
    "department",
    "idempotency_record",
]
UNIQUES = {
    "window": [("uq_window_number", ["number"], "uq_window_hall_number", ["hall_id", "number"])],
    "category": [
        ("uq_category_code", ["code"], "uq_category_hall_code", ["hall_id", "code"]),
        ("uq_category_prefix", ["prefix"], "uq_category_hall_prefix", ["hall_id", "prefix"]),
    ],
    "department": [("uq_department_code", ["code"], "uq_department_hall_code", ["hall_id", "code"])],
    "event": [
        (
            "uq_event_aggregate_type_aggregate_id_aggregate_seq",
            ["aggregate_type", "aggregate_id", "aggregate_seq"],
            "uq_event_hall_id_aggregate_type_aggregate_id",
            ["hall_id", "aggregate_type", "aggregate_id", "aggregate_seq"],
        )
    ],
}
INDEXES = {
    "ticket": [
        ("ix_ticket_service_date_number", ["service_date", "number"], True, "ix_ticket_hall_date_number",
         ["hall_id", "service_date", "number"]),
        ("ix_ticket_queue", ["service_date", "status", "sort_key"], False, "ix_ticket_queue",
         ["hall_id", "service_date", "status", "sort_key"]),
    ],
    "event": [
        ("ix_event_aggregate", ["aggregate_type", "aggregate_id"], False, "ix_event_aggregate",
         ["hall_id", "aggregate_type", "aggregate_id"]),
    ],
}
PRIMARY_KEYS = {
    "ticket_counter": ["prefix", "service_date"],
    "load_threshold": ["scope"],
    "display_profile": ["name"],
}
NULLABLE = ("event",)
SINGLETONS = ("evaluation_rule", "followup_settings", "complaint_settings")  # one row per hall, id = hall id


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _default_hall(bind: sa.Connection) -> int | None:
    code = os.environ.get("YIMEN_HALL_CODE") or None
    if code:
        found = bind.execute(sa.text("select id from hall where code = :c"), {"c": code}).scalar()
        if found is not None:
            return int(found)
    first = bind.execute(sa.text("select id from hall order by id limit 1")).scalar()
    return None if first is None else int(first)


def _placeholder_hall(bind: sa.Connection) -> int:
    code = os.environ.get("YIMEN_HALL_CODE") or "HALL"
    hall = sa.table(
        "hall",
        *(sa.column(name) for name in
          ("code", "name", "region_code", "level", "org_uscc", "address", "phone", "hours", "notice", "version")),
    )
    bind.execute(hall.insert().values(
        code=code, name="未配置的大厅", region_code="000000", level="5", org_uscc="", address="", phone="",
        hours="", notice="", version=1,
    ))
    return int(bind.execute(sa.text("select id from hall where code = :c"), {"c": code}).scalar_one())


def _has_rows(bind: sa.Connection) -> bool:
    return any(bind.execute(sa.text(f'select 1 from "{t}" limit 1')).first() for t in SCOPED if t not in NULLABLE)


def _event_updates(*, allow: bool) -> None:
    """The event table refuses UPDATE and DELETE; lift that for the backfill only."""
    if not _sqlite():
        op.execute(f"ALTER TABLE event {'DISABLE' if allow else 'ENABLE'} TRIGGER event_append_only")
        return
    for action in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS event_no_{action}")
    if not allow:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER event_no_{action.lower()} BEFORE {action} ON event "
                "BEGIN SELECT RAISE(ABORT, 'event log is append-only'); END;"
            )


def upgrade() -> None:
    bind = op.get_bind()
    hall_id = _default_hall(bind)
    if hall_id is None and _has_rows(bind):
        hall_id = _placeholder_hall(bind)
    _event_updates(allow=True)
    for table in SCOPED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("hall_id", sa.Integer(), nullable=True))
        if hall_id is not None:
            op.execute(sa.text(f'update "{table}" set hall_id = :h').bindparams(h=hall_id))
        if table in SINGLETONS and hall_id is not None:
            op.execute(sa.text(f'update "{table}" set id = :h').bindparams(h=hall_id))
        _scope(table)
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("hall_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_staff_hall_id_hall"), "hall", ["hall_id"], ["id"])
        batch.create_index(op.f("ix_staff_hall_id"), ["hall_id"], unique=False)
    _event_updates(allow=False)


def _scope(table: str) -> None:
    pk = PRIMARY_KEYS.get(table)
    if pk is not None and not _sqlite():
        op.drop_constraint(f"pk_{table}", table, type_="primary")
    with op.batch_alter_table(table, recreate="always" if _sqlite() else "auto") as batch:
        if pk is not None and _sqlite():
            batch.drop_constraint(f"pk_{table}", type_="primary")
        # events recorded before any hall existed (the first admin account) belong to no hall
        batch.alter_column("hall_id", existing_type=sa.Integer(), nullable=table in NULLABLE)
        batch.create_foreign_key(f"fk_{table}_hall_id_hall", "hall", ["hall_id"], ["id"])
        batch.create_index(f"ix_{table}_hall_id", ["hall_id"], unique=False)
        for old, _old_cols, new, new_cols in UNIQUES.get(table, []):
            batch.drop_constraint(old, type_="unique")
            batch.create_unique_constraint(new, new_cols)
        for old, _old_cols, unique, new, new_cols in INDEXES.get(table, []):
            batch.drop_index(old)
            batch.create_index(new, new_cols, unique=unique)
        if pk is not None:
            batch.create_primary_key(f"pk_{table}", ["hall_id", *pk])


def downgrade() -> None:
    bind = op.get_bind()
    halls = bind.execute(sa.text("select count(*) from hall")).scalar_one()
    if halls > 1:
        raise RuntimeError("cannot downgrade a database of several halls into one hall: keep one hall first")
    _event_updates(allow=True)
    with op.batch_alter_table("staff") as batch:
        batch.drop_index(op.f("ix_staff_hall_id"))
        batch.drop_constraint(op.f("fk_staff_hall_id_hall"), type_="foreignkey")
        batch.drop_column("hall_id")
    for table in reversed(SCOPED):
        _unscope(table)
        if table in SINGLETONS:
            op.execute(sa.text(f'update "{table}" set id = 1'))
    _event_updates(allow=False)


def _unscope(table: str) -> None:
    pk = PRIMARY_KEYS.get(table)
    if pk is not None and not _sqlite():
        op.drop_constraint(f"pk_{table}", table, type_="primary")
    with op.batch_alter_table(table, recreate="always" if _sqlite() else "auto") as batch:
        for old, old_cols, unique, new, _new_cols in INDEXES.get(table, []):
            batch.drop_index(new)
            batch.create_index(old, old_cols, unique=unique)
        for old, old_cols, new, _new_cols in UNIQUES.get(table, []):
            batch.drop_constraint(new, type_="unique")
            batch.create_unique_constraint(old, old_cols)
        batch.drop_index(f"ix_{table}_hall_id")
        batch.drop_constraint(f"fk_{table}_hall_id_hall", type_="foreignkey")
        if pk is not None and _sqlite():
            batch.drop_constraint(f"pk_{table}", type_="primary")
        batch.drop_column("hall_id")
        if pk is not None:
            batch.create_primary_key(f"pk_{table}", pk)
