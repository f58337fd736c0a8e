"""A region on one server: HALLS halls × WINDOWS windows in one PostgreSQL database (tenancy), served by
`yimen server --workers N` for N = 1, 2 and 4, with SUBSCRIBERS WebSocket display clients spread over the
halls, against the targets of issue 18 (≥ 500 API requests/s with p99 ≤ 100 ms for the mixed load; call →
200 subscribers p99 ≤ 50 ms).

Per worker count, on a fresh copy of one loaded database (hall 1 is the demo hall, halls 2… are made by
hall_server/simulate/halls.py: codes 341122-ZWFW-01 … NN, clerks h2.clerk01 …, today's slots):

- fan-out: SUBSCRIBERS `display` clients of hall 1, a clerk calls next CALLS times on a quiet server;
  latency from just before the request until the last of them has the `queue.ticket.called` message
  (bench/call_fanout.py's `measure`; bench/multi_process.py measures one hall the same way).
- mixed: CLIENTS keep-alive connections (bench/single_process.py's `drive`) send requests for PHASE_SECONDS
  while SUBSCRIBERS display clients are connected, spread over the halls. Request n does operation
  `n % 10` in hall `n // 10 % HALLS` (so every tenth request is each operation, and consecutive decades
  walk the halls): 0-2 issue a ticket at the hall's kiosk (half with an identity), 3 the manager's
  `GET /load`, 4 a matter search at the kiosk, 5 call-next at window `n // (10·HALLS) % WINDOWS + 1` by
  its clerk and, if it called someone, complete (a second request, counted), 6 that window's queue,
  7 the categories, 8 the manager's window list, 9 the citizen's follow page of the hall's last ticket.
  requests/s counts every HTTP request; CPU ms is the server's CPU (all its processes, from /proc) over the
  phase per HTTP request, which does not depend on how much of the machine the clients take; "call → hall"
  is from just before a call-next until every display client of that hall has the call.

Clients and server share the machine's cores (2 on the development machine): the client's own Python
threads and 200 WebSocket readers take a large share of it, and more workers than cores add contention
rather than capacity. Take figures on an idle machine with more cores.

    python bench/regional.py            # 30 halls × 12 windows, 200 subscribers, workers 1, 2, 4
    python bench/regional.py --quick    # 4 halls × 4 windows, 24 subscribers, workers 1, 2: a check
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench.single_process as single_process
from bench._hall import PG_ADMIN, Hall, Server, demo_hall, percentile, print_table, summary_ms
from bench.call_fanout import WINDOW, measure
from bench.multi_process import workers_process
from bench.tickets_issued import request as issue_body
from hall_server.client import HallClient
from hall_server.contract.queue import IssueTicketRequest
from hall_server.simulate.engine import Displays
from hall_server.simulate.halls import login_prefix

API = "/api/v1"
CLIENTS = 16
OPERATIONS = ["issue"] * 3 + ["load", "matter search", "call-next", "window queue", "categories", "windows"]
OPERATIONS += ["follow page"]
SEARCHES = ["营业执照", "社保", "yyzz", "户口", "公积金", "不动产"]
TARGET_RPS, TARGET_MIXED_P99_MS, TARGET_FANOUT_P99_MS = 500, 100.0, 50.0


@dataclass(frozen=True)
class Size:
    halls: int
    windows: int
    subscribers: int
    workers: tuple[int, ...]
    phase_seconds: float


FULL = Size(halls=30, windows=12, subscribers=200, workers=(1, 2, 4), phase_seconds=20.0)
QUICK = Size(halls=4, windows=4, subscribers=24, workers=(1, 2), phase_seconds=4.0)


@dataclass
class Region:
    """Hall h (1-based): its kiosk and display tokens, its manager's and clerks' sign-in tokens."""

    kiosks: list[str]
    displays: list[str]
    managers: list[str]
    clerks: list[dict[int, str]]
    last_follow: list[str | None] = field(default_factory=list)


def load_region(hall: Hall, size: Size) -> None:
    """Halls 2…N (hall 1 is `yimen demo-data`'s) with their categories, windows, staff and devices; cheap
    password hashes so that signing in hundreds of clerks takes seconds (the hash carries its cost)."""
    from hall_server.app import build_state
    from hall_server.core.config import Settings
    from hall_server.simulate.halls import load_hall

    settings = Settings(
        _env_file=None,
        database_url=hall.database_url,
        key_file=Path(hall.env["YIMEN_KEY_FILE"]),
        password_time_cost=1,
        password_memory_kib=1024,
        log_level="WARNING",
    )
    state = build_state(settings)
    try:
        extra: dict[str, Any] = {}
        for index in range(1, size.halls + 1):
            if index == 1:
                if size.windows != 12:
                    state.uow.run(lambda ctx: _resize_demo(ctx, size.windows))
                continue
            accounts = state.uow.run(
                lambda ctx, index=index: load_hall(ctx, index, size.windows, slot_days=1)  # today's slots
            )
            extra[str(index)] = accounts["devices"]
        hall.accounts["region"] = extra
    finally:
        state.engine.dispose()


def _resize_demo(ctx: Any, windows: int) -> None:
    """Hall 1 with fewer windows: each takes over the categories of the closed ones (as halls.py does)."""
    from hall_server.demo.load import WINDOWS
    from hall_server.queueing.windows import set_categories

    for number in range(1, windows + 1):
        codes = sorted({c for n, _, cs in WINDOWS if (n - 1) % windows == number - 1 for c in cs})
        set_categories(ctx, number, codes)


def sign_in(base: str, hall: Hall, size: Size) -> Region:
    """Every hall's manager and clerks signed in, every window open."""
    password = hall.accounts["staff"][0]["password"]
    devices = [hall.accounts["devices"], *(hall.accounts["region"][str(h)] for h in range(2, size.halls + 1))]

    def login(name: str) -> str:
        with HallClient.login(base, name, password) as client:
            assert client.token is not None
            return client.token

    def open_window(hall_index: int, number: int) -> tuple[int, int, str]:
        token = login(f"{login_prefix(hall_index)}clerk{number:02d}")
        with HallClient(base, token) as clerk:
            if hall_index != 1 or number != WINDOW:  # hall 1's fan-out window is already open
                clerk.window_op(number, "open")
        return hall_index, number, token

    with ThreadPoolExecutor(8) as pool:
        managers = list(pool.map(lambda h: login(f"{login_prefix(h)}manager"), range(1, size.halls + 1)))
        opened = list(
            pool.map(
                lambda hw: open_window(*hw),
                [(h, w) for h in range(1, size.halls + 1) for w in range(1, size.windows + 1)],
            )
        )
    clerks: list[dict[int, str]] = [{} for _ in range(size.halls)]
    for hall_index, number, token in opened:
        clerks[hall_index - 1][number] = token
    return Region(
        kiosks=[d["kiosk-1"] for d in devices],
        displays=[d["display-1"] for d in devices],
        managers=managers,
        clerks=clerks,
        last_follow=[None] * size.halls,
    )


def fanout_phase(base: str, hall: Hall, size: Size) -> tuple[list[float], list[float]]:
    """bench/call_fanout.py's measurement on hall 1 of the region: `size.subscribers` display clients."""
    from bench.call_fanout import CALLS

    password = hall.accounts["staff"][0]["password"]
    with HallClient(base, hall.device_token()) as kiosk:
        for _ in range(CALLS + 2):
            kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL_AFFAIRS"))
    with HallClient.login(base, f"clerk{WINDOW:02d}", password) as clerk:
        clerk.window_op(WINDOW, "open")
        return asyncio.run(measure(base, hall.device_token("display-1"), clerk, size.subscribers))


@dataclass
class Mixed:
    rps: float
    cpu_ms: float  # the server's CPU (every worker's) per HTTP request
    failures: int
    latencies: dict[str, list[float]]
    call_to_hall: list[float]
    missed: int
    errors: list[str]
    reconnects: int


def mixed_phase(server: Server, region: Region, size: Size) -> Mixed:
    base = server.base
    halls, windows = size.halls, size.windows
    spread = [size.subscribers // halls + (h < size.subscribers % halls) for h in range(halls)]
    screens = [
        Displays(base.replace("http", "ws") + "/ws", region.displays[h], spread[h]) for h in range(halls)
    ]
    for screen in screens:
        screen.start()
    latencies: dict[str, list[float]] = defaultdict(list)
    calls: list[tuple[int, str, float]] = []  # hall index, ticket number, sent at
    lock = threading.Lock()
    requests = [0]
    reconnects = [0]

    def send(http: httpx.Client, op: str, method: str, path: str, token: str, body: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if method == "POST":
            headers |= {"Idempotency-Key": str(uuid.uuid4()), "Content-Type": "application/json"}
        began = time.perf_counter()
        try:
            response = http.request(method, API + path, headers=headers, content=body)
        except (httpx.ReadError, httpx.RemoteProtocolError):
            # a keep-alive connection the server closed (uvicorn: idle 5 s, e.g. while the clients wait
            # for each other at drive()'s start): sent again on a new connection, as the kiosk's client
            # does; a POST with the same Idempotency-Key, so it cannot act twice
            with lock:
                reconnects[0] += 1
            response = http.request(method, API + path, headers=headers, content=body)
        took = time.perf_counter() - began
        if response.status_code >= 400:
            raise RuntimeError(f"{response.status_code} {response.text[:200]}")
        with lock:
            latencies[op].append(took)
            requests[0] += 1
        return response.json() if response.content else None

    errors: list[str] = []

    def call(http: httpx.Client, n: int) -> None:
        """Errors are kept, not raised: drive() would lose a client whose warm-up request raised."""
        try:
            operation(http, n)
        except Exception as exc:
            with lock:
                errors.append(f"{OPERATIONS[n % 10]}: {type(exc).__name__}: {str(exc)[:160]}")

    def operation(http: httpx.Client, n: int) -> None:
        op, h = n % 10, n // 10 % halls
        window = n // (10 * halls) % windows + 1
        kiosk, manager, clerk = region.kiosks[h], region.managers[h], region.clerks[h][window]
        if op <= 2:
            ticket = send(http, "issue", "POST", "/tickets", kiosk, issue_body(n).model_dump_json())
            region.last_follow[h] = ticket["follow_code"]
        elif op == 3:
            send(http, "load", "GET", "/load", manager)
        elif op == 4:
            send(http, "matter search", "GET", f"/matters?q={SEARCHES[n // 10 % len(SEARCHES)]}", kiosk)
        elif op == 5:
            sent = time.perf_counter()
            result = send(http, "call-next", "POST", f"/windows/{window}/call-next", clerk)
            if result["ticket"] is not None:
                with lock:
                    calls.append((h, result["ticket"]["number"], sent))
                send(http, "complete", "POST", f"/windows/{window}/complete", clerk)
        elif op == 6:
            send(http, "window queue", "GET", f"/windows/{window}/queue", clerk)
        elif op == 7:
            send(http, "categories", "GET", "/categories", kiosk)
        elif op == 8:
            send(http, "windows", "GET", "/windows", manager)
        else:
            follow = region.last_follow[h]
            path = f"/public/tickets/{follow}" if follow else "/hall"
            send(http, "follow page", "GET", path, "" if follow else kiosk)

    single_process.PHASE_SECONDS = size.phase_seconds  # drive() reads it when it starts
    phase = single_process.drive(server, CLIENTS, call)
    for message in sorted(set(errors))[:8]:
        print(f"  failed {errors.count(message)}×: {message}", file=sys.stderr)
    time.sleep(1.0)  # the last calls reach their screens
    for screen in screens:
        screen.stop()
    call_to_hall: list[float] = []
    missed = 0
    for h, number, sent in calls:
        if not screens[h].received:  # fewer subscribers than halls: this one has none
            continue
        got = [min((t for t in s.get(number, []) if t >= sent), default=None) for s in screens[h].received]
        if any(t is None for t in got):
            missed += 1
            continue
        call_to_hall.append(max(t for t in got if t is not None) - sent)
    return Mixed(
        requests[0] / phase.seconds,
        phase.cpu_seconds * 1000 / max(1, requests[0]),
        len(errors),
        dict(latencies),
        call_to_hall,
        missed,
        errors,
        reconnects[0],
    )


def copy_of(seed: Hall, name: str) -> Hall:
    """A fresh copy of the loaded region (PostgreSQL `CREATE DATABASE … TEMPLATE`: seconds, not minutes),
    with the seed's keys and accounts: every worker count starts from the same database."""
    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        template = make_url(seed.database_url).database
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    engine.dispose()
    url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    return Hall(seed.backend, {**seed.env, "YIMEN_DATABASE_URL": url}, seed.accounts)


def run(size: Size) -> None:
    rows, ops = [], []
    with demo_hall("postgresql", database="yimen_bench_regional_seed") as seed:
        started = time.perf_counter()
        load_region(seed, size)
        print(f"{size.halls} halls loaded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        for workers in size.workers:
            hall = copy_of(seed, "yimen_bench_regional")
            with workers_process(hall, workers) as running:
                base = running.base
                print(f"{workers} worker(s): fan-out", file=sys.stderr, flush=True)
                each, everyone = fanout_phase(base, hall, size)
                print(f"{workers} worker(s): signing in, opening windows", file=sys.stderr, flush=True)
                region = sign_in(base, hall, size)
                print(f"{workers} worker(s): mixed load", file=sys.stderr, flush=True)
                mixed = mixed_phase(running, region, size)
            issue, call = mixed.latencies.get("issue", []), mixed.latencies.get("call-next", [])
            every = [t for samples in mixed.latencies.values() for t in samples]
            rows.append(
                [
                    workers,
                    f"{mixed.rps:.0f}",
                    f"{mixed.cpu_ms:.1f}",
                    f"{percentile(every, 99) * 1000:.1f}",
                    mixed.failures,
                    *summary_ms(issue)[:2],
                    *summary_ms(call)[:2],
                    *summary_ms(mixed.call_to_hall)[:2],
                    mixed.missed,
                    *summary_ms(everyone)[:2],
                    f"{percentile(each, 99) * 1000:.1f}",
                ]
            )
            ops.append((workers, mixed.latencies, mixed.errors, mixed.reconnects))
            print(*rows[-1], file=sys.stderr, flush=True)  # as it goes: a run takes minutes
    per_hall = f"{size.subscribers // size.halls}-{-(-size.subscribers // size.halls)}"
    print_table(
        f"PostgreSQL, one server with {size.halls} halls × {size.windows} windows, yimen server --workers N; "
        f"mixed load ({CLIENTS} connections, {size.phase_seconds:.0f} s, {size.subscribers} display clients "
        f"spread over the halls, {per_hall} per hall) and call-next → {size.subscribers} subscribers of one "
        "hall (ms)",
        [
            "workers",
            "req/s",
            "CPU ms",
            "all p99",
            "failed",
            "issue p50",
            "issue p99",
            "call p50",
            "call p99",
            "→hall p50",
            "→hall p99",
            "missed",
            f"→{size.subscribers} p50",
            f"→{size.subscribers} p99",
            "each p99",
        ],
        rows,
    )
    print(
        f"targets: mixed ≥ {TARGET_RPS} req/s with p99 ≤ {TARGET_MIXED_P99_MS:.0f} ms; call → 200 "
        f"subscribers p99 ≤ {TARGET_FANOUT_P99_MS:.0f} ms"
    )
    for workers, latencies, errors, reconnects in ops:
        print_table(
            f"per operation, {workers} worker(s) (ms)",
            ["operation", "count", "p50", "p99"],
            [[op, len(v), *summary_ms(v)[:2]] for op, v in sorted(latencies.items())],
        )
        for message in sorted(set(errors)):
            print(f"  failed {errors.count(message)}×: {message}")
        print(f"  sent again on a new connection (keep-alive closed by the server): {reconnects}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="4 halls × 4 windows, workers 1 and 2, 4 s")
    parser.add_argument("--workers", help="worker counts, e.g. 1,2,4")
    args = parser.parse_args()
    size = QUICK if args.quick else FULL
    if args.workers:
        size = Size(**{**size.__dict__, "workers": tuple(int(n) for n in args.workers.split(","))})
    run(size)


if __name__ == "__main__":
    main()
