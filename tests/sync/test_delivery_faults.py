"""Delivery through real processes and real faults: the receiver down and back, random 500s, dropped
connections and timeouts, the hall server killed with SIGKILL mid-delivery, and two hall servers on one
PostgreSQL delivering at once. Each ends with the platform holding exactly the hall's events, once each,
each aggregate in order."""

from __future__ import annotations

import threading
import time

import pytest

from tests.sync.processes import (
    assert_delivered_exactly_once,
    make_traffic,
    prepare_hall,
    start_platform,
    wait_for,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def platform_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/platform.db"


def test_receiver_down_for_a_while_then_back(tmp_path, database_url, platform_url):
    platform = start_platform(tmp_path, platform_url)
    hall = prepare_hall(tmp_path, database_url, platform)
    server = hall.server(tmp_path)
    try:
        make_traffic(server.base_url, hall, tickets=10, window=4, clerk="clerk04")
        platform.stop()
        make_traffic(server.base_url, hall, tickets=10, window=5, clerk="clerk05")
        _, statuses, _ = hall.delivered_state()
        assert statuses.get("RETRY", 0) + statuses.get("PENDING", 0) + statuses.get("SENDING", 0) > 0
        platform.start()
        statuses = assert_delivered_exactly_once(hall, platform)
        assert statuses.get("DONE", 0) > 0
    finally:
        server.stop()
        platform.stop()


def test_random_500s_dropped_connections_and_timeouts(tmp_path, database_url, platform_url):
    platform = start_platform(tmp_path, platform_url)
    platform.faults(
        {
            "faults": [
                {"mode": "error_rate", "rate": 0.25},
                {"mode": "drop_rate", "rate": 0.1},
                {"mode": "drop_after_store_rate", "rate": 0.15},
                {"mode": "timeout", "rate": 0.05, "delay": 3},
            ],
            "seed": 11,
        }
    )
    hall = prepare_hall(tmp_path, database_url, platform, timeout_seconds=1.0, batch_size=5)
    server = hall.server(tmp_path)
    try:
        make_traffic(server.base_url, hall, tickets=24, window=4, clerk="clerk04")
        wait_for(lambda: hall.delivered_state()[2], 30, "some deliveries despite the faults")
        platform.faults({"mode": "none"})
        statuses = assert_delivered_exactly_once(hall, platform)
        assert statuses.get("DUPLICATE", 0) > 0  # stored, then the answer was lost: re-sent and recognised
    finally:
        server.stop()
        platform.stop()


def test_hall_server_killed_mid_delivery_and_restarted(tmp_path, database_url, platform_url):
    platform = start_platform(tmp_path, platform_url)
    platform.faults({"mode": "slow", "delay": 0.4})
    hall = prepare_hall(tmp_path, database_url, platform, batch_size=3, lease_seconds=2)
    server = hall.server(tmp_path)
    try:
        make_traffic(server.base_url, hall, tickets=16, window=4, clerk="clerk04")
        wait_for(
            lambda: 0 < len(hall.delivered_state()[2]) < len(hall.delivered_state()[0]),
            30,
            "delivery under way",
        )
        server.kill()  # SIGKILL: no clean-up, leases left behind, requests cut off
        _, statuses, _ = hall.delivered_state()
        assert statuses.get("SENDING", 0) + statuses.get("PENDING", 0) + statuses.get("RETRY", 0) > 0
        platform.faults({"mode": "none"})
        server = hall.server(tmp_path)
        make_traffic(server.base_url, hall, tickets=4, window=5, clerk="clerk05")
        assert_delivered_exactly_once(hall, platform)
    finally:
        server.stop()
        platform.stop()


def test_two_hall_servers_on_postgresql_deliver_at_once(tmp_path, pg_url, pg_databases):
    platform_name, platform_db = pg_databases.create()
    platform = start_platform(tmp_path, platform_db)
    hall = prepare_hall(tmp_path, pg_url, platform, batch_size=4)
    first, second = hall.server(tmp_path), hall.server(tmp_path)
    try:
        loads = [
            threading.Thread(target=make_traffic, args=(first.base_url, hall, 16, 4, "clerk04")),
            threading.Thread(target=make_traffic, args=(second.base_url, hall, 16, 5, "clerk05")),
        ]
        for load in loads:
            load.start()
        for load in loads:
            load.join(timeout=120)
        assert_delivered_exactly_once(hall, platform)
        # no faults: had both workers ever sent the same event at once, the platform would have seen a
        # duplicate; leases with SKIP LOCKED mean it never does
        _, statuses, _ = hall.delivered_state()
        assert statuses.get("DUPLICATE", 0) == 0
        answered = platform.stats()
        assert answered["duplicates"] == 0  # never the same event twice
        assert answered["retries"] == 0  # never an event before its predecessor (no SEQUENCE_GAP)
        platform.faults(
            {
                "faults": [
                    {"mode": "error_rate", "rate": 0.3},
                    {"mode": "drop_after_store_rate", "rate": 0.2},
                ],
                "seed": 5,
            }
        )
        for server, window, clerk in ((first, 4, "clerk04"), (second, 5, "clerk05")):
            make_traffic(server.base_url, hall, 8, window, clerk)
        platform.faults({"mode": "none"})
        assert_delivered_exactly_once(hall, platform)
    finally:
        first.stop()
        second.stop()
        platform.stop()
        pg_databases.drop(platform_name)


def test_backlog_drains_at_once_when_the_receiver_is_back_not_at_each_events_backoff(
    tmp_path, database_url, platform_url
):
    """After an outage every waiting event has its own backoff (up to the cap: minutes). The sender probes
    the target every YIMEN_SYNC_PROBE_SECONDS; once it answers, what waits is due at once."""
    platform = start_platform(tmp_path, platform_url)
    hall = prepare_hall(tmp_path, database_url, platform)
    hall.env.update(
        YIMEN_SYNC_BACKOFF_BASE_SECONDS="2",
        YIMEN_SYNC_BACKOFF_CAP_SECONDS="120",
        YIMEN_SYNC_PROBE_SECONDS="1",
    )
    server = hall.server(tmp_path)
    try:
        make_traffic(server.base_url, hall, tickets=4, window=4, clerk="clerk04")
        platform.stop()
        make_traffic(server.base_url, hall, tickets=16, window=5, clerk="clerk05")
        # Wait until some event would, left alone, not be tried again for another 60 s at least (a margin
        # wide enough for a loaded machine to drain in).
        wait_for(lambda: hall.latest_retry_in() > 60, 120, "backoffs grown past 60 s")
        # Measured before the receiver comes back: once it answers, the probe moves the backlog forward
        # and the figure drops to nothing.
        waiting = hall.latest_retry_in()
        measured = time.monotonic()
        platform.start()
        allowed = waiting - 10 - (time.monotonic() - measured)
        assert_delivered_exactly_once(hall, platform, timeout=allowed)
        assert time.monotonic() - measured < waiting - 10  # well before the backoffs would have let it
    finally:
        server.stop()
        platform.stop()
