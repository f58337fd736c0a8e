"""Delivery to the platform on loopback: events per second, time to drain a backlog of 100,000 events,
and lag p50/p99 under a steady load of 50 events per second.

The receiver is a real `yimen platform serve` process (its own SQLite or PostgreSQL database); the hall
is the demo hall. For the backlog, 100,000 platform events over 20,000 tickets are written in bulk with
their outbox rows, then `yimen sync` (the worker as its own process) drains them. For the lag, a real
`yimen server` with its in-process worker issues tickets at 50 per second; lag = delivered − occurred.

    python bench/sync_delivery.py [sqlite] [postgresql]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._hall import YIMEN, _fresh_pg_url, backends, demo_hall, free_port, percentile, print_table
from bench.trace_latency import fill
from hall_server.client import HallClient
from hall_server.contract.queue import IssueTicketRequest
from hall_server.events.models import Event
from hall_server.sync.models import Delivery

APP, SECRET = "HALL-BENCH", "bench-secret"
LOAD_SECONDS, LOAD_RATE = 30, 50


def start_platform(database_url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [
            YIMEN,
            "platform",
            "serve",
            "--port",
            str(port),
            "--database-url",
            database_url,
            "--app",
            f"{APP}:{SECRET}",
            "--allow-mid-stream",
            "--log-level",
            "WARNING",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    import httpx

    for _ in range(100):
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("platform did not start")


def sync_env(env: dict[str, str], base: str) -> dict[str, str]:
    return {
        **env,
        "BENCH_SECRET": SECRET,
        "YIMEN_SYNC_TARGETS": json.dumps(
            [
                {
                    "name": "province",
                    "kind": "hall-sync-rest",
                    "url": base,
                    "app_id": APP,
                    "secret_env": "BENCH_SECRET",
                    "batch_size": 200,
                }
            ]
        ),
        "YIMEN_SYNC_IDLE_SECONDS": "0.05",
        "YIMEN_SYNC_CONCURRENCY": "2",
    }


def add_outbox(url: str) -> int:
    engine = create_engine(url)
    with engine.begin() as connection:
        rows = connection.execute(
            select(
                Event.event_id,
                Event.id,
                Event.event_type,
                Event.aggregate_type,
                Event.aggregate_id,
                Event.aggregate_seq,
                Event.occurred_at,
            ).where(Event.event_type.like("queue.%"))
        ).all()
        now = datetime.now(UTC)
        batch = []
        for event_id, pk, event_type, kind, key, seq, occurred in rows:
            batch.append(
                {
                    "event_id": event_id,
                    "target": "province",
                    "event_pk": pk,
                    "event_type": event_type,
                    "aggregate_key": f"{kind}:{key}",
                    "aggregate_seq": seq,
                    "occurred_at": occurred,
                    "status": "PENDING",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "last_error": "",
                }
            )
            if len(batch) == 10_000:
                connection.execute(insert(Delivery), batch)
                batch.clear()
        if batch:
            connection.execute(insert(Delivery), batch)
    engine.dispose()
    return len(rows)


def backlog(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.execute(
            select(func.count()).select_from(Delivery).where(Delivery.status.not_in(("DONE", "DUPLICATE")))
        ).scalar_one()
    engine.dispose()
    return int(count)


def breakdown(env: dict[str, str], rounds: int = 10) -> tuple[int, float, float]:
    """Single-threaded rounds in process: (events, seconds in the hall's claim+settle, seconds waiting
    for the receiver), to show where the time of a delivery goes."""
    os.environ.update(env)
    from hall_server.app import build_state
    from hall_server.core.config import Settings
    from hall_server.sync import service
    from hall_server.sync.targets import build_target

    state = build_state(Settings())
    target = build_target(state.uow.targets[0])
    config, events, hall_seconds, receiver_seconds = target.config, 0, 0.0, 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        envelopes = state.uow.run(lambda ctx: service.claim(ctx, config.name, "bench", config.batch_size, 60))
        sent = time.perf_counter()
        outcomes = target.send(envelopes)
        answered = time.perf_counter()
        state.uow.run(lambda ctx, o=outcomes: service.settle(ctx, config.name, "bench", o))
        hall_seconds += (sent - started) + (time.perf_counter() - answered)
        receiver_seconds += answered - sent
        events += len(envelopes)
    target.close()
    state.engine.dispose()
    return events, hall_seconds, receiver_seconds


def drain(env: dict[str, str], url: str, total: int) -> float:
    worker = subprocess.Popen([YIMEN, "sync"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = time.perf_counter()
    try:
        while backlog(url):
            time.sleep(0.5)
        return time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def steady_lag(env: dict[str, str], url: str, kiosk_token: str) -> list[float]:
    port = free_port()
    server = subprocess.Popen(
        [YIMEN, "server", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        started_at = datetime.now(UTC)
        with HallClient(base, kiosk_token) as kiosk:
            begin = time.perf_counter()
            for n in range(LOAD_SECONDS * LOAD_RATE):
                time.sleep(max(0.0, begin + n / LOAD_RATE - time.perf_counter()))
                kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL_AFFAIRS"))
        deadline = time.monotonic() + 60
        while backlog(url) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=30)
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            select(Delivery.occurred_at, Delivery.delivered_at).where(Delivery.occurred_at >= started_at)
        ).all()
    engine.dispose()
    return [(d.replace(tzinfo=UTC) - o.replace(tzinfo=UTC)).total_seconds() for o, d in rows if d]


def main() -> None:
    rows = []
    for backend in backends():
        platform_url = (
            f"sqlite:///{Path(os.environ.get('TMPDIR', '/tmp')) / 'yimen-bench-platform.db'}"
            if backend == "sqlite"
            else _fresh_pg_url("yimen_bench_platform")
        )
        if backend == "sqlite":
            Path(platform_url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        platform, base = start_platform(platform_url)
        try:
            with demo_hall(backend) as hall:
                fill(hall.database_url)
                total = add_outbox(hall.database_url)
                env = sync_env(hall.env, base)
                events, hall_s, receiver_s = breakdown(env)
                rows.append(
                    [
                        backend,
                        "one sender, per event",
                        f"{events} events",
                        f"hall {hall_s / events * 1000:.2f} ms",
                        f"receiver {receiver_s / events * 1000:.2f} ms",
                        "",
                    ]
                )
                seconds = drain(env, hall.database_url, total - events)
                total -= events
                rows.append(
                    [
                        backend,
                        f"drain {total:,} events",
                        f"{seconds:.1f} s",
                        f"{total / seconds:,.0f} events/s",
                        "",
                        "",
                    ]
                )
                lags = steady_lag(env, hall.database_url, hall.device_token())
                rows.append(
                    [
                        backend,
                        f"{LOAD_RATE} events/s for {LOAD_SECONDS} s",
                        f"{len(lags)} events",
                        "",
                        f"{percentile(lags, 50) * 1000:.0f} ms",
                        f"{percentile(lags, 99) * 1000:.0f} ms",
                    ]
                )
        finally:
            platform.terminate()
            platform.wait(timeout=30)
    print_table(
        "Delivery to the platform on loopback",
        ["backend", "run", "size", "throughput", "lag p50", "lag p99"],
        rows,
    )


if __name__ == "__main__":
    main()
