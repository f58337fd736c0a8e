from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hall_server.catalogue.models import MatterMaterial
from hall_server.core.db import Base, JSONType, UTCDateTime
from hall_server.core.tenancy import HallScoped

# Written out (not bound parameters) so that a query saying the same uses the partial index on SQLite too.
IN_BACK_OFFICE = text("status IN ('ACCEPTED', 'IN_PROGRESS', 'SUSPENDED')")
# accepted, still waiting for the platform's number (sync/case_numbers.py asks for these)
UNNUMBERED = text("platform_case_no IS NULL AND local_case_no IS NOT NULL")


class Case(HallScoped, Base):
    """One 办件, from intake at the window. The application form (personal data) is stored SM4-encrypted;
    the query password only as a hash."""

    __tablename__ = "case_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    local_case_no: Mapped[str | None] = mapped_column(String(50), nullable=True)
    platform_case_no: Mapped[str | None] = mapped_column(String(50), nullable=True)  # PROJID, when given
    query_password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status: Mapped[str] = mapped_column(String(24))
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id"))
    case_type: Mapped[str] = mapped_column(String(1))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), nullable=True, index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("visitor.id"), index=True)
    form_cipher: Mapped[bytes] = mapped_column(LargeBinary)  # JSON {key: value} of contract FORM_FIELDS
    form_sources: Mapped[dict[str, Any]] = mapped_column(JSONType)  # {key: FormSource}
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    window_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    promised_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    legal_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    concluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # the back office: the department that handles it (set at acceptance) and how it ended (表8)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), nullable=True)
    conclusion: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    joint_case_id: Mapped[int | None] = mapped_column(ForeignKey("joint_case.id"), nullable=True, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    materials: Mapped[list[CaseMaterial]] = relationship(
        order_by="CaseMaterial.position",
        cascade="all, delete-orphan",
        lazy="selectin",
        foreign_keys="CaseMaterial.case_id",
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        UniqueConstraint("hall_id", "local_case_no", name="uq_case_hall_local_no"),
        Index("ix_case_hall_status", "hall_id", "status"),
        # the department's queue, most urgent first: only the cases in the back office
        Index(
            "ix_case_back_office_queue",
            "hall_id",
            "department_id",
            "promised_date",
            sqlite_where=IN_BACK_OFFICE,
            postgresql_where=IN_BACK_OFFICE,
        ),
        Index("uq_case_platform_case_no", "platform_case_no", unique=True),  # the province's, across halls
        Index("ix_case_unnumbered", "id", sqlite_where=UNNUMBERED, postgresql_where=UNNUMBERED),
    )


class CaseMaterial(HallScoped, Base):
    """One line of a case's checklist: the matter's material and what became of it."""

    __tablename__ = "case_material"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), index=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("matter_material.id"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(10))
    reused_from_case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"), nullable=True)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    material: Mapped[MatterMaterial] = relationship(lazy="joined")


class CaseCounter(HallScoped, Base):
    """The last case number given per local day in the hall (row lock: safe under concurrency)."""

    __tablename__ = "case_counter"

    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"), primary_key=True, index=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_no: Mapped[int] = mapped_column(Integer)


class CaseStep(HallScoped, Base):
    """One back-office step (表7 事项办理, EA_JC_STEP_PROC): 承办 / 审核 / 批准 with its opinion."""

    __tablename__ = "case_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), index=True)
    sn: Mapped[int] = mapped_column(Integer)
    phase: Mapped[str] = mapped_column(String(12))
    action: Mapped[str] = mapped_column(String(8))
    result: Mapped[str] = mapped_column(String(10))
    opinion: Mapped[str] = mapped_column(Text)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    handler_name: Mapped[str] = mapped_column(String(50))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CaseSpecial(HallScoped, Base):
    """A special procedure (特别程序, EA_JC_STEP_SPECIALNODE): the clock stops from start to end."""

    __tablename__ = "case_special"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    reason_basis: Mapped[str] = mapped_column(Text)
    expected_days: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    result: Mapped[str | None] = mapped_column(Text, nullable=True)
    opinion: Mapped[str | None] = mapped_column(Text, nullable=True)
    working_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
