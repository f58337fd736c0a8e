"""Engines and transactions for the receiver: the hall's own helpers (SQLite WAL with BEGIN IMMEDIATE, or
PostgreSQL), on the receiver's own tables."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hall_server.core.db import make_engine as make_hall_engine
from hall_server.core.db import transaction, upsert_statement
from hall_server.platform.models import Base

__all__ = ["create_schema", "make_engine", "session_factory", "transaction", "upsert"]
upsert = upsert_statement


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if path and not path.startswith(":memory:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    # The reference receiver has no kiosk waiting on a 10 s timeout: its writers wait their turn longer
    # than the hall's (racing senders on SQLite would otherwise get 500s under load).
    return make_hall_engine(url, write_turn_seconds=60.0)


def create_schema(engine: Engine) -> None:
    Base.metadata.create_all(engine)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Plain sessions: the receiver's tables know no hall (no default hall to look up in its database)."""
    return sessionmaker(engine, expire_on_commit=False)
