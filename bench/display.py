"""Call made (REST API) → the number visible on the hall display page, measured in the browser: p50/p99
over CALLS calls, with 1 and with 20 pages open on the same display service.

A real `yimen server` process (demo hall), a real `yimen display` process (voice rendered, played on the
ALSA null device), and pages in Debian's Chromium (headless, Playwright). Each page records Date.now()
when its DOM first shows a ticket number (window.yimenDisplay.shown); the latency is that minus the
machine clock just before the call-next request (same machine, same clock). The clerk completes the
previous ticket before each call, outside the measured time. "API" is the call-next request alone (until
its answer), part of the total.

    python bench/display.py [sqlite] [postgresql]
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._hall import (
    YIMEN,
    Hall,
    backends,
    demo_hall,
    free_port,
    print_table,
    server_process,
    summary_ms,
    wait_until_up,
)
from hall_server.client import HallClient
from hall_server.contract.queue import IssueTicketRequest

CALLS = 50
PAGES = (1, 20)
WINDOW = 4  # a 社会事务 window of the demo hall
CHROMIUM = "/usr/bin/chromium"


@contextmanager
def display_process(hall: Hall, base: str) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [
            YIMEN,
            "display",
            "--server",
            base,
            "--token",
            hall.device_token("display-1"),
            "--port",
            str(port),
            "--sound-device",
            "null",
            "--voice-repeat",
            "1",
        ],
        env=hall.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(
            process, lambda: bool(httpx.get(f"{url}/state").json()["synced"]), "the display service"
        )
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def measure(pages: list[Page], clerk: HallClient) -> tuple[list[float], list[float]]:
    latencies, api = [], []
    for _ in range(CALLS):
        if clerk.window(WINDOW).current_ticket is not None:
            clerk.window_op(WINDOW, "start")
            clerk.window_op(WINDOW, "complete")
        started_ms = time.time() * 1000
        ticket = clerk.call_next(WINDOW).ticket
        api.append(time.time() - started_ms / 1000)
        assert ticket is not None
        shown = f"window.yimenDisplay.shown.get({ticket.number!r})"
        for page in pages:
            page.wait_for_function(f"{shown} !== undefined", timeout=30_000)
            latencies.append((page.evaluate(shown) - started_ms) / 1000)
    return latencies, api


def main() -> None:
    rows = []
    for backend in backends():
        with demo_hall(backend) as hall, server_process(hall) as base, display_process(hall, base) as url:
            password = hall.accounts["staff"][0]["password"]
            with HallClient(base, hall.device_token()) as kiosk:
                for _ in range(CALLS * len(PAGES) + 5):
                    kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL_AFFAIRS"))
            with HallClient.login(base, "clerk04", password) as clerk, sync_playwright() as playwright:
                clerk.window_op(WINDOW, "open")
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
                )
                for count in PAGES:
                    context = browser.new_context(viewport={"width": 1920, "height": 1080}, bypass_csp=True)
                    pages = [context.new_page() for _ in range(count)]
                    for page in pages:
                        page.goto(url)
                        page.wait_for_function("window.yimenDisplay && window.yimenDisplay.views > 0")
                    latencies, api = measure(pages, clerk)
                    rows.append([backend, count, CALLS, *summary_ms(latencies), *summary_ms(api)[:2]])
                    context.close()
                browser.close()
    print_table(
        "call-next → number visible on the display page, measured in Chromium (ms)",
        ["backend", "pages", "calls", "p50", "p99", "mean", "API p50", "API p99"],
        rows,
    )


if __name__ == "__main__":
    main()
