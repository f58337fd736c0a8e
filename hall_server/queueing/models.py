from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, Float, ForeignKey, Index, Integer, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hall_server.catalogue.models import Category, Matter
from hall_server.core.db import Base, JSONType, UTCDateTime
from hall_server.core.tenancy import HallScoped

window_category = Table(
    "window_category",
    Base.metadata,
    Column("window_id", ForeignKey("window.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("category.id", ondelete="CASCADE"), primary_key=True),
)


class Window(HallScoped, Base):
    __tablename__ = "window"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(50))
    state: Mapped[str] = mapped_column(String(8), default="CLOSED")
    pause_reason: Mapped[str | None] = mapped_column(String(8), nullable=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), nullable=True)
    state_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Category codes the window may be given (its staff's competence); empty: any (综合窗口).
    may_serve: Mapped[list[str]] = mapped_column(JSONType, default=list, server_default="[]")
    version: Mapped[int] = mapped_column(Integer, default=1)

    categories: Mapped[list[Category]] = relationship(
        secondary=window_category, order_by=(Category.sort_order, Category.id), lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (UniqueConstraint("hall_id", "number", name="uq_window_hall_number"),)


class TicketCounter(HallScoped, Base):
    """Last number given per prefix and local day: the row lock makes numbering safe under concurrency."""

    __tablename__ = "ticket_counter"

    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"), primary_key=True, index=True)
    prefix: Mapped[str] = mapped_column(String(1), primary_key=True)
    service_date: Mapped[date] = mapped_column(Date, primary_key=True)
    last_no: Mapped[int] = mapped_column(Integer)


class Ticket(HallScoped, Base):
    __tablename__ = "ticket"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(8))
    service_date: Mapped[date] = mapped_column(Date)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matter.id"), nullable=True)
    visitor_id: Mapped[int | None] = mapped_column(ForeignKey("visitor.id"), nullable=True, index=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(10))
    priority: Mapped[str] = mapped_column(String(12))
    channel: Mapped[str] = mapped_column(String(20))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Queue position: issue time (epoch seconds) minus the priority's head start. Transfers keep it.
    sort_key: Mapped[float] = mapped_column(Float)
    window_id: Mapped[int | None] = mapped_column(ForeignKey("window.id"), nullable=True)
    target_window_id: Mapped[int | None] = mapped_column(ForeignKey("window.id"), nullable=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    call_count: Mapped[int] = mapped_column(Integer, default=0)
    first_called_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_called_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    service_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    no_show_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancel_reason: Mapped[str] = mapped_column(String(200), default="")
    transfer_note: Mapped[str] = mapped_column(String(500), default="")
    # 转办回流: the window that sent the visitor away for one part and expects them back.
    return_window_id: Mapped[int | None] = mapped_column(ForeignKey("window.id"), nullable=True)
    # 挂起: the visitor stepped away; the parking window resumes the ticket (status PARKED).
    parked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    park_note: Mapped[str] = mapped_column(String(200), default="", server_default="")
    requeue_count: Mapped[int] = mapped_column(Integer, default=0)
    # Seconds from issue (an appointment ticket: its check-in) to the first call, and from the start of
    # service to completion; kept so statistics are plain sums over a range (hall_server/stats).
    wait_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    service_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    follow_code: Mapped[str] = mapped_column(String(24), unique=True)
    people_ahead_at_issue: Mapped[int] = mapped_column(Integer, default=0)
    est_wait_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # HANDED unless a kiosk asked to confirm its print (PENDING until it reports how it went).
    delivery: Mapped[str] = mapped_column(String(12), default="HANDED", server_default="HANDED")
    delivery_fault: Mapped[str | None] = mapped_column(String(32), nullable=True)
    issued_by_device_id: Mapped[int | None] = mapped_column(ForeignKey("device.id"), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    category: Mapped[Category] = relationship(lazy="joined")
    matter: Mapped[Matter | None] = relationship(lazy="joined")
    window: Mapped[Window | None] = relationship(foreign_keys=[window_id], lazy="joined")
    target_window: Mapped[Window | None] = relationship(foreign_keys=[target_window_id], lazy="joined")
    return_window: Mapped[Window | None] = relationship(foreign_keys=[return_window_id], lazy="joined")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        Index("ix_ticket_queue", "hall_id", "service_date", "status", "sort_key"),
        Index("ix_ticket_category_status", "category_id", "status"),
        Index("ix_ticket_window_status", "window_id", "status"),
        Index("ix_ticket_category_completed", "category_id", "completed_at"),
        Index("ix_ticket_hall_date_number", "hall_id", "service_date", "number", unique=True),
        # The sweep's look for open tickets of earlier days: sized by the open tickets, not the history.
        Index("ix_ticket_status_date", "status", "service_date"),
        # The sweep's look for kiosk tickets nobody confirmed: sized by the pending ones.
        Index("ix_ticket_delivery_issued", "delivery", "issued_at"),
        # Statistics over a range of days read only this index (covering): no visit to the wide rows.
        Index(
            "ix_ticket_stats",
            "service_date",
            "status",
            "category_id",
            "window_id",
            "staff_id",
            "matter_id",
            "visitor_id",
            "wait_seconds",
            "service_seconds",
        ),
    )
