"""Real processes for the delivery fault tests: `yimen platform serve` and `yimen server` with its delivery
worker, each started, stopped, killed and restarted like an operator (or a power cut) would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from hall_server.client import HallClient
from hall_server.contract.queue import IssueTicketRequest, TransferRequest
from hall_server.sync import wire
from hall_server.sync.config import PLATFORM_PREFIXES
from tests.conftest import free_port

YIMEN = str(Path(sys.executable).with_name("yimen"))
APP_ID, SECRET, ADMIN = "HALL-TEST-01", "fault-test-secret", "admin-token-fault-tests"


def wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass
class Process:
    args: list[str]
    env: dict[str, str]
    port: int
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        handle = self.log.open("ab")
        self.popen = subprocess.Popen(self.args, env=self.env, stdout=handle, stderr=subprocess.STDOUT)
        wait_for(lambda: _healthy(self.base_url) or self.popen.poll() is not None, 40, f"{self.args[1]} up")
        if self.popen.poll() is not None:
            raise AssertionError(f"{self.args[:3]} exited: {self.log.read_text()[-2000:]}")

    def stop(self, signum: int = signal.SIGTERM) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(signum)
            self.popen.wait(timeout=30)
        self.popen = None

    def kill(self) -> None:
        self.stop(signal.SIGKILL)


@dataclass
class Platform(Process):
    database_url: str = ""

    def faults(self, plan: dict[str, Any]) -> None:
        response = httpx.post(
            f"{self.base_url}/_admin/faults",
            json=plan,
            headers={"Authorization": f"Bearer {ADMIN}"},
            timeout=5,
        )
        assert response.status_code == 200, response.text

    def stats(self) -> dict[str, Any]:
        """What the receiver answered so far (accepted, duplicates, rejected, retries)."""
        headers = wire.sign(SECRET.encode(), "GET", wire.STATS_PATH, APP_ID, b"")
        response = httpx.get(self.base_url + wire.STATS_PATH, headers=headers, timeout=5)
        assert response.status_code == 200, response.text
        stats: dict[str, Any] = response.json()
        return stats

    def stored(self) -> list[tuple[int, str, str, str, int]]:
        """(arrival, event_id, aggregate_type, aggregate_id, seq), in arrival order."""
        engine = create_engine(self.database_url)
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "select arrival, event_id, aggregate_type, aggregate_id, seq"
                    " from platform_event order by arrival"
                )
            ).all()
        engine.dispose()
        return [tuple(row) for row in rows]  # type: ignore[misc]


def start_platform(tmp: Path, database_url: str, *faults: str) -> Platform:
    port = free_port()
    args = [
        YIMEN,
        "platform",
        "serve",
        "--port",
        str(port),
        "--database-url",
        database_url,
        "--app",
        f"{APP_ID}:{SECRET}",
        "--admin-token",
        ADMIN,
        "--log-level",
        "WARNING",
    ]
    for fault in faults:
        args += ["--fault", fault]
    platform = Platform(args, dict(os.environ), port, tmp / f"platform-{port}.log", database_url=database_url)
    platform.start()
    return platform


@dataclass
class Hall:
    database_url: str
    env: dict[str, str]
    accounts: dict[str, Any]
    processes: list[Process] = field(default_factory=list)

    def server(self, tmp: Path) -> Process:
        port = free_port()
        process = Process([YIMEN, "server", "--port", str(port)], self.env, port, tmp / f"hall-{port}.log")
        process.start()
        self.processes.append(process)
        return process

    def delivered_state(self) -> tuple[set[str], dict[str, int], set[str]]:
        """(platform event ids in the event log, delivery statuses counted, delivered ids)."""
        engine = create_engine(self.database_url)
        with engine.connect() as connection:
            events = {
                event_id
                for event_id, event_type in connection.execute(text("select event_id, event_type from event"))
                if event_type.startswith(PLATFORM_PREFIXES)
            }
            statuses: dict[str, int] = defaultdict(int)
            delivered = set()
            for event_id, status in connection.execute(text("select event_id, status from delivery")):
                statuses[status] += 1
                if status in ("DONE", "DUPLICATE"):
                    delivered.add(event_id)
        engine.dispose()
        return events, dict(statuses), delivered

    def latest_retry_in(self) -> float:
        """Seconds until the last waiting event of the backlog is due by its own backoff."""
        engine = create_engine(self.database_url)
        with engine.connect() as connection:
            latest = connection.execute(
                text("select max(next_attempt_at) from delivery where status = 'RETRY'")
            ).scalar()
        engine.dispose()
        if latest is None:
            return 0.0
        if isinstance(latest, str):  # SQLite hands the column back as text
            latest = datetime.fromisoformat(latest)
        if latest.tzinfo is None:
            latest = latest.replace(tzinfo=UTC)
        return float((latest - datetime.now(UTC)).total_seconds())


def prepare_hall(tmp: Path, database_url: str, platform: Platform, **sync: Any) -> Hall:
    env = {
        **os.environ,
        "YIMEN_DATABASE_URL": database_url,
        "YIMEN_KEY_FILE": str(tmp / "keys.json"),
        "YIMEN_LOG_LEVEL": "WARNING",
        "YIMEN_PASSWORD_TIME_COST": "1",
        "YIMEN_PASSWORD_MEMORY_KIB": "1024",
        "YIMEN_FAULT_TEST_SECRET": SECRET,
        "YIMEN_SYNC_TARGETS": json.dumps(
            [
                {
                    "name": "province",
                    "kind": "hall-sync-rest",
                    "url": platform.base_url,
                    "app_id": APP_ID,
                    "secret_env": "YIMEN_FAULT_TEST_SECRET",
                    "batch_size": sync.pop("batch_size", 20),
                    "timeout_seconds": sync.pop("timeout_seconds", 2.0),
                }
            ]
        ),
        "YIMEN_SYNC_BACKOFF_BASE_SECONDS": "0.1",
        "YIMEN_SYNC_BACKOFF_CAP_SECONDS": "1.0",
        "YIMEN_SYNC_IDLE_SECONDS": "0.2",
        "YIMEN_SYNC_LEASE_SECONDS": str(sync.pop("lease_seconds", 4)),
    }
    accounts = tmp / "accounts.json"
    subprocess.run([YIMEN, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run(
        [YIMEN, "demo-data", "--accounts", str(accounts)], env=env, check=True, capture_output=True
    )
    return Hall(database_url, env, json.loads(accounts.read_text()))


def make_traffic(base_url: str, hall: Hall, tickets: int, window: int, clerk: str) -> None:
    """A slice of a working morning: tickets issued, called, recalled, served, some transferred."""
    kiosk_token = hall.accounts["devices"]["kiosk-1"]
    password = hall.accounts["staff"][0]["password"]
    with HallClient(base_url, kiosk_token) as kiosk:
        for n in range(tickets):
            kiosk.issue_ticket(
                IssueTicketRequest(category_code="SOCIAL_AFFAIRS" if n % 3 else "CONSULTATION")
            )
    with HallClient.login(base_url, clerk, password) as desk:
        if desk.window(window).state != "OPEN":
            desk.window_op(window, "open")
        for n in range(tickets // 2):
            called = desk.call_next(window)
            if called.ticket is None:
                break
            if n % 4 == 0:
                desk.window_op(window, "recall")
            if n % 5 == 0:
                desk.transfer(window, TransferRequest(to_category_code="RESULT_PICKUP", note="出件"))
                continue
            desk.window_op(window, "start")
            desk.window_op(window, "complete")


def assert_delivered_exactly_once(hall: Hall, platform: Platform, timeout: float = 90) -> dict[str, int]:
    """The platform ends with exactly the platform events the hall wrote, each once, each aggregate in
    order; no event is lost on either side. Returns the hall's delivery status counts."""

    def settled() -> bool:
        events, statuses, delivered = hall.delivered_state()
        return bool(events) and delivered == events and set(statuses) <= {"DONE", "DUPLICATE"}

    wait_for(settled, timeout, "every event delivered")
    events, statuses, _ = hall.delivered_state()
    stored = platform.stored()
    stored_ids = [row[1] for row in stored]
    assert len(stored_ids) == len(set(stored_ids)), "an event was stored twice"
    assert set(stored_ids) == events, "the platform and the hall disagree"
    seqs: dict[tuple[str, str], list[int]] = defaultdict(list)
    for _, _, aggregate_type, aggregate_id, seq in stored:
        seqs[(aggregate_type, aggregate_id)].append(seq)
    for key, order in seqs.items():
        assert order == list(range(1, len(order) + 1)), f"{key} arrived out of order: {order}"
    return statuses
