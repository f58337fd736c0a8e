"""What the sync panel and /metrics cost as the outbox grows: one read of the sync status (backlog, lag of the
oldest undelivered event and why, dead letters, delivered count) with a year of delivery rows in the table.

The delivery table is filled in bulk (the shape the outbox writes): N delivered rows, 500 open (retrying)
rows and 20 dead letters for one target; then `sync.service.status` is timed in process, and
GET /api/v1/sync/status through a real `yimen server` process.

    YIMEN_BENCH_DELIVERIES=100000,1000000 python bench/sync_status.py [sqlite] [postgresql]
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._hall import backends, demo_hall, print_table, server_process, summary_ms
from hall_server.app import build_state
from hall_server.client import HallClient
from hall_server.core.config import Settings
from hall_server.core.ids import uuid7
from hall_server.sync import service
from hall_server.sync.models import Delivery

SIZES = [int(n) for n in os.environ.get("YIMEN_BENCH_DELIVERIES", "100000,1000000").split(",")]
OPEN, DEAD, SAMPLES, CHUNK = 500, 20, 50, 20_000
TARGET = {
    "name": "province",
    "kind": "hall-sync-rest",
    "url": "http://127.0.0.1:9",  # nothing listens: the rows stay as written
    "app_id": "HALL-BENCH",
    "secret_env": "YIMEN_BENCH_SECRET",
}


def rows(start_pk: int, count: int, start: datetime) -> list[dict[str, object]]:
    made = []
    for n in range(start_pk, start_pk + count):
        occurred = start + timedelta(seconds=6 * n)
        made.append(
            {
                "event_id": uuid7(),
                "target": "province",
                "event_pk": n,
                "event_type": "queue.ticket.called",
                "aggregate_key": f"ticket:{n // 5}",
                "aggregate_seq": n % 5 + 1,
                "occurred_at": occurred,
                "status": "DONE",
                "attempts": 1,
                "next_attempt_at": occurred,
                "last_error": "",
                "delivered_at": occurred + timedelta(seconds=0.05),
            }
        )
    return made


def fill(url: str, delivered: int, already: int) -> None:
    """Top the table up to `delivered` DONE rows, then (first time) the open and dead rows at the end."""
    engine = create_engine(url)
    start = datetime(2025, 11, 25, 1, 0, tzinfo=UTC)
    with engine.begin() as connection:
        for first in range(already, delivered, CHUNK):
            connection.execute(insert(Delivery), rows(first + 1, min(CHUNK, delivered - first), start))
    engine.dispose()


def mark_tail(url: str, delivered: int) -> None:
    engine = create_engine(url)
    start = datetime(2025, 11, 25, 1, 0, tzinfo=UTC)
    tail = rows(10_000_000, OPEN + DEAD, start + timedelta(days=366))
    for n, row in enumerate(tail):
        row.update(status="RETRY" if n < OPEN else "DEAD", attempts=4, delivered_at=None)
        row["last_error"] = "ConnectError: [Errno 111] Connection refused" if n < OPEN else "EVENT_INVALID"
    with engine.begin() as connection:
        connection.execute(insert(Delivery), tail)
    engine.dispose()


def time_service(settings: Settings) -> list[float]:
    state = build_state(settings)
    times = []
    for _ in range(SAMPLES):
        began = time.perf_counter()
        state.uow.read(lambda ctx: service.status(ctx, ctx.targets))
        times.append(time.perf_counter() - began)
    state.engine.dispose()
    if state.read_engine is not None:
        state.read_engine.dispose()
    return times


def time_http(base: str, password: str) -> list[float]:
    times = []
    with HallClient.login(base, "manager", password) as manager:
        for _ in range(SAMPLES):
            began = time.perf_counter()
            manager._call("GET", "/sync/status", dict)
            times.append(time.perf_counter() - began)
    return times


def main() -> None:
    os.environ["YIMEN_BENCH_SECRET"] = "bench-secret"
    results = []
    for backend in backends():
        with demo_hall(backend) as hall:
            hall.env["YIMEN_SYNC_TARGETS"] = json.dumps([TARGET])
            hall.env["YIMEN_SYNC_IN_SERVER"] = "false"  # time the reads, not a worker retrying meanwhile
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                database_url=hall.database_url,
                key_file=hall.env["YIMEN_KEY_FILE"],
                sync_targets=[TARGET],
                sync_in_server=False,
            )
            password = hall.accounts["staff"][0]["password"]
            have = 0
            for size in sorted(SIZES):
                began = time.perf_counter()
                fill(hall.database_url, size, have)
                if have == 0:
                    mark_tail(hall.database_url, size)
                have = size
                filled = time.perf_counter() - began
                service_times = time_service(settings)
                with server_process(hall) as base:
                    http_times = time_http(base, password)
                results.append(
                    [
                        backend,
                        f"{size:,}",
                        f"{filled:.0f} s",
                        *summary_ms(service_times)[:2],
                        *summary_ms(http_times)[:2],
                    ]
                )
                print(results[-1], flush=True)
    print_table(
        f"Sync status with N delivered rows (+{OPEN} retrying, {DEAD} dead), {SAMPLES} reads each",
        ["database", "N", "fill", "service p50 ms", "p99", "HTTP p50 ms", "p99"],
        results,
    )


if __name__ == "__main__":
    main()
