"""What the periodic sweep (every 30 s in the server) costs as the ticket history grows.

The ticket table is filled in bulk with N finished tickets of earlier days (500 a day); then one sweep pass
is timed in process: `idle`, the steady state with nothing to change (median of 20 passes), and `cancel 20`,
the pass that finds 20 tickets of yesterday nobody ended and cancels them.

    YIMEN_BENCH_TICKETS=10000,200000 python bench/sweep_history.py [sqlite] [postgresql]
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._hall import backends, demo_hall, print_table
from hall_server.app import AppState, build_state
from hall_server.catalogue.models import Category
from hall_server.core.config import Settings
from hall_server.queueing import day
from hall_server.queueing.models import Ticket

SIZES = [int(n) for n in os.environ.get("YIMEN_BENCH_TICKETS", "10000,200000").split(",")]
PER_DAY, LEFTOVERS, SAMPLES, CHUNK = 500, 20, 20, 20_000


def ticket(n: int, service_date: date, category_id: int, status: str) -> dict[str, object]:
    issued = datetime.combine(service_date, datetime.min.time(), UTC) + timedelta(seconds=n % PER_DAY * 60)
    return {
        "number": f"H{n % PER_DAY + 1:03d}",
        "service_date": service_date,
        "category_id": category_id,
        "status": status,
        "priority": "NORMAL",
        "channel": "KIOSK",
        "issued_at": issued,
        "sort_key": issued.timestamp(),
        "follow_code": f"bench-{status[:2]}-{n}",
        "completed_at": issued + timedelta(minutes=10) if status == "DONE" else None,
    }


def fill(url: str, total: int, already: int, first_day: date, category_id: int) -> None:
    """Top the history up to `total` finished tickets, PER_DAY a day backwards from `first_day`."""
    engine = create_engine(url)
    with engine.begin() as connection:
        for start in range(already, total, CHUNK):
            chunk = range(start, min(total, start + CHUNK))
            made = [ticket(n, first_day - timedelta(days=n // PER_DAY), category_id, "DONE") for n in chunk]
            connection.execute(insert(Ticket), made)
    engine.dispose()


def leave_open(url: str, yesterday: date, category_id: int, round_no: int) -> None:
    engine = create_engine(url)
    rows = [ticket(n, yesterday, category_id, "WAITING") for n in range(LEFTOVERS)]
    for row in rows:
        row["number"] = f"L{round_no}{row['number']}"
        row["follow_code"] = f"{row['follow_code']}-{round_no}"
    with engine.begin() as connection:
        connection.execute(insert(Ticket), rows)
    engine.dispose()


def sweep_pass(state: AppState) -> float:
    started = time.perf_counter()
    day.sweep_once(state.uow)
    return time.perf_counter() - started


def main() -> None:
    rows = []
    for backend in backends():
        with demo_hall(backend) as hall:
            os.environ.update(hall.env)
            state = build_state(Settings())
            with state.factory() as session:
                category_id = session.scalars(select(Category.id).limit(1)).one()
            yesterday = state.clock.today() - timedelta(days=1)
            already = 0
            for round_no, total in enumerate(SIZES):
                fill(hall.database_url, total, already, yesterday - timedelta(days=1), category_id)
                already = total
                sweep_pass(state)
                idle = statistics.median(sweep_pass(state) for _ in range(SAMPLES))
                leave_open(hall.database_url, yesterday, category_id, round_no)
                cancelling = sweep_pass(state)
                rows.append([backend, total, f"{idle * 1000:.1f}", f"{cancelling * 1000:.1f}"])
            state.engine.dispose()
            if state.read_engine is not None:
                state.read_engine.dispose()
    print_table(
        "One sweep pass against the ticket history (ms)",
        ["backend", "history tickets", "idle", f"cancel {LEFTOVERS}"],
        rows,
    )


if __name__ == "__main__":
    main()
