from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hall_server.catalogue.models import Category, Matter
from hall_server.core.db import Base, UTCDateTime
from hall_server.core.tenancy import HallScoped


class AppointmentSlot(HallScoped, Base):
    __tablename__ = "appointment_slot"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)

    category: Mapped[Category] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("category_id", "start"),)


class Appointment(HallScoped, Base):
    __tablename__ = "appointment"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8))  # unique per hall: checked in at the hall's kiosk
    slot_id: Mapped[int] = mapped_column(ForeignKey("appointment_slot.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matter.id"), nullable=True)
    visitor_id: Mapped[int] = mapped_column(ForeignKey("visitor.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    mobile_cipher: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    mobile_masked: Mapped[str | None] = mapped_column(String(11), nullable=True)
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    no_show_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancel_reason: Mapped[str] = mapped_column(String(200), default="")
    ticket_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    slot: Mapped[AppointmentSlot] = relationship(lazy="joined")
    category: Mapped[Category] = relationship(lazy="joined")
    matter: Mapped[Matter | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    # The sweep's look for booked appointments past their time: sized by the bookings, not the history.
    __table_args__ = (
        Index("ix_appointment_status_slot", "status", "slot_id"),
        UniqueConstraint("hall_id", "code", name="uq_appointment_hall_code"),
    )
