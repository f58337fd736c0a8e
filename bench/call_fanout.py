"""Call-next → received by all N WebSocket clients (N = 1, 50, 200): p50/p99 latency.

A real `yimen server` process (SQLite, demo hall); N display clients subscribed to the `display` topic
in this process; a clerk calls through the REST API. Latency is from just before the call-next request
until each client has read the `queue.ticket.called` message; "all" is until the last of the N has it.
Client and server share the machine's 2 cores, so larger N includes the clients' own receive cost.

    python bench/call_fanout.py [sqlite] [postgresql]
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._hall import backends, demo_hall, print_table, server_process, summary_ms
from hall_server.client import HallClient
from hall_server.contract.queue import IssueTicketRequest

CALLS = 30
WINDOW = 4  # a 社会事务 window of the demo hall


async def subscriber(url: str, token: str, ready: asyncio.Event, arrivals: asyncio.Queue[float]) -> None:
    """A `display` client; a connection refused or slow to open while workers are busy is tried again."""
    for attempt in range(5):
        try:
            async with websockets.connect(
                url, additional_headers={"Authorization": f"Bearer {token}"}, open_timeout=60, max_size=2**24
            ) as ws:
                await ws.send(json.dumps({"type": "subscribe", "topics": ["display"]}))
                while json.loads(await ws.recv())["type"] != "snapshot":
                    pass
                ready.set()
                async for raw in ws:
                    if '"queue.ticket.called"' in raw:
                        arrivals.put_nowait(time.perf_counter())
                return
        except (OSError, TimeoutError, websockets.WebSocketException):
            if ready.is_set() or attempt == 4:
                raise
            await asyncio.sleep(0.5)


async def measure(
    base: str, display_token: str, clerk: HallClient, clients: int
) -> tuple[list[float], list[float]]:
    """Each subscriber's call → message latency and the call → every subscriber latency, over CALLS calls."""
    ws_url = base.replace("http", "ws") + "/ws"
    arrivals: asyncio.Queue[float] = asyncio.Queue()
    readies = [asyncio.Event() for _ in range(clients)]
    tasks = [asyncio.create_task(subscriber(ws_url, display_token, r, arrivals)) for r in readies]
    ready = asyncio.gather(*(r.wait() for r in readies))
    done, _ = await asyncio.wait([ready, *tasks], timeout=300, return_when=asyncio.FIRST_COMPLETED)
    if ready not in done:
        failed = [t.exception() for t in tasks if t.done()]
        raise RuntimeError(f"subscribers not ready: {failed[:3]}")
    each, everyone = [], []
    for _ in range(CALLS):
        started = time.perf_counter()
        await asyncio.to_thread(clerk.call_next, WINDOW)
        times = [await asyncio.wait_for(arrivals.get(), 60) for _ in range(clients)]
        each.extend(t - started for t in times)
        everyone.append(max(times) - started)
        await asyncio.to_thread(clerk.window_op, WINDOW, "complete")
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return each, everyone


def main() -> None:
    rows = []
    for backend in backends():
        with demo_hall(backend) as hall, server_process(hall) as base:
            password = hall.accounts["staff"][0]["password"]
            with HallClient(base, hall.device_token()) as kiosk:
                for _ in range(CALLS * 3):
                    kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL_AFFAIRS"))
            with HallClient.login(base, "clerk04", password) as clerk:
                clerk.window_op(WINDOW, "open")
                for clients in (1, 50, 200):
                    each, everyone = asyncio.run(
                        measure(base, hall.device_token("display-1"), clerk, clients)
                    )
                    rows.append([backend, clients, CALLS, *summary_ms(each)[:2], *summary_ms(everyone)[:2]])
    print_table(
        "call-next → received by every WebSocket client (ms)",
        ["backend", "clients", "calls", "each p50", "each p99", "all p50", "all p99"],
        rows,
    )


if __name__ == "__main__":
    main()
