"""A 前置库 (intermediate exchange database) target, as many provinces exchange 办件 data (standards.md
§3.2): each event becomes a row with SIGNSTATE = 0 in the table `hall_sync_exchange` of the exchange
database at `url`; the province's exchange service picks rows up and flips SIGNSTATE. The event id is the
primary key, so a re-sent event is recognised as a duplicate."""

from __future__ import annotations

import json
import time
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Column, Date, Integer, MetaData, String, Table, Text, create_engine, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from hall_server.core.db import UTCDateTime, upsert_statement
from hall_server.sync.config import TargetConfig
from hall_server.sync.targets import Outcome, TransientFailure, Verdict
from hall_server.sync.targets.exchange_tables import rows_for
from hall_server.sync.wire import DaySummary, day_hash

metadata = MetaData()
exchange = Table(
    "hall_sync_exchange",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("event_type", String(64), nullable=False),
    Column("aggregate_type", String(16), nullable=False),
    Column("aggregate_id", String(64), nullable=False),
    Column("aggregate_seq", Integer, nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("local_day", Date, nullable=False, index=True),
    Column("payload", Text, nullable=False),
    Column("signstate", Integer, nullable=False, default=0),
    Column("maketime", UTCDateTime, nullable=False),
)
# The exchange tables' rows of case.* / result.* events (exchange_tables.py), one JSON row each
exchange_row = Table(
    "hall_sync_exchange_row",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("table_name", String(40), nullable=False, index=True),
    Column("columns", Text, nullable=False),
)
LOCAL = ZoneInfo("Asia/Shanghai")
CREATE_ATTEMPTS = 5


class FrontTableTarget:
    def __init__(self, config: TargetConfig) -> None:
        self.config = config
        self.engine = create_engine(config.url)
        for attempt in range(CREATE_ATTEMPTS):
            try:
                metadata.create_all(self.engine)
                return
            except SQLAlchemyError:
                # Another process's worker created it at the same moment (on PostgreSQL a clash on the
                # catalogue's unique index, or a table not yet committed when this one looked): look again.
                if attempt == CREATE_ATTEMPTS - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))

    def close(self) -> None:
        self.engine.dispose()

    def send(self, envelopes: list[dict[str, Any]]) -> list[Outcome]:
        outcomes = []
        try:
            with self.engine.begin() as connection:
                for envelope in envelopes:
                    occurred = datetime.fromisoformat(envelope["occurred_at"])
                    row = {
                        "event_id": envelope["event_id"],
                        "event_type": envelope["event_type"],
                        "aggregate_type": envelope["aggregate"]["type"],
                        "aggregate_id": envelope["aggregate"]["id"],
                        "aggregate_seq": envelope["aggregate"]["seq"],
                        "occurred_at": occurred,
                        "local_day": occurred.astimezone(LOCAL).date(),
                        "payload": json.dumps(envelope, ensure_ascii=False),
                        "signstate": 0,
                        "maketime": datetime.now(LOCAL),
                    }
                    insert = upsert_statement(connection, exchange).values(**row)
                    inserted = connection.execute(
                        insert.on_conflict_do_nothing(index_elements=["event_id"])
                    ).rowcount
                    if inserted:
                        _write_rows(connection, envelope)
                    verdict = Verdict.DONE if inserted else Verdict.DUPLICATE
                    outcomes.append(Outcome(envelope["event_id"], verdict))
        except SQLAlchemyError as exc:
            raise TransientFailure(f"exchange database: {type(exc).__name__}") from exc
        return outcomes

    def day_summary(self, day: date, with_ids: bool) -> DaySummary:
        try:
            with self.engine.connect() as connection:
                ids = list(connection.scalars(select(exchange.c.event_id).where(exchange.c.local_day == day)))
        except SQLAlchemyError as exc:
            raise TransientFailure(f"exchange database: {type(exc).__name__}") from exc
        return DaySummary(day=day, count=len(ids), hash=day_hash(ids), event_ids=ids if with_ids else None)


def _write_rows(connection: Connection, envelope: dict[str, Any]) -> None:
    for position, row in enumerate(rows_for(envelope)):
        connection.execute(
            exchange_row.insert().values(
                event_id=envelope["event_id"],
                position=position,
                table_name=row.table,
                columns=json.dumps(row.columns, ensure_ascii=False),
            )
        )
