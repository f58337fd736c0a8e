"""How long a backlog takes to reach the platform once the platform is back after an outage.

A real `yimen server` (default sync settings: backoff base 1 s, cap 300 s, probe every 5 s) issues
tickets while the receiver is down, so every event waits out a growing backoff; after OUTAGE_SECONDS the
receiver (`yimen platform serve`, its own process) comes back on the same port. Printed: the backlog, how
long its last event would still have waited by its own backoff, and how long the drain took.

    python bench/sync_outage_drain.py [sqlite] [postgresql] [--tickets N] [--outage S]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._hall import YIMEN, _fresh_pg_url, demo_hall, free_port, print_table, server_process
from bench.sync_delivery import APP, SECRET, backlog, sync_env
from hall_server.client import HallClient
from hall_server.contract.queue import IssueTicketRequest
from hall_server.sync.models import Delivery


def platform_on(port: int, database_url: str) -> subprocess.Popen[bytes]:
    args = ["platform", "serve", "--port", str(port), "--database-url", database_url]
    process = subprocess.Popen(
        [YIMEN, *args, "--app", f"{APP}:{SECRET}", "--log-level", "WARNING"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(150):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("platform did not start")


def latest_backoff_seconds(url: str) -> float:
    engine = create_engine(url)
    with engine.connect() as connection:
        latest = connection.execute(
            select(func.max(Delivery.next_attempt_at)).where(Delivery.status == "RETRY")
        ).scalar()
    engine.dispose()
    if latest is None:
        return 0.0
    if isinstance(latest, str):
        latest = datetime.fromisoformat(latest)
    return ((latest if latest.tzinfo else latest.replace(tzinfo=UTC)) - datetime.now(UTC)).total_seconds()


def run(backend: str, tickets: int, outage: float) -> list[object]:
    with demo_hall(backend) as hall:
        port = free_port()
        platform_db = (
            f"sqlite:///{Path(hall.env['YIMEN_KEY_FILE']).parent}/platform.db"
            if backend == "sqlite"
            else _fresh_pg_url("yimen_bench_platform")
        )
        hall.env = sync_env(hall.env, f"http://127.0.0.1:{port}")
        for default in ("YIMEN_SYNC_IDLE_SECONDS", "YIMEN_SYNC_CONCURRENCY"):
            hall.env.pop(default)
        with server_process(hall) as base:
            started = time.monotonic()
            with HallClient(base, hall.device_token()) as kiosk:
                for n in range(tickets):
                    kiosk.issue_ticket(
                        IssueTicketRequest(category_code="SOCIAL_AFFAIRS" if n % 2 else "CONSULTATION")
                    )
            time.sleep(max(0.0, outage - (time.monotonic() - started)))
            waiting = backlog(hall.database_url)
            would_wait = latest_backoff_seconds(hall.database_url)
            platform = platform_on(port, platform_db)
            back = time.monotonic()
            try:
                while backlog(hall.database_url):
                    time.sleep(0.05)
                drained = time.monotonic() - back
            finally:
                platform.terminate()
                platform.wait(timeout=10)
    return [
        backend,
        waiting,
        f"{outage:.0f}",
        f"{would_wait:.0f}",
        f"{drained:.1f}",
        f"{waiting / drained:.0f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("backends", nargs="*", default=["sqlite", "postgresql"])
    parser.add_argument("--tickets", type=int, default=514)
    parser.add_argument("--outage", type=float, default=120.0)
    args = parser.parse_args()
    rows = [run(backend, args.tickets, args.outage) for backend in args.backends]
    print_table(
        "Backlog drain after a platform outage (default backoff 1 s … 300 s, probe every 5 s)",
        ["backend", "events waiting", "outage s", "last backoff left s", "drain s", "events/s"],
        rows,
    )


if __name__ == "__main__":
    main()
