from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from hall_server.core.db import Base, JSONType, UTCDateTime


class WorkdayYear(Base):
    """A year's arrangement as the hall saved it, in the shape of the shipped data/YEAR.json; it wins over
    the shipped file of that year."""

    __tablename__ = "workday_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
