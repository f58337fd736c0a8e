from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hall_server.core.db import Base, UTCDateTime


class Delivery(Base):
    """One event to one target: written with the event (transactional outbox), then worked off.

    status: PENDING → SENDING (leased to a worker) → DONE | DUPLICATE (the target already had it)
            SENDING → RETRY (after a backoff) | DEAD (the target refused the event, or answered
            `sync_unreadable_limit` times in a way the sender cannot read; replayable)
    The aggregate's key and seq are copied here so that "deliver seq n+1 only after n" is one index lookup.
    """

    __tablename__ = "delivery"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    target: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_pk: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    event_type: Mapped[str] = mapped_column(String(64))
    aggregate_key: Mapped[str] = mapped_column(String(96))
    aggregate_seq: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    unknown_answers: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        Index("ix_delivery_ready", "target", "status", "event_pk"),
        Index("ix_delivery_aggregate", "target", "aggregate_key", "aggregate_seq"),
        Index("ix_delivery_day", "target", "occurred_at"),
        Index("ix_delivery_delivered", "target", "delivered_at"),
    )
