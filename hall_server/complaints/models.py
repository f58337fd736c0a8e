from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hall_server.core.db import Base, UTCDateTime
from hall_server.core.tenancy import HallScoped


class Complaint(HallScoped, Base):
    """One 投诉, from any channel; a 12345 import keeps its 工单号 (unique per hall: imported once)."""

    __tablename__ = "complaint"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))
    contact: Mapped[str | None] = mapped_column(String(20), nullable=True)  # phone only; shown masked
    external_ref: Mapped[str | None] = mapped_column(String(40), nullable=True)  # unique per hall
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), nullable=True, index=True)
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matter.id"), nullable=True)
    window_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("device.id"), nullable=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), nullable=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    reply: Mapped[str | None] = mapped_column(Text, nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_on: Mapped[date] = mapped_column(Date)  # local day, for date filters
    routed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The deadline period: from period_start (recording, or the last reopening) to due_date, both local.
    period_start: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    answered_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        Index("ix_complaint_status_due", "status", "due_date"),
        Index("ix_complaint_recorded_on", "recorded_on"),
        UniqueConstraint("hall_id", "external_ref", name="uq_complaint_hall_external_ref"),
    )


class ComplaintSettings(HallScoped, Base):
    """The hall's complaint settings: one row (id 1); absent means the defaults."""

    __tablename__ = "complaint_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_working_days: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
