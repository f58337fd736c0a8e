"""Tables of 综合窗口出件: a case's authorised agents and its result's delivery (pickup or mail, 表15)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hall_server.core.db import Base, UTCDateTime
from hall_server.core.tenancy import HallScoped


class CaseAgent(HallScoped, Base):
    """An authorised agent (代理人) of a case: a visitor (number hashed and sealed, like the applicant)."""

    __tablename__ = "case_agent"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), index=True)
    visitor_id: Mapped[int] = mapped_column(ForeignKey("visitor.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("case_id", "visitor_id", name="uq_case_agent_visitor"),)


class CaseResult(HallScoped, Base):
    """The result of a concluded case on its way to the applicant: ready at the 综合出件 window, picked up
    (who, when), or mailed (表15: carrier, waybill, date, receiver sealed and masked)."""

    __tablename__ = "case_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), unique=True)
    delivery: Mapped[str] = mapped_column(String(8))
    ready_at: Mapped[datetime] = mapped_column(UTCDateTime)
    notify_channel: Mapped[str] = mapped_column(String(16))
    picked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    picked_by: Mapped[str | None] = mapped_column(String(8), nullable=True)
    picker_id: Mapped[int | None] = mapped_column(ForeignKey("visitor.id"), nullable=True)
    carrier: Mapped[str | None] = mapped_column(String(50), nullable=True)
    waybill_no: Mapped[str | None] = mapped_column(String(40), nullable=True)
    sent_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    receiver_cipher: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    receiver_masked: Mapped[str | None] = mapped_column(String(60), nullable=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    window_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CaseQueryThrottle(HallScoped, Base):
    """Wrong query passwords per case number (known or not, so a guess learns nothing): after
    results.QUERY_TRIES in a row the number is locked for results.QUERY_LOCK."""

    __tablename__ = "case_query_throttle"

    id: Mapped[int] = mapped_column(primary_key=True)
    local_case_no: Mapped[str] = mapped_column(String(50))
    failures: Mapped[int] = mapped_column(Integer)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("hall_id", "local_case_no", name="uq_case_query_throttle_no"),)
