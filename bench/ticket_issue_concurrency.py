"""Ticket issue latency under concurrent kiosks, on SQLite and PostgreSQL.

A real `yimen server` process and 8, then 32, kiosk clients (the typed client, its 10 s timeout) issuing
tickets over HTTP at once. Per request: p50, p99 and max latency; failures are requests the client gave up
on or the server refused (a kiosk would report them to the visitor, even if the ticket later commits).
Half the tickets carry a citizen identity, as in bench/tickets_issued.py.

    python bench/ticket_issue_concurrency.py [sqlite] [postgresql]
"""

from __future__ import annotations

import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._hall import backends, demo_hall, percentile, print_table, server_process
from bench.tickets_issued import request
from hall_server.client import HallClient

# (kiosks, tickets each): about 500 tickets per run, enough for a meaningful p99.
RUNS = [(8, 60), (32, 16)]


def run_kiosks(base: str, token: str, kiosks: int, each: int, first: int) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    start = threading.Barrier(kiosks)

    def kiosk(offset: int) -> None:
        nonlocal failures
        with HallClient(base, token) as client:
            client.categories()  # connect and warm up before the clock starts
            start.wait()
            for n in range(each):
                began = time.perf_counter()
                try:
                    client.issue_ticket(request(first + offset * each + n))
                except Exception:
                    with lock:
                        failures += 1
                    continue
                with lock:
                    latencies.append(time.perf_counter() - began)

    started = time.perf_counter()
    with ThreadPoolExecutor(kiosks) as pool:
        list(pool.map(kiosk, range(kiosks)))
    return latencies, failures, time.perf_counter() - started


def main() -> None:
    rows = []
    for backend in backends():
        with demo_hall(backend) as hall, server_process(hall) as base:
            first = 0
            for kiosks, each in RUNS:
                latencies, failures, elapsed = run_kiosks(base, hall.device_token(), kiosks, each, first)
                first += kiosks * each
                rows.append(
                    [
                        backend,
                        kiosks,
                        len(latencies),
                        failures,
                        f"{percentile(latencies, 50) * 1000:.0f}",
                        f"{percentile(latencies, 99) * 1000:.0f}",
                        f"{max(latencies, default=float('nan')) * 1000:.0f}",
                        f"{len(latencies) / elapsed:.0f}",
                    ]
                )
    print_table(
        "Ticket issue under concurrent kiosks (latency in ms)",
        ["backend", "kiosks", "issued", "failed", "p50", "p99", "max", "tickets/s"],
        rows,
    )


if __name__ == "__main__":
    main()
