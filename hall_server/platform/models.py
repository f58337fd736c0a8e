"""The receiver's own tables (prefix `platform_`), created with `create_all`: a dev and test tool, so no
Alembic history. They live beside the hall's tables if pointed at the same database, sharing nothing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, Integer, MetaData, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hall_server.core.db import JSONType, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
}
ArrivalType = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER keys only


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class PlatformEvent(Base):
    """One accepted event. `arrival` numbers events in the order the platform stored them."""

    __tablename__ = "platform_event"
    __table_args__ = (UniqueConstraint("aggregate_type", "aggregate_id", "seq"),)

    arrival: Mapped[int] = mapped_column(ArrivalType, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    aggregate_type: Mapped[str] = mapped_column(String(32))
    aggregate_id: Mapped[str] = mapped_column(String())
    seq: Mapped[int] = mapped_column(Integer)
    event_type: Mapped[str] = mapped_column(String(100))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    local_day: Mapped[date] = mapped_column(Date, index=True)
    app_id: Mapped[str] = mapped_column(String(100), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    envelope: Mapped[dict[str, Any]] = mapped_column(JSONType)


class AggregateHead(Base):
    """The last seq applied per aggregate; its row is locked while an event of the aggregate is applied."""

    __tablename__ = "platform_aggregate_head"

    aggregate_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    aggregate_id: Mapped[str] = mapped_column(String(), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class SeenNonce(Base):
    """Nonces seen in the last NONCE_TTL_SECONDS, kept across restarts so a restart reopens no replay."""

    __tablename__ = "platform_nonce"

    app_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(16), primary_key=True)
    seen_at: Mapped[int] = mapped_column(BigInteger, index=True)  # Unix seconds


class OutcomeCount(Base):
    """Answers that store nothing, counted per app: duplicate, rejected, retry."""

    __tablename__ = "platform_outcome_count"

    app_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    total: Mapped[int] = mapped_column(BigInteger, default=0)


class CaseNumber(Base):
    """获取办件编号: one PROJID per (source hall, local case number), given once and answered again to
    every later request for the same case (a hall that lost the answer asks again)."""

    __tablename__ = "platform_case_number"
    __table_args__ = (UniqueConstraint("source_hall_code", "local_case_no"),)

    id: Mapped[int] = mapped_column(ArrivalType, primary_key=True, autoincrement=True)
    source_hall_code: Mapped[str] = mapped_column(String(32))
    local_case_no: Mapped[str] = mapped_column(String(50))
    matter_code: Mapped[str] = mapped_column(String(64))
    case_no: Mapped[str | None] = mapped_column(String(50), unique=True, nullable=True)
    app_id: Mapped[str] = mapped_column(String(100))
    allocated_at: Mapped[datetime] = mapped_column(UTCDateTime)
