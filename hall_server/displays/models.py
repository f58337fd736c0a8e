from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hall_server.core.db import Base, JSONType
from hall_server.core.tenancy import HallScoped


class DisplayProfile(HallScoped, Base):
    """What one hall screen shows (empty lists: everything)."""

    __tablename__ = "display_profile"

    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"), primary_key=True, index=True)
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(String(50))
    window_numbers: Mapped[list[int]] = mapped_column(JSONType, default=list)
    category_codes: Mapped[list[str]] = mapped_column(JSONType, default=list)
