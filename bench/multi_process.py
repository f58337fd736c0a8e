"""Several server processes on one PostgreSQL database: `yimen server --workers N` for N = 1, 2 and 4.

The live feed spans the processes by LISTEN/NOTIFY (hall_server/live/listener.py): every process reads every
committed event from the event table and publishes it to its own WebSocket clients, so each figure below
includes that path, for N = 1 as well.

- issue: `POST /api/v1/tickets` from CLIENTS kiosk connections for PHASE_SECONDS (each its own keep-alive
  connection, so the kernel spreads them over the workers), half with an identity (bench/tickets_issued.py);
  requests/s over the phase, p50/p99 per request.
- call → all: SUBSCRIBERS `display` clients in this process (spread over the workers the same way), a clerk
  calls next CALLS times; latency from just before the request until the last of them has the
  `queue.ticket.called` message (bench/call_fanout.py measures one process the same way).
Clients and server share the machine's cores: with 200 subscribers the clients' own receive cost is in the
figure, and on a 2-core machine more workers than cores add contention rather than capacity.

    python bench/multi_process.py
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._hall import YIMEN, Hall, Server, demo_hall, free_port, print_table, summary_ms
from bench.call_fanout import CALLS, WINDOW, measure
from bench.single_process import Phase, drive
from bench.tickets_issued import request
from hall_server.client import HallClient
from hall_server.contract.queue import IssueTicketRequest

WORKERS = tuple(int(n) for n in os.environ.get("YIMEN_BENCH_WORKERS", "1,2,4").split(","))
CLIENTS = 16
SUBSCRIBERS = int(os.environ.get("YIMEN_BENCH_SUBSCRIBERS", "200"))
STARTUP_SECONDS = 180.0
SETTLE_SECONDS = 5.0


@contextmanager
def workers_process(hall: Hall, workers: int) -> Iterator[Server]:
    """`yimen server --workers N` in a process group of its own; its log to a file (workers inherit it, so a
    pipe would never see its end); up to STARTUP_SECONDS for every worker to start on a busy machine."""
    port = free_port()
    with tempfile.NamedTemporaryFile(prefix="yimen-multi-", suffix=".log", delete=False) as log:
        print(f"server log: {log.name}", file=sys.stderr, flush=True)
        process = subprocess.Popen(
            [YIMEN, "server", "--port", str(port), "--workers", str(workers)],
            env=hall.env,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while not _healthy(base):
                if time.monotonic() > deadline or process.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"server did not start: {log.read().decode()[-2000:]}")
                time.sleep(0.2)
            time.sleep(SETTLE_SECONDS)  # the first worker answers; give the others time to be up too
            yield Server(base, process.pid)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def issue_phase(server: Server, hall: Hall) -> Phase:
    kiosk = {"Authorization": f"Bearer {hall.device_token()}", "Content-Type": "application/json"}

    def issue(http: httpx.Client, n: int) -> None:
        body = request(n).model_dump_json()
        response = http.post(
            "/api/v1/tickets", content=body, headers={**kiosk, "Idempotency-Key": str(uuid.uuid4())}
        )
        if response.status_code >= 400:
            raise RuntimeError(f"{response.status_code} {response.text[:200]}")

    return drive(server, CLIENTS, issue)


def call_phase(base: str, hall: Hall) -> tuple[list[float], list[float]]:
    password = hall.accounts["staff"][0]["password"]
    with HallClient(base, hall.device_token()) as kiosk:
        for _ in range(CALLS + 2):
            kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL_AFFAIRS"))
    with HallClient.login(base, "clerk04", password) as clerk:
        clerk.window_op(WINDOW, "open")
        return asyncio.run(measure(base, hall.device_token("display-1"), clerk, SUBSCRIBERS))


def main() -> None:
    rows = []
    for workers in WORKERS:
        with (
            demo_hall("postgresql", database="yimen_bench_multi") as hall,
            workers_process(hall, workers) as running,
        ):
            issued = issue_phase(running, hall)
            each, everyone = call_phase(running.base, hall)
        rows.append([workers, *issued.cells(), *summary_ms(each)[:2], *summary_ms(everyone)[:2]])
        print(*rows[-1], file=sys.stderr, flush=True)  # as it goes: a run takes minutes
    print_table(
        f"PostgreSQL, yimen server --workers N: ticket issue ({CLIENTS} kiosks) and call-next → "
        f"{SUBSCRIBERS} WebSocket subscribers (ms)",
        ["workers", "issue/s", "p50", "p99", "failed", "each p50", "each p99", "all p50", "all p99"],
        rows,
    )


if __name__ == "__main__":
    main()
