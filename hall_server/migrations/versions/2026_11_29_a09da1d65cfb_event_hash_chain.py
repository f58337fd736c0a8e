"""event hash chain: chain position, hash and MAC per event, the chain head, signed checkpoints

Existing events are chained here in log order (id), so `yimen events verify` passes right after the
upgrade. They get no MAC (the keys are not known to a migration): the head's `legacy_upto` says up to where
that is expected, and `yimen db upgrade` signs a checkpoint over them once the keys are loaded.

The canonical form and the hash are repeated here on purpose: a migration must not change when the code
does. tests/events/test_chain.py checks that what it writes verifies.

Revision ID: a09da1d65cfb
Revises: 5f3c2a9e7b10
Create Date: 2026-11-29 21:40:00
"""

import json
from typing import Any

import sqlalchemy as sa
from alembic import op
from cryptography.hazmat.primitives import hashes
from sqlalchemy.dialects import postgresql

revision = "a09da1d65cfb"
down_revision = '5f3c2a9e7b10'
branch_labels = None
depends_on = None

GENESIS = "0" * 64
PAGE = 2000
MESSAGE = "event checkpoints are append-only"


def upgrade() -> None:
    op.add_column("event", sa.Column("chain_pos", sa.BigInteger(), nullable=True))
    op.add_column("event", sa.Column("hash", sa.String(length=64), nullable=True))
    op.add_column("event", sa.Column("mac", sa.String(length=64), nullable=True))
    op.create_index("ix_event_chain_pos", "event", ["chain_pos"], unique=True)
    op.create_table(
        "event_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("head_pos", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("legacy_upto", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_chain_head")),
    )
    op.create_table(
        "event_checkpoint",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("chain_pos", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kid", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_checkpoint")),
    )
    op.create_index("ix_event_checkpoint_chain_pos", "event_checkpoint", ["chain_pos"], unique=False)
    head_pos, head_hash = _chain_existing_events()
    op.execute(
        sa.text(
            "INSERT INTO event_chain_head (id, head_pos, head_hash, legacy_upto) VALUES (1, :pos, :hash, :pos)"
        ).bindparams(pos=head_pos, hash=head_hash)
    )
    _append_only("event_checkpoint")


def _sm3(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def _chain_existing_events() -> tuple[int, str]:
    bind = op.get_bind()
    event = sa.table(
        "event",
        sa.column("id", sa.BigInteger()),
        sa.column("payload", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
        sa.column("chain_pos", sa.BigInteger()),
        sa.column("hash", sa.String()),
    )
    update = (
        sa.update(event)
        .where(event.c.id == sa.bindparam("row_id"))
        .values(payload=sa.bindparam("new_payload"), chain_pos=sa.bindparam("pos"), hash=sa.bindparam("h"))
    )
    _allow_event_updates(bind.dialect.name, allow=True)
    position, link, last_id = 0, GENESIS, 0
    while True:
        rows = bind.execute(
            sa.select(event.c.id, event.c.payload).where(event.c.id > last_id).order_by(event.c.id).limit(PAGE)
        ).all()
        if not rows:
            break
        changes: list[dict[str, Any]] = []
        for row_id, payload in rows:
            position += 1
            chained = {**payload, "prev_hash": link}
            link = _sm3(json.dumps(chained, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode())
            changes.append({"row_id": row_id, "new_payload": chained, "pos": position, "h": link})
        bind.execute(update, changes)
        last_id = rows[-1][0]
    _allow_event_updates(bind.dialect.name, allow=False)
    return position, link


def _allow_event_updates(dialect: str, *, allow: bool) -> None:
    """The event table refuses UPDATE (b1e0a5d2c7f4); lift that for the one-time chaining only."""
    if dialect == "postgresql":
        op.execute(f"ALTER TABLE event {'DISABLE' if allow else 'ENABLE'} TRIGGER event_append_only")
    elif allow:
        op.execute("DROP TRIGGER IF EXISTS event_no_update")
    else:
        op.execute(
            "CREATE TRIGGER event_no_update BEFORE UPDATE ON event "
            "BEGIN SELECT RAISE(ABORT, 'event log is append-only'); END;"
        )


def _append_only(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$;
        """)
        op.execute(f"""
            CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {table}_append_only();
        """)
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(f"""
            CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table}
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
        """)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER event_checkpoint_append_only ON event_checkpoint")
        op.execute("DROP FUNCTION event_checkpoint_append_only()")
    op.drop_index("ix_event_checkpoint_chain_pos", table_name="event_checkpoint")
    op.drop_table("event_checkpoint")
    op.drop_table("event_chain_head")
    op.drop_index("ix_event_chain_pos", table_name="event")
    # The chained payloads keep their prev_hash: the event log is not rewritten on the way down.
    with op.batch_alter_table("event") as batch_op:
        batch_op.drop_column("mac")
        batch_op.drop_column("hash")
        batch_op.drop_column("chain_pos")
    if op.get_bind().dialect.name == "sqlite":  # the copied table lost the event table's triggers
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER event_no_{action.lower()} BEFORE {action} ON event "
                "BEGIN SELECT RAISE(ABORT, 'event log is append-only'); END;"
            )
