"""One server process against the framework's ceiling: Yimen and a bare FastAPI app, same uvicorn settings,
same database, same HTTP client, on SQLite and PostgreSQL, with 8 and 32 concurrent clients.

- issue: Yimen `POST /api/v1/tickets` (a kiosk, its Idempotency-Key, half the tickets with an identity, as in
  bench/tickets_issued.py); bare: `POST /rows` inserting one row and answering it.
- reads: Yimen in turn `GET /api/v1/load` (the manager), `GET /api/v1/matters?q=…` and
  `GET /api/v1/tickets/{id}` (a kiosk); bare: `GET /rows/{id}` selecting one row.
The hall holds PREFILL tickets today before the first request, STILL_WAITING of them waiting and the rest
served (a busy regional hall's afternoon), so the load read costs what it costs in the field. Each phase
runs PHASE_SECONDS after one warm-up request per client; latency is per request, requests per second over
the phase; CPU ms is the server process's user and system CPU over the phase per answered request (from
/proc), which moves much less than the rate when other work shares the machine. The ratio is Yimen / bare
requests per second, the CPU ratio bare / Yimen CPU per request (1.0: as cheap as the bare app). Logging at
INFO, as a hall runs (YIMEN_BENCH_LOG_LEVEL to change).

    python bench/single_process.py [sqlite] [postgresql]
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._hall import (
    Hall,
    Server,
    backends,
    demo_hall,
    free_port,
    percentile,
    print_table,
    server,
    wait_until_up,
)
from bench.tickets_issued import request

CLIENTS = (8, 32)
PHASE_SECONDS = float(os.environ.get("YIMEN_BENCH_PHASE_SECONDS", "8"))
PREFILL = 4300
PREFILL_BATCH = 500
STILL_WAITING = 300
MATTER_QUERIES = ("营业", "社保", "gs", "公积金", "")

# A client: one request, given the request's running number; raises for a failed request.
Call = Callable[[httpx.Client, int], None]


@dataclass
class Phase:
    requests: int
    failures: int
    seconds: float
    latencies: list[float]
    cpu_seconds: float  # the server process's, over the phase

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_ms(self) -> float:
        """Server CPU per answered request: steadier than the rate on a machine with noisy neighbours."""
        return self.cpu_seconds * 1000 / max(1, self.requests)

    def cells(self) -> list[str]:
        return [
            f"{self.rate:.0f}",
            f"{percentile(self.latencies, 50) * 1000:.1f}",
            f"{percentile(self.latencies, 99) * 1000:.1f}",
            f"{self.cpu_ms:.2f}",
            str(self.failures),
        ]


def drive(server: Server, clients: int, call: Call) -> Phase:
    """`clients` threads, each with its own keep-alive connection, calling as fast as answers come; the
    server's CPU is read when the clock starts (all clients warmed up) and when the last client ends."""
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    start = threading.Barrier(clients)
    counter = itertools.count()
    stop_at = [0.0]
    cpu_at_start = [0.0]

    def client(_: int) -> None:
        nonlocal failures
        with httpx.Client(base_url=server.base, timeout=10.0) as http:
            call(http, next(counter))  # connect and warm up before the clock starts
            if start.wait() == 0:
                stop_at[0] = time.perf_counter() + PHASE_SECONDS
                cpu_at_start[0] = server.cpu_seconds()
            start.wait()
            while time.perf_counter() < stop_at[0]:
                began = time.perf_counter()
                try:
                    call(http, next(counter))
                except Exception:
                    with lock:
                        failures += 1
                    continue
                with lock:
                    latencies.append(time.perf_counter() - began)

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    cpu = server.cpu_seconds() - cpu_at_start[0]
    return Phase(len(latencies), failures, time.perf_counter() - started, latencies, cpu)


def _ok(response: httpx.Response) -> None:
    if response.status_code >= 400:
        raise RuntimeError(f"{response.status_code} {response.text[:200]}")


# --- Yimen -------------------------------------------------------------------------------------------


def prefill(hall: Hall) -> None:
    """PREFILL tickets today, issued through the service in this process (a batch per transaction); all but
    the last STILL_WAITING are then marked served, as in an afternoon (their times and the wait and service
    seconds a call and a completion keep, set directly)."""
    os.environ.update(hall.env)
    from sqlalchemy import select

    from hall_server.app import build_state
    from hall_server.contract.queue import Channel
    from hall_server.core.config import Settings
    from hall_server.queueing.models import Ticket
    from hall_server.queueing.tickets import issue_ticket

    def issue(ctx: Any, numbers: range) -> None:
        for n in numbers:
            issue_ticket(ctx, request(n), Channel.KIOSK)

    def serve_all_but_the_last(ctx: Any) -> None:
        tickets = ctx.session.scalars(select(Ticket).order_by(Ticket.id)).all()
        for n, ticket in enumerate(tickets[:-STILL_WAITING]):
            ticket.status = "DONE"
            ticket.first_called_at = ticket.issued_at + timedelta(seconds=300 + n % 600)
            ticket.service_started_at = ticket.first_called_at + timedelta(seconds=20)
            ticket.completed_at = ticket.service_started_at + timedelta(seconds=240 + n % 300)
            ticket.wait_seconds = (ticket.first_called_at - ticket.issued_at).total_seconds()
            ticket.service_seconds = (ticket.completed_at - ticket.service_started_at).total_seconds()

    state = build_state(Settings())
    for first in range(0, PREFILL, PREFILL_BATCH):
        state.uow.run(lambda ctx, first=first: issue(ctx, range(first, min(PREFILL, first + PREFILL_BATCH))))
    state.uow.run(serve_all_but_the_last)
    state.engine.dispose()
    if state.read_engine is not None:
        state.read_engine.dispose()


def yimen_calls(base: str, hall: Hall) -> tuple[Call, Call]:
    kiosk = {"Authorization": f"Bearer {hall.device_token()}"}
    manager_password = next(s["password"] for s in hall.accounts["staff"] if s["login"] == "manager")
    signed_in = httpx.post(
        f"{base}/api/v1/auth/login", json={"login": "manager", "password": manager_password}
    )
    _ok(signed_in)
    manager = {"Authorization": f"Bearer {signed_in.json()['token']}"}
    ticket_numbers = itertools.count(PREFILL)

    def issue(http: httpx.Client, _: int) -> None:
        body = request(next(ticket_numbers)).model_dump_json()
        headers = {**kiosk, "Idempotency-Key": str(uuid.uuid4()), "Content-Type": "application/json"}
        _ok(http.post("/api/v1/tickets", content=body, headers=headers))

    def read(http: httpx.Client, n: int) -> None:
        if n % 3 == 0:
            _ok(http.get("/api/v1/load", headers=manager))
        elif n % 3 == 1:
            _ok(
                http.get(
                    "/api/v1/matters", params={"q": MATTER_QUERIES[n % len(MATTER_QUERIES)]}, headers=kiosk
                )
            )
        else:
            _ok(http.get(f"/api/v1/tickets/{n % PREFILL + 1}", headers=kiosk))

    return issue, read


# --- bare FastAPI ------------------------------------------------------------------------------------


def bare_app() -> Any:
    """One table, one insert endpoint, one select endpoint: the framework and the database, nothing else."""
    from fastapi import FastAPI
    from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select

    from hall_server.core.config import get_settings
    from hall_server.core.db import make_engine

    url = get_settings().database_url
    engine, reader = make_engine(url), make_engine(url, reader=True)
    rows = Table(
        "bench_row",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("name", String(40), nullable=False),
    )
    rows.create(engine, checkfirst=True)
    app = FastAPI()

    @app.post("/rows", status_code=201)
    def add_row(body: dict[str, Any]) -> dict[str, Any]:
        with engine.begin() as connection:
            row_id = connection.execute(
                insert(rows).values(name=str(body.get("name", ""))[:40])
            ).inserted_primary_key
        return {"id": row_id[0] if row_id else None, "name": body.get("name")}

    @app.get("/rows/{row_id}")
    def get_row(row_id: int) -> dict[str, Any]:
        with reader.connect() as connection:
            row = connection.execute(select(rows).where(rows.c.id == row_id)).first()
        return {"id": row.id, "name": row.name} if row else {"id": None}

    return app


def serve_bare(port: int) -> None:
    """`yimen server`'s uvicorn settings and logging (hall_server.commands.run_server), the bare app."""
    import uvicorn

    from hall_server import logs
    from hall_server.core.config import get_settings

    settings = get_settings()
    logs.configure(settings.log_level, settings.log_json)
    uvicorn.run(
        bare_app(), host="127.0.0.1", port=port, log_config=None, ws_ping_interval=20, proxy_headers=False
    )


@contextmanager
def bare_process(hall: Hall) -> Iterator[Server]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve-bare", str(port)], env=hall.env, stdout=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(process, lambda: httpx.get(f"{base}/rows/1").status_code == 200, "bare server")
        yield Server(base, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)


def bare_calls() -> tuple[Call, Call]:
    def issue(http: httpx.Client, n: int) -> None:
        _ok(http.post("/rows", json={"name": f"row {n}"}))

    def read(http: httpx.Client, n: int) -> None:
        _ok(http.get(f"/rows/{n % 500 + 1}"))

    return issue, read


# --- the table ---------------------------------------------------------------------------------------


def measure(server: Server, calls: tuple[Call, Call]) -> dict[tuple[str, int], Phase]:
    issue, read = calls
    results = {}
    for clients in CLIENTS:
        results[("issue", clients)] = drive(server, clients, issue)
        results[("reads", clients)] = drive(server, clients, read)
    return results


def main() -> None:
    rows = []
    for backend in backends():
        with demo_hall(backend, database="yimen_bench_single") as hall:
            hall.env["YIMEN_LOG_LEVEL"] = os.environ.get("YIMEN_BENCH_LOG_LEVEL", "INFO")  # as a hall runs
            prefill(hall)
            with server(hall) as running:
                yimen = measure(running, yimen_calls(running.base, hall))
            with bare_process(hall) as running:
                bare = measure(running, bare_calls())
        for (work, clients), phase in yimen.items():
            ceiling = bare[(work, clients)]
            rows.append(
                [
                    backend,
                    work,
                    clients,
                    *phase.cells(),
                    *ceiling.cells()[:4],
                    f"{phase.rate / ceiling.rate:.2f}",
                    f"{ceiling.cpu_ms / phase.cpu_ms:.2f}",
                ]
            )
    print_table(
        f"One process: Yimen / bare FastAPI ({PREFILL} tickets today, {PHASE_SECONDS:.0f} s a phase)",
        [
            "backend",
            "work",
            "clients",
            "req/s",
            "p50 ms",
            "p99 ms",
            "CPU ms",
            "failed",
            "bare req/s",
            "p50",
            "p99",
            "CPU ms",
            "ratio",
            "CPU ratio",
        ],
        rows,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve-bare", type=int, metavar="PORT")
    args, rest = parser.parse_known_args()
    if args.serve_bare:
        serve_bare(args.serve_bare)
    else:
        sys.argv[1:] = rest
        main()
