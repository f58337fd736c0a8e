"""The migration that brings departments turns the department names typed before into departments, and
back on downgrade: nothing recorded is lost."""

from __future__ import annotations

from datetime import UTC, date, datetime

from alembic import command
from sqlalchemy import MetaData, Table, create_engine, insert, select

from hall_server.complaints.models import Complaint
from hall_server.departments.models import Department
from hall_server.migrate import alembic_config, upgrade

BEFORE = "60348ee0b338"  # complaints with a free-text department


def _complaint(department: str | None, number: int) -> dict[str, object]:
    return {
        "channel": "WINDOW",
        "subject": "OTHER",
        "text": f"投诉{number}",
        "status": "ROUTED" if department else "RECORDED",
        "department": department,
        "recorded_at": datetime(2026, 11, 20, 1, tzinfo=UTC),
        "recorded_on": date(2026, 11, 20),
        "period_start": date(2026, 11, 20),
        "due_date": date(2026, 11, 27),
        "reopen_count": 0,
        "version": 1,
    }


def test_typed_department_names_become_departments_and_come_back_on_downgrade(database_url):
    config = alembic_config(database_url)
    command.downgrade(config, BEFORE)
    engine = create_engine(database_url)
    old_complaint = Table("complaint", MetaData(), autoload_with=engine)
    with engine.begin() as connection:
        for number, department in enumerate(("社保科", " 社保科 ", "办公室", None), start=1):
            connection.execute(insert(old_complaint).values(**_complaint(department, number)))
    upgrade(database_url)
    with engine.connect() as connection:
        departments = connection.execute(select(Department.code, Department.name).order_by(Department.code))
        assert departments.all() == [("D001", "办公室"), ("D002", "社保科")]
        pointed = connection.execute(
            select(Complaint.text, Department.name)
            .outerjoin(Department, Complaint.department_id == Department.id)
            .order_by(Complaint.id)
        ).all()
    assert pointed == [("投诉1", "社保科"), ("投诉2", "社保科"), ("投诉3", "办公室"), ("投诉4", None)]
    command.downgrade(config, BEFORE)
    restored = Table("complaint", MetaData(), autoload_with=engine)
    with engine.connect() as connection:
        names = connection.execute(select(restored.c.department).order_by(restored.c.id)).scalars().all()
    engine.dispose()
    assert names == ["社保科", "社保科", "办公室", None]
    upgrade(database_url)
