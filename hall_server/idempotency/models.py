from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hall_server.core.db import Base, UTCDateTime
from hall_server.core.tenancy import HallScoped


class IdempotencyRecord(HallScoped, Base):
    """The first successful answer to one caller's key, written in the transaction of the change itself.

    A row with no status is a claim: it exists only inside the transaction doing the work, so other
    transactions never see it; they wait on its unique key instead (PostgreSQL) or on the write lock (SQLite).
    """

    __tablename__ = "idempotency_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    principal: Mapped[str] = mapped_column(String(40))  # "staff:12" or "device:3": keys are per caller
    idem_key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(512))  # as called, with the query; for people reading it
    request_hash: Mapped[str] = mapped_column(String(64))  # SM3 of method, path, query and body
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    response_body: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("principal", "idem_key"),
        Index("ix_idempotency_record_created_at", "created_at"),
    )
