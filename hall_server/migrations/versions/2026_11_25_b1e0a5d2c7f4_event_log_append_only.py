"""event log append-only: the database refuses UPDATE and DELETE on the event table

Revision ID: b1e0a5d2c7f4
Revises: d4bad7983d33
Create Date: 2026-11-25 14:00:00
"""
from alembic import op

revision = "b1e0a5d2c7f4"
down_revision = "d4bad7983d33"
branch_labels = None
depends_on = None

MESSAGE = "event log is append-only"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$;
        """)
        op.execute("""
            CREATE TRIGGER event_append_only BEFORE UPDATE OR DELETE ON event
            FOR EACH ROW EXECUTE FUNCTION event_append_only();
        """)
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(f"""
            CREATE TRIGGER event_no_{action.lower()} BEFORE {action} ON event
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
        """)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER event_append_only ON event")
        op.execute("DROP FUNCTION event_append_only()")
        return
    for action in ("update", "delete"):
        op.execute(f"DROP TRIGGER event_no_{action}")
