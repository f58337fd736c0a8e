from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hall_server.core.db import Base


class Hall(Base):
    """The hall this server runs (one per database)."""

    __tablename__ = "hall"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str] = mapped_column(String(12))
    level: Mapped[str] = mapped_column(String(1))
    org_uscc: Mapped[str] = mapped_column(String(18))
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    hours: Mapped[str] = mapped_column(String(150), default="")
    notice: Mapped[str] = mapped_column(String(120), default="", server_default="")  # 通知栏 of hall screens
    # The local date on which end-of-day was run: no more tickets that day.
    queue_closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
