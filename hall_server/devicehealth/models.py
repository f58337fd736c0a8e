from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column

from hall_server.core.db import Base, JSONType, UTCDateTime
from hall_server.core.tenancy import HallScoped


class DeviceHealth(HallScoped, Base):
    """The latest health report of one registered device (kiosk, counter...): replaced by each report."""

    __tablename__ = "device_health"

    device_id: Mapped[int] = mapped_column(ForeignKey("device.id", ondelete="CASCADE"), primary_key=True)
    app_version: Mapped[str] = mapped_column(String(40))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # [{kind, name, state, code, message}] as last reported
    parts: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    # the last report was the device's orderly shutdown: its silence is no 失联 until it reports again
    signed_off: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
