"""Statistics for the managers' dashboard against a year of history.

The demo hall is filled in bulk with DAYS working days (Monday to Friday, backwards from yesterday) of
PER_DAY tickets each (default 300 × 1500 = 450,000): 86 % served, 6 % no-show, 5 % cancelled, 3 % still
waiting-then-cancelled; waits 0–60 min, services 2–20 min, windows, clerks and matters of the demo hall,
60 % of tickets with an identified visitor (a pool of 60,000, so some come back), 3 % transferred (a
queue.ticket.transferred event each). Then, in process (as the server runs it), the statistics of the last
month of history are timed for each grouping (p50 and max of RUNS runs), the CSV and XLSX export of that
month by day, and one day by hour (JSON figures and the SVG chart).

    YIMEN_BENCH_DAYS=300 YIMEN_BENCH_PER_DAY=1500 python bench/stats.py [sqlite] [postgresql]
    YIMEN_BENCH_REUSE=<database url> YIMEN_KEY_FILE=<its keys.json> python bench/stats.py sqlite

PostgreSQL: database yimen_bench_stats on YIMEN_BENCH_PG_URL (see bench/_hall.py). YIMEN_BENCH_REUSE times a
database filled by an earlier run (kept when the run was killed) without filling it again.
"""

from __future__ import annotations

import os
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._hall import backends, demo_hall, print_table, timed
from hall_server.app import build_state
from hall_server.auth.models import Staff
from hall_server.catalogue.models import Category, HallMatter
from hall_server.contract.events import AggregateType, EventType
from hall_server.contract.stats import MAX_RANGE_DAYS, ExportFormat, StatsGroup
from hall_server.core.config import Settings
from hall_server.events.models import Event
from hall_server.identity.crypto import encrypt
from hall_server.identity.models import Visitor
from hall_server.identity.service import ID_AAD
from hall_server.migrate import upgrade
from hall_server.queueing.models import Ticket, Window
from hall_server.stats import chart, export, service

DAYS = int(os.environ.get("YIMEN_BENCH_DAYS", "300"))
PER_DAY = int(os.environ.get("YIMEN_BENCH_PER_DAY", "1500"))
RUNS = int(os.environ.get("YIMEN_BENCH_RUNS", "7"))
VISITORS, CHUNK = 60_000, 10_000


def working_days(before: date, count: int) -> list[date]:
    days: list[date] = []
    day = before
    while len(days) < count:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return sorted(days)


def fill(state: Any, url: str, tz: Any) -> tuple[list[date], int]:
    """Bulk-insert the history straight into the tables; returns the days and the ticket count."""
    with state.factory() as session:
        categories = session.execute(select(Category.id, Category.prefix)).all()
        matters = session.execute(select(HallMatter.matter_id, HallMatter.category_id)).all()  # the offering
        windows = session.scalars(select(Window.id)).all()
        clerks = (
            session.scalars(select(Staff.id).where(Staff.role == "clerk")).all()
            or session.scalars(select(Staff.id)).all()
        )
    by_category = {cid: [m for m, c in matters if c == cid] for cid, _ in categories}
    rng = random.Random(15)
    engine = create_engine(url)
    now = datetime.now(tz)
    cipher = encrypt(state.keys, "110105194912310021", ID_AAD)  # one made-up number for every visitor
    with engine.begin() as connection:
        for start in range(0, VISITORS, CHUNK):
            connection.execute(
                insert(Visitor),
                [
                    {
                        "kind": "RESIDENT_ID",
                        "id_hash": f"bench-{n}",
                        "id_cipher": cipher,
                        "id_masked": "110***********002X",
                        "created_at": now,
                    }
                    for n in range(start, min(VISITORS, start + CHUNK))
                ],
            )
        first_visitor = connection.scalar(select(func.min(Visitor.id)))
    days = working_days(datetime.now(tz).date(), DAYS)
    tickets: list[dict[str, Any]] = []
    moved: list[int] = []
    total = 0

    def flush() -> None:
        nonlocal total
        with engine.begin() as connection:
            first_id = (connection.scalar(select(func.max(Ticket.id))) or 0) + 1
            for offset, row in enumerate(tickets):
                row["id"] = first_id + offset
            connection.execute(insert(Ticket), tickets)
            events = [
                {
                    "event_id": str(uuid.uuid4()),
                    "event_type": EventType.TICKET_TRANSFERRED.value,
                    "occurred_at": tickets[i]["first_called_at"] + timedelta(minutes=3),
                    "aggregate_type": AggregateType.TICKET.value,
                    "aggregate_id": str(tickets[i]["id"]),
                    "aggregate_seq": 4,
                    "payload": {},
                }
                for i in moved
            ]
            if events:
                connection.execute(insert(Event), events)
        total += len(tickets)
        tickets.clear()
        moved.clear()

    for day in days:
        opening = datetime.combine(day, day_time(8, 30), tz)
        counters: dict[str, int] = {}
        for n in range(PER_DAY):
            category_id, prefix = categories[n % len(categories)]
            counters[prefix] = counters.get(prefix, 0) + 1
            issued = opening + timedelta(seconds=rng.uniform(0, 8.5 * 3600))
            roll = rng.random()
            status = "DONE" if roll < 0.86 else "NO_SHOW" if roll < 0.92 else "CANCELLED"
            called = None if roll >= 0.97 else issued + timedelta(seconds=rng.uniform(0, 3600))
            started = called + timedelta(seconds=30) if status == "DONE" and called else None
            done = started + timedelta(seconds=rng.uniform(120, 1200)) if started else None
            options = by_category.get(category_id) or [None]
            row = {
                "number": f"{prefix}{counters[prefix]:03d}",
                "service_date": day,
                "category_id": category_id,
                "matter_id": rng.choice(options) if rng.random() < 0.7 else None,
                "visitor_id": first_visitor + rng.randrange(VISITORS) if rng.random() < 0.6 else None,
                "status": status,
                "priority": "NORMAL",
                "channel": "KIOSK",
                "issued_at": issued,
                "sort_key": issued.timestamp(),
                "window_id": rng.choice(windows) if called else None,
                "staff_id": rng.choice(clerks) if called else None,
                "call_count": 1 if called else 0,
                "first_called_at": called,
                "last_called_at": called,
                "service_started_at": started,
                "completed_at": done,
                "wait_seconds": (called - issued).total_seconds() if called else None,
                "service_seconds": (done - started).total_seconds() if done and started else None,
                "no_show_at": called + timedelta(minutes=3) if status == "NO_SHOW" and called else None,
                "cancelled_at": issued + timedelta(hours=2) if status == "CANCELLED" else None,
                "follow_code": f"b{day:%y%m%d}{n}",
            }
            if status == "DONE" and rng.random() < 0.03:
                moved.append(len(tickets))
            tickets.append(row)
        if len(tickets) >= CHUNK:
            flush()
    flush()
    # A bulk load leaves the planner's statistics stale until autovacuum's next pass; a hall whose data
    # grew day by day has them current. Without this PostgreSQL plans the transfer join for one row.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()
    return days, total


def filled_before(state: Any) -> tuple[list[date], int]:
    """The days and ticket count of a database this script filled before (YIMEN_BENCH_REUSE)."""
    with state.factory() as session:
        days = sorted(session.scalars(select(Ticket.service_date).distinct()).all())
        total = session.scalar(select(func.count()).select_from(Ticket)) or 0
    return days, total


@contextmanager
def filled_hall(backend: str) -> Iterator[tuple[Any, list[date], int]]:
    reuse = os.environ.get("YIMEN_BENCH_REUSE")
    if reuse:  # a database kept from an earlier run: brought to the current schema, not filled again
        upgrade(reuse)
        state = build_state(Settings(database_url=reuse))
        yield state, *filled_before(state)
        return
    with demo_hall(backend, "yimen_bench_stats") as hall:
        os.environ.update(hall.env)
        state = build_state(Settings())
        started = time.perf_counter()
        days, total = fill(state, hall.database_url, state.clock.tz)
        filled = time.perf_counter() - started
        print(f"{backend}: {total} tickets over {len(days)} days inserted in {filled:.0f} s", flush=True)
        yield state, days, total


def bench_backend(backend: str) -> list[list[Any]]:
    rows: list[list[Any]] = []
    with filled_hall(backend) as (state, days, total):
        last = days[-1]
        first = max(days[0], last - timedelta(days=30))

        def run(label: str, work: Callable[[Any], object]) -> None:
            best, p50, worst = timed(lambda: state.uow.read(work), RUNS)
            rows.append([backend, total, label, *(f"{t * 1000:.0f}" for t in (best, p50, worst))])
            print("  ".join(str(c) for c in rows[-1]), flush=True)

        month = f"{first.isoformat()}..{last.isoformat()}"
        for group in StatsGroup:
            run(
                f"stats {month} by {group.value}",
                lambda ctx, g=group: service.statistics(ctx, g, first, last),
            )
        for fmt in ExportFormat:
            run(
                f"export {fmt.value} {month} by day",
                lambda ctx, f=fmt: export.render(service.statistics(ctx, StatsGroup.DAY, first, last), f),
            )
        since = max(days[0], last - timedelta(days=MAX_RANGE_DAYS - 1))  # the longest range allowed
        year = f"{since.isoformat()}..{last.isoformat()}"
        run(f"stats {year} by day", lambda ctx: service.statistics(ctx, StatsGroup.DAY, since, last))
        run(f"hourly {last}", lambda ctx: service.hourly(ctx, last))
        run(f"hourly.svg {last}", lambda ctx: chart.render(service.hourly(ctx, last)))
        state.engine.dispose()
        if state.read_engine is not None:
            state.read_engine.dispose()
    return rows


def main() -> None:
    rows = [row for backend in backends() for row in bench_backend(backend)]
    print_table(
        f"Statistics with a year of history (ms, min, p50 and max of {RUNS} runs, in process)",
        ["backend", "tickets", "query", "min", "p50", "max"],
        rows,
    )


if __name__ == "__main__":
    main()
