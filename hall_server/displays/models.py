from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from hall_server.core.db import Base, JSONType


class DisplayProfile(Base):
    """What one hall screen shows (empty lists: everything)."""

    __tablename__ = "display_profile"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(String(50))
    window_numbers: Mapped[list[int]] = mapped_column(JSONType, default=list)
    category_codes: Mapped[list[str]] = mapped_column(JSONType, default=list)
