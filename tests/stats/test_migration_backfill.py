"""The migration that gives tickets their wait and service seconds fills them for the existing history."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from alembic import command
from sqlalchemy import MetaData, Table, create_engine, insert, select

from hall_server.catalogue.models import Category
from hall_server.migrate import alembic_config, upgrade
from hall_server.queueing.models import Ticket

BEFORE = "f6741a4772ef"  # before the wait and service seconds


def test_upgrade_fills_wait_and_service_seconds_of_old_tickets(database_url):
    command.downgrade(alembic_config(database_url), BEFORE)
    issued = datetime(2026, 11, 2, 1, 0, 0, 250000, tzinfo=UTC)
    engine = create_engine(database_url)
    # The ticket table as it was then: today's model has columns (and defaults) that did not exist yet.
    old_ticket = Table("ticket", MetaData(), autoload_with=engine)
    old_columns = {
        "service_date": date(2026, 11, 2),
        "priority": "NORMAL",
        "channel": "KIOSK",
        "issued_at": issued,
        "sort_key": issued.timestamp(),
        "call_count": 0,
        "cancel_reason": "",
        "transfer_note": "",
        "requeue_count": 0,
        "people_ahead_at_issue": 0,
        "version": 1,
    }
    with engine.begin() as connection:
        category = connection.execute(
            insert(Category.__table__).values(
                code="SOCIAL",
                name="社会事务",
                prefix="B",
                description="",
                default_service_minutes=8.0,
                sort_order=0,
            )
        ).inserted_primary_key[0]
        called = issued + timedelta(minutes=12, seconds=30.5)
        rows = [
            ("B001", "DONE", called, called + timedelta(minutes=1), called + timedelta(minutes=9)),
            ("B002", "NO_SHOW", called, None, None),
            ("B003", "CANCELLED", None, None, None),
        ]
        for number, status, first_called, started, completed in rows:
            connection.execute(
                insert(old_ticket).values(
                    **old_columns,
                    number=number,
                    status=status,
                    category_id=category,
                    first_called_at=first_called,
                    service_started_at=started,
                    completed_at=completed,
                    follow_code=f"code-{number}",
                )
            )
    upgrade(database_url)
    with engine.connect() as connection:
        found = connection.execute(
            select(Ticket.number, Ticket.wait_seconds, Ticket.service_seconds).order_by(Ticket.number)
        ).all()
    engine.dispose()
    rounded = [
        (n, None if w is None else round(w, 3), None if s is None else round(s, 3)) for n, w, s in found
    ]
    assert rounded == [("B001", 750.5, 480.0), ("B002", 750.5, None), ("B003", None, None)]
