from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hall_server.core.db import Base, UTCDateTime
from hall_server.core.tenancy import HallScoped


class FollowupSettings(HallScoped, Base):
    """The hall's 差评整改 deadlines in working days (one row, id 1; absent: the defaults)."""

    __tablename__ = "followup_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    verify_days: Mapped[int] = mapped_column(Integer)
    rectify_days: Mapped[int] = mapped_column(Integer)
    revisit_days: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Followup(HallScoped, Base):
    """One 差评整改 per bad evaluation, with its deadlines fixed when it opens."""

    __tablename__ = "evaluation_followup"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id"), unique=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("evaluation_opportunity.id"))
    opened_on: Mapped[date] = mapped_column(Date)
    window_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(12))
    verify_due: Mapped[date] = mapped_column(Date)
    rectify_due: Mapped[date] = mapped_column(Date)
    revisit_due: Mapped[date] = mapped_column(Date)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), nullable=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    verify_result: Mapped[str | None] = mapped_column(String(16), nullable=True)
    verify_note: Mapped[str] = mapped_column(String(500), default="")
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    rectification: Mapped[str] = mapped_column(String(1000), default="")
    rectified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reply: Mapped[str] = mapped_column(String(1000), default="")
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revisit_result: Mapped[str | None] = mapped_column(String(16), nullable=True)
    revisit_note: Mapped[str] = mapped_column(String(500), default="")
    revisited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    appeal_state: Mapped[str | None] = mapped_column(String(12), nullable=True)
    appeal_reason: Mapped[str] = mapped_column(String(500), default="")
    review_note: Mapped[str] = mapped_column(String(500), default="")
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        Index("ix_followup_status", "status", "opened_on"),
        Index("ix_followup_window", "window_no", "opened_on"),
    )
