from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hall_server.core.db import Base, JSONType, UTCDateTime
from hall_server.core.tenancy import HallScoped


class EvaluationOpportunity(HallScoped, Base):
    """One service contact that may be evaluated (一次一评): each completed window service, later each
    case step and pickup. Created in the transaction that completes the service."""

    __tablename__ = "evaluation_opportunity"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), nullable=True)
    case_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the case issue adds its table
    service_number: Mapped[int] = mapped_column(Integer)  # 服务次数, 1.. per ticket (or case)
    service_name: Mapped[str] = mapped_column(String(50))
    service_date: Mapped[date] = mapped_column(Date)
    served_at: Mapped[datetime] = mapped_column(UTCDateTime)
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matter.id"), nullable=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"), nullable=True)
    window_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    visitor_id: Mapped[int | None] = mapped_column(ForeignKey("visitor.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="OPEN")
    not_evaluated_reason: Mapped[str | None] = mapped_column(String(16), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        UniqueConstraint("ticket_id", "service_number", name="uq_opportunity_ticket_service"),
        Index("ix_opportunity_day", "service_date", "status"),
        Index("ix_opportunity_window", "window_no", "served_at"),
        # the default rule's look for contacts still unrated: sized by those, not by the history
        Index("ix_opportunity_status_day", "status", "service_date"),
    )


class Evaluation(HallScoped, Base):
    """A first evaluation (assess_number 1) or the one follow-up (追评, 2) on an opportunity."""

    __tablename__ = "evaluation"

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("evaluation_opportunity.id"))
    assess_number: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(12))
    indicator_codes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    text: Mapped[str] = mapped_column(String(500), default="")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("device.id"), nullable=True)

    __table_args__ = (
        # At most one first evaluation and one 追评 per opportunity, whoever submits concurrently.
        UniqueConstraint("opportunity_id", "assess_number", name="uq_evaluation_assess"),
        Index("ix_evaluation_time", "evaluated_at"),
    )


class EvaluationRule(HallScoped, Base):
    """The hall's 好差评 rule (one row, id 1; none: the rule is off): default evaluations after N days."""

    __tablename__ = "evaluation_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    default_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    default_after_days: Mapped[int] = mapped_column(Integer)
    # contacts served from this day on are covered: turning the rule on does not rewrite the history
    default_since: Mapped[date | None] = mapped_column(Date, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
