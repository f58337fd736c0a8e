"""/healthz through a real server: it reads beside the writers, never queues behind them, and says 503 (not
500) when the database cannot be reached."""

from __future__ import annotations

import sqlite3
import threading
import time

import httpx
import pytest
from sqlalchemy.engine import make_url

from hall_server.client import ApiError
from hall_server.contract.queue import IssueTicketRequest
from hall_server.core.db import SQLITE_BUSY_SECONDS
from tests.conftest import make_settings, start_server


def hold_write_lock(database_url: str) -> sqlite3.Connection:
    """Another connection (as another process would) takes the SQLite write lock and keeps it."""
    holder = sqlite3.connect(make_url(database_url).database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("UPDATE hall SET name = name")
    return holder


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_health_answers_at_once_while_the_write_lock_is_held(database_url, server, client_for):
    kiosk = client_for("kiosk")
    holder = hold_write_lock(database_url)
    outcome: list[object] = []

    def issue() -> None:
        try:
            outcome.append(kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL")))
        except ApiError as exc:
            outcome.append(exc)

    blocked = threading.Thread(target=issue)
    started = time.monotonic()
    blocked.start()
    # Had the probe queued behind the writer it could only answer once the writer gave up, after the busy
    # timeout; so each answer must arrive while the writer is still waiting (no wall-clock figure that a
    # loaded CI machine could miss).
    with httpx.Client(base_url=server.base_url, timeout=5) as http:
        for _ in range(3):
            health = http.get("/healthz")
            assert health.status_code == 200 and health.json()["status"] == "ok"
            assert blocked.is_alive(), "the probe answered only after the writer gave up"
            if time.monotonic() - started > SQLITE_BUSY_SECONDS / 2:
                break
            time.sleep(0.2)
    blocked.join(timeout=15)
    holder.rollback()
    holder.close()
    # The writer gives up at the busy timeout with a definite answer the kiosk can show, not a 500.
    [error] = outcome
    assert isinstance(error, ApiError) and (error.status, error.code) == (503, "DATABASE_BUSY")
    assert 2.5 < time.monotonic() - started < 9
    assert kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL")).number == "B001"


@pytest.mark.postgres
def test_health_is_503_with_a_code_when_the_database_is_gone(pg_databases, tmp_path, clock):
    if pg_databases is None:
        pytest.skip("PostgreSQL not configured (set YIMEN_TEST_PG_URL; scripts/test does)")
    name, url = pg_databases.create()
    running = start_server(make_settings(url, tmp_path), clock)
    try:
        with httpx.Client(base_url=running.base_url, timeout=10) as http:
            assert http.get("/healthz").status_code == 200
            pg_databases.drop(name)
            asked = time.monotonic()
            health = http.get("/healthz")
            assert time.monotonic() - asked < 5
        assert health.status_code == 503
        assert health.json()["code"] == "DATABASE_UNAVAILABLE" and health.json()["message"]
    finally:
        running.stop()
        pg_databases.drop(name)
