from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hall_server.core.db import Base, JSONType, UTCDateTime
from hall_server.core.tenancy import HallScoped


class Event(HallScoped, Base):
    """The append-only event log (全过程留痕) and the sync outbox. Rows are inserted, never updated."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    event_type: Mapped[str] = mapped_column(String(64), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    aggregate_type: Mapped[str] = mapped_column(String(32))  # "evaluation_followup" did not fit in 16
    aggregate_id: Mapped[str] = mapped_column(String(64))
    aggregate_seq: Mapped[int] = mapped_column(Integer)
    correlation_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # The hash chain (hall_server/events/chain.py): position 1, 2, 3… in commit order, SM3 of the stored
    # envelope (which holds prev_hash), HMAC-SM3 of that hash. Nullable only because SQLite cannot add a
    # NOT NULL column in place; the server always fills them and `yimen events verify` flags a row without.
    chain_pos: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    mac: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The hall's event; NULL: the deployment's, recorded before any hall existed (core/tenancy.py)
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("hall.id"), nullable=True, index=True)  # type: ignore[assignment]
    __hall_optional__ = True

    __table_args__ = (
        UniqueConstraint(
            "hall_id",
            "aggregate_type",
            "aggregate_id",
            "aggregate_seq",
            name="uq_event_hall_id_aggregate_type_aggregate_id",
        ),
        Index("ix_event_aggregate", "hall_id", "aggregate_type", "aggregate_id"),
        Index("ix_event_chain_pos", "chain_pos", unique=True),
        # Events of one type in a time range (statistics: the transfers of a month).
        Index("ix_event_type_occurred", "event_type", "occurred_at"),
    )


class EventChainHead(Base):
    """One row: the last position and hash of the chain. Every transaction that writes events locks it
    (FOR UPDATE on PostgreSQL; SQLite has one writer) just before commit, so the chain never forks.
    `legacy_upto`: rows up to this position were chained by the migration, without a MAC."""

    __tablename__ = "event_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    head_pos: Mapped[int] = mapped_column(BigInteger)
    head_hash: Mapped[str] = mapped_column(String(64))
    legacy_upto: Mapped[int] = mapped_column(BigInteger)


class EventCheckpoint(Base):
    """A signed statement "the chain had this hash at this position at this time" (append-only)."""

    __tablename__ = "event_checkpoint"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    chain_pos: Mapped[int] = mapped_column(BigInteger, index=True)
    head_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kid: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(64))
