from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hall_server.core.db import Base, JSONType, UTCDateTime
from hall_server.core.tenancy import HallScoped


class JointMatter(HallScoped, Base):
    """一件事 (联办件, APPROVALTYPE 3) defined by the hall: several of its matters under one application."""

    __tablename__ = "joint_matter"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    member_ids: Mapped[list[int]] = mapped_column(JSONType)  # matter ids, in the order of the form

    __table_args__ = (UniqueConstraint("hall_id", "code", name="uq_joint_matter_hall_code"),)


class JointCase(HallScoped, Base):
    """One application of a 一件事: one number, one query password, one reply; its children (case_record
    rows with joint_case_id) are the member matters' cases, one per department."""

    __tablename__ = "joint_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    joint_code: Mapped[str] = mapped_column(String(32))  # the definition's code and name as opened
    name: Mapped[str] = mapped_column(String(200))
    local_case_no: Mapped[str | None] = mapped_column(String(50), nullable=True)
    query_password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status: Mapped[str] = mapped_column(String(24))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), nullable=True, index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("visitor.id"), index=True)
    window_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    correlation_id: Mapped[str] = mapped_column(String(64))  # the same on every event of the application
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    promised_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (UniqueConstraint("hall_id", "local_case_no", name="uq_joint_case_hall_local_no"),)
