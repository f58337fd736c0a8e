"""What an Idempotency-Key costs per ticket, and what a replay costs, on SQLite and PostgreSQL.

A real `yimen server` process and one kiosk issuing tickets one after another over HTTP:
- no key: the plain issue;
- new key: the issue with its first answer stored in the same transaction (a claim row, then its answer);
- replay: the same requests again with the same keys (authentication, one lookup, the stored answer).

    python bench/idempotency_overhead.py [sqlite] [postgresql]
"""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._hall import backends, demo_hall, print_table, server_process, summary_ms

REQUESTS = 300
BODY = b'{"category_code":"SOCIAL_AFFAIRS"}'


def timed(http: httpx.Client, keys: list[str | None], replayed: bool) -> list[float]:
    latencies = []
    for key in keys:
        headers = {"Content-Type": "application/json"} | ({"Idempotency-Key": key} if key else {})
        started = time.perf_counter()
        response = http.post("/api/v1/tickets", content=BODY, headers=headers)
        latencies.append(time.perf_counter() - started)
        assert response.status_code == 201, response.text
        assert (response.headers.get("Idempotent-Replayed") == "true") is replayed
    return latencies


def main() -> None:
    rows = []
    for backend in backends():
        with demo_hall(backend) as hall, server_process(hall) as base:
            auth = {"Authorization": f"Bearer {hall.device_token()}"}
            with httpx.Client(base_url=base, headers=auth, timeout=30) as http:
                timed(http, [None] * 20, replayed=False)  # warm up
                keys: list[str | None] = [str(uuid.uuid4()) for _ in range(REQUESTS)]
                for mode, sample in (
                    ("no key", timed(http, [None] * REQUESTS, replayed=False)),
                    ("new key", timed(http, keys, replayed=False)),
                    ("replay", timed(http, keys, replayed=True)),
                ):
                    rows.append([backend, mode, len(sample), *summary_ms(sample)])
    print_table(
        "Issuing a ticket with and without Idempotency-Key (one kiosk, sequential)",
        ["backend", "mode", "requests", "p50 ms", "p99 ms", "mean ms"],
        rows,
    )


if __name__ == "__main__":
    main()
