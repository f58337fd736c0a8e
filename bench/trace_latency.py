"""Trace query latency with 100,000 events in the event table (全过程留痕), SQLite and PostgreSQL.

20,000 past tickets with 5 events each are written in bulk (the shape `record` writes), then random
tickets are traced: in process (the service function) and through GET /api/v1/trace/ticket/{id}
on a real `yimen server` process.

    python bench/trace_latency.py [sqlite] [postgresql]
"""

from __future__ import annotations

import os
import random
import secrets
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._hall import backends, demo_hall, print_table, server_process, summary_ms
from hall_server.catalogue.models import Category
from hall_server.client import HallClient
from hall_server.contract.events import Actor, AggregateRef, AggregateType, Envelope, EventType, Source
from hall_server.core.ids import uuid7
from hall_server.events.models import Event
from hall_server.queueing.models import Ticket

TICKETS = int(os.environ.get("YIMEN_BENCH_TICKETS", "20000"))
LIFE = [
    EventType.TICKET_ISSUED,
    EventType.TICKET_CALLED,
    EventType.TICKET_SERVICE_STARTED,
    EventType.TICKET_SERVICE_COMPLETED,
    EventType.TICKET_CANCELLED,
]
SAMPLES = 300
SOURCE = Source(
    hall_code="341122-ZWFW-01",
    hall_name="示范县政务服务中心",
    region_code="341122000000",
    org_uscc="11341122MB0000000X",
)


def fill(url: str) -> list[int]:
    engine = create_engine(url)
    with engine.begin() as connection:
        categories = connection.execute(select(Category.id, Category.prefix)).all()
        start = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
        tickets, events = [], []
        for n in range(TICKETS):
            category_id, prefix = categories[n % len(categories)]
            issued = start + timedelta(minutes=7 * n)
            day = (issued + timedelta(hours=8)).date()
            tickets.append(
                {
                    "number": f"{prefix}{n:05d}",
                    "service_date": day,
                    "category_id": category_id,
                    "status": "DONE",
                    "priority": "NORMAL",
                    "channel": "KIOSK",
                    "issued_at": issued,
                    "sort_key": issued.timestamp(),
                    "call_count": 1,
                    "follow_code": secrets.token_hex(8),
                    "cancel_reason": "",
                    "transfer_note": "",
                    "requeue_count": 0,
                    "people_ahead_at_issue": 0,
                    "version": 5,
                }
            )
        connection.execute(insert(Ticket), tickets)
        ids = [row[0] for row in connection.execute(select(Ticket.id).order_by(Ticket.id))]
        for ticket_id, row in zip(ids, tickets, strict=True):
            for seq, event_type in enumerate(LIFE, start=1):
                moment = row["issued_at"] + timedelta(minutes=2 * seq)
                envelope = Envelope(
                    event_id=uuid7(),
                    event_type=event_type,
                    occurred_at=moment,
                    recorded_at=moment,
                    source=SOURCE,
                    aggregate=AggregateRef(type=AggregateType.TICKET, id=str(ticket_id), seq=seq),
                    refs={"ticket_id": str(ticket_id), "ticket_no": row["number"]},
                    actor=Actor(kind="system"),
                    data={"ticket_no": row["number"], "window_no": 3},
                )
                events.append(
                    {
                        "event_id": envelope.event_id,
                        "event_type": event_type.value,
                        "occurred_at": moment,
                        "aggregate_type": "ticket",
                        "aggregate_id": str(ticket_id),
                        "aggregate_seq": seq,
                        "payload": envelope.model_dump(mode="json", exclude_none=True),
                    }
                )
            if len(events) >= 10_000:
                connection.execute(insert(Event), events)
                events.clear()
        if events:
            connection.execute(insert(Event), events)
        total = connection.execute(select(func.count(Event.id))).scalar_one()
    engine.dispose()
    print(f"event table holds {total} events")
    return ids


def bench_service(env: dict[str, str], ids: list[int]) -> list[float]:
    os.environ.update(env)
    from hall_server.app import build_state
    from hall_server.core.config import Settings
    from hall_server.events.trace import trace

    state = build_state(Settings())
    timings = []
    for ticket_id in random.sample(ids, SAMPLES):
        started = time.perf_counter()
        result = state.uow.run(lambda ctx, t=ticket_id: trace(ctx, "ticket", str(t)))
        timings.append(time.perf_counter() - started)
        assert len(result.events) == len(LIFE)
    state.engine.dispose()
    return timings


def bench_http(base: str, token: str, ids: list[int]) -> list[float]:
    timings = []
    with HallClient(base, token) as manager:
        for ticket_id in random.sample(ids, SAMPLES):
            started = time.perf_counter()
            manager.trace("ticket", ticket_id)
            timings.append(time.perf_counter() - started)
    return timings


def main() -> None:
    random.seed(7)
    rows = []
    for backend in backends():
        with demo_hall(backend) as hall:
            ids = fill(hall.database_url)
            rows.append([backend, "service", SAMPLES, *summary_ms(bench_service(hall.env, ids))])
            with server_process(hall) as base:
                password = hall.accounts["staff"][0]["password"]
                token = HallClient(base).sign_in("manager", password).token
                rows.append([backend, "http", SAMPLES, *summary_ms(bench_http(base, token, ids))])
    print_table(
        f"Trace of one ticket with {TICKETS * len(LIFE):,} events in the table (ms)",
        ["backend", "path", "traces", "p50", "p99", "mean"],
        rows,
    )


if __name__ == "__main__":
    main()
