from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hall_server.core.db import Base, JSONType, UTCDateTime
from hall_server.core.tenancy import HallScoped


class Threshold(HallScoped, Base):
    """Load limits (标准) for the hall (scope 'hall') or one category (scope = its code)."""

    __tablename__ = "load_threshold"

    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"), primary_key=True, index=True)
    scope: Mapped[str] = mapped_column(String(20), primary_key=True)
    max_wait_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_waiting: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_service_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Alert(HallScoped, Base):
    """One alert from raise to clear; at most one open (not cleared) alert per key."""

    __tablename__ = "alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(100))
    detail: Mapped[str] = mapped_column(String(300), default="")
    category_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    window_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("device.id"), nullable=True)
    help_id: Mapped[int | None] = mapped_column(ForeignKey("help_request.id"), nullable=True)
    value: Mapped[float | None] = mapped_column(nullable=True)
    limit: Mapped[float | None] = mapped_column(nullable=True)
    suggestion: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    acknowledge_note: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (
        Index("ix_alert_open_key", "cleared_at", "key"),
        Index("ix_alert_raised", "raised_at"),
    )
