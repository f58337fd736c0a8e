"""Tickets issued per second, on SQLite and PostgreSQL.

- service: one thread calling the service function in process (numbering, identity encryption, estimate,
  event), the cost of the rules and the database alone;
- http: a real `yimen server` process and 8 concurrent kiosk clients over HTTP.
Half the tickets carry a citizen identity (validated, encrypted, hashed), as when the card is read.

    python bench/tickets_issued.py [sqlite] [postgresql]
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._hall import backends, demo_hall, print_table, server_process
from hall_server.client import HallClient
from hall_server.contract.identity import IdentityIn, IdKind
from hall_server.contract.idnumbers import mod11_2_check
from hall_server.contract.queue import Channel, IssueTicketRequest

CATEGORIES = ["ENTERPRISE", "SOCIAL_AFFAIRS", "INVESTMENT", "CONSULTATION"]
SERVICE_TICKETS = 600
HTTP_CLIENTS = 8
HTTP_TICKETS_EACH = 100


def request(n: int) -> IssueTicketRequest:
    identity = None
    if n % 2:
        first17 = f"3401021980{(n % 12) + 1:02d}{(n % 28) + 1:02d}{n % 1000:03d}"
        identity = IdentityIn(kind=IdKind.RESIDENT, number=first17 + mod11_2_check(first17), name="测试人")
    return IssueTicketRequest(category_code=CATEGORIES[n % len(CATEGORIES)], identity=identity)


def bench_service(env: dict[str, str]) -> tuple[int, float]:
    os.environ.update(env)
    from hall_server.app import build_state
    from hall_server.core.config import Settings
    from hall_server.queueing.tickets import issue_ticket

    state = build_state(Settings())
    started = time.perf_counter()
    for n in range(SERVICE_TICKETS):
        state.uow.run(lambda ctx, n=n: issue_ticket(ctx, request(n), Channel.KIOSK))
    elapsed = time.perf_counter() - started
    state.engine.dispose()
    return SERVICE_TICKETS, elapsed


def bench_http(base: str, token: str) -> tuple[int, float]:
    def client_run(offset: int) -> int:
        with HallClient(base, token) as kiosk:
            for n in range(HTTP_TICKETS_EACH):
                kiosk.issue_ticket(request(offset * HTTP_TICKETS_EACH + n))
        return HTTP_TICKETS_EACH

    started = time.perf_counter()
    with ThreadPoolExecutor(HTTP_CLIENTS) as pool:
        total = sum(pool.map(client_run, range(HTTP_CLIENTS)))
    return total, time.perf_counter() - started


def main() -> None:
    rows = []
    for backend in backends():
        with demo_hall(backend) as hall:
            count, elapsed = bench_service(hall.env)
            rows.append([backend, "service, 1 thread", count, f"{elapsed:.2f}", f"{count / elapsed:.0f}"])
            with server_process(hall) as base:
                count, elapsed = bench_http(base, hall.device_token())
            rows.append(
                [backend, f"http, {HTTP_CLIENTS} clients", count, f"{elapsed:.2f}", f"{count / elapsed:.0f}"]
            )
    print_table("Tickets issued per second", ["backend", "mode", "tickets", "seconds", "tickets/s"], rows)


if __name__ == "__main__":
    main()
