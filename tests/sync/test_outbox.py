"""The transactional outbox and the delivery worker, against the front-table (前置库) target: a real
second database that the worker writes to. (The REST target and its faults are tested against the
reference receiver in test_delivery_*.py.)"""

from __future__ import annotations

import time
from collections import defaultdict

import pytest
from sqlalchemy import create_engine, delete, literal_column, select

from hall_server.client import HallClient
from hall_server.contract.queue import IssueTicketRequest, TransferRequest
from hall_server.sync.models import Delivery
from hall_server.sync.targets.front_table import exchange
from tests.conftest import make_settings, start_server
from tests.factories import seed_hall


@pytest.fixture
def exchange_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/exchange.db"


@pytest.fixture
def synced(database_url, tmp_path, clock, exchange_url):
    settings = make_settings(
        database_url,
        tmp_path,
        sync_targets=[{"name": "exchange", "kind": "front-table", "url": exchange_url, "batch_size": 20}],
        sync_idle_seconds=0.2,
    )
    running = start_server(settings, clock)
    hall = seed_hall(running.state.uow)
    yield running, hall
    running.stop()


def exchange_rows(url: str) -> list[dict]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = [
            dict(r._mapping) for r in connection.execute(select(exchange).order_by(literal_column("rowid")))
        ]
    engine.dispose()
    return rows


def wait_until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def busy_day(server, hall) -> None:
    with HallClient(server.base_url, hall.tokens["kiosk"]) as kiosk:
        for n in range(12):
            kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL" if n % 2 else "ENTERPRISE"))
    with HallClient(server.base_url, hall.tokens["clerk2"]) as clerk:
        clerk.window_op(2, "open")
        for _ in range(5):
            clerk.call_next(2)
            clerk.window_op(2, "recall")
            clerk.window_op(2, "start")
            clerk.window_op(2, "complete")
        clerk.call_next(2)
        clerk.transfer(2, TransferRequest(to_category_code="PICKUP"))


def platform_events(server) -> list[str]:
    with server.state.factory() as session:
        return [r.event_id for r in session.scalars(select(Delivery))]


def test_every_platform_event_is_delivered_once_in_order(synced, exchange_url):
    server, hall = synced
    busy_day(server, hall)
    expected = set(platform_events(server))
    wait_until(lambda: len(exchange_rows(exchange_url)) == len(expected))
    rows = exchange_rows(exchange_url)
    assert {r["event_id"] for r in rows} == expected
    assert all(r["event_type"].startswith(("queue.", "appointment.", "evaluation.")) for r in rows)
    by_aggregate = defaultdict(list)
    for row in rows:  # in the order they were written
        by_aggregate[(row["aggregate_type"], row["aggregate_id"])].append(row["aggregate_seq"])
    for seqs in by_aggregate.values():
        assert seqs == list(range(1, len(seqs) + 1))
    wait_until(lambda: delivery_statuses(server) == {"DONE"})


def delivery_statuses(server) -> set[str]:
    with server.state.factory() as session:
        return {d.status for d in session.scalars(select(Delivery))}


def test_outbox_rows_are_written_with_their_event_and_only_for_platform_types(synced):
    server, hall = synced
    with server.state.factory() as session:
        types = {d.event_type for d in session.scalars(select(Delivery))}
    # seeding wrote catalogue, staff, window and device events: none of them goes to the platform
    assert types == set()
    with HallClient(server.base_url, hall.tokens["kiosk"]) as kiosk:
        ticket = kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    with server.state.factory() as session:
        rows = session.scalars(select(Delivery)).all()
    assert [(r.event_type, r.aggregate_key, r.aggregate_seq) for r in rows] == [
        ("queue.ticket.issued", f"ticket:{ticket.id}", 1)
    ]


def test_trace_status_and_metrics_show_delivery(synced, exchange_url):
    server, hall = synced
    with HallClient(server.base_url, hall.tokens["kiosk"]) as kiosk:
        ticket = kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    wait_until(lambda: delivery_statuses(server) == {"DONE"})
    with HallClient(server.base_url, hall.tokens["manager"]) as manager:
        trace = manager.trace("ticket", ticket.id)
        assert [(d.target, d.status) for d in trace.deliveries] == [("exchange", "DONE")]
        assert trace.deliveries[0].delivered_at is not None
        status = manager._call("GET", "/sync/status", dict)
    assert status["targets"][0]["backlog"] == 0 and status["targets"][0]["delivered_today"] == 1
    import httpx

    metrics = httpx.get(f"{server.base_url}/metrics").text
    assert 'yimen_sync_backlog{target="exchange"} 0.0' in metrics
    assert 'yimen_sync_delivered_today{target="exchange"} 1.0' in metrics


def test_reconciliation_requeues_what_the_target_lost(synced, exchange_url, clock):
    server, hall = synced
    busy_day(server, hall)
    expected = set(platform_events(server))
    wait_until(lambda: delivery_statuses(server) == {"DONE"})
    engine = create_engine(exchange_url)
    with engine.begin() as connection:  # the exchange database loses three rows
        lost = [r[0] for r in connection.execute(select(exchange.c.event_id).limit(3))]
        connection.execute(delete(exchange).where(exchange.c.event_id.in_(lost)))
    engine.dispose()
    with HallClient(server.base_url, hall.tokens["manager"]) as manager:
        report = manager._call(
            "POST", f"/sync/reconcile?target=exchange&day={clock.today().isoformat()}", dict
        )
    assert not report["matched"] and sorted(report["requeued"]) == sorted(lost)
    wait_until(lambda: len(exchange_rows(exchange_url)) == len(expected))
    wait_until(lambda: delivery_statuses(server) == {"DONE"})
    with HallClient(server.base_url, hall.tokens["manager"]) as manager:
        again = manager._call(
            "POST", f"/sync/reconcile?target=exchange&day={clock.today().isoformat()}", dict
        )
    assert again["matched"] and again["local_count"] == len(expected)
    clock.advance(days=1)


def test_backfill_queues_past_events_for_a_new_target(database_url, tmp_path, clock, exchange_url):
    plain = start_server(make_settings(database_url, tmp_path), clock)
    hall = seed_hall(plain.state.uow)
    with HallClient(plain.base_url, hall.tokens["kiosk"]) as kiosk:
        for _ in range(3):
            kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    plain.stop()
    settings = make_settings(
        database_url,
        tmp_path,
        sync_targets=[{"name": "exchange", "kind": "front-table", "url": exchange_url}],
        sync_idle_seconds=0.2,
    )
    synced = start_server(settings, clock)
    try:
        from hall_server.sync import service

        added = synced.state.uow.run(lambda ctx: service.backfill(ctx, ctx.targets[0]))
        assert added == 3
        synced.state.worker.wake()
        wait_until(lambda: len(exchange_rows(exchange_url)) == 3)
    finally:
        synced.stop()


def test_nightly_reconciliation_finds_and_fills_yesterdays_gap(database_url, tmp_path, clock, exchange_url):
    settings = make_settings(
        database_url,
        tmp_path,
        sync_idle_seconds=0.1,
        sync_reconcile_at="02:30",
        sync_targets=[{"name": "exchange", "kind": "front-table", "url": exchange_url}],
    )
    server = start_server(settings, clock)
    try:
        hall = seed_hall(server.state.uow)
        busy_day(server, hall)
        wait_until(lambda: delivery_statuses(server) == {"DONE"})
        engine = create_engine(exchange_url)
        with engine.begin() as connection:  # the exchange loses two of today's rows overnight
            lost = [r[0] for r in connection.execute(select(exchange.c.event_id).limit(2))]
            connection.execute(delete(exchange).where(exchange.c.event_id.in_(lost)))
        engine.dispose()
        clock.advance(hours=17, minutes=31)  # 09:00 + 17:31 = 02:31 the next morning
        wait_until(lambda: set(lost) <= {r["event_id"] for r in exchange_rows(exchange_url)})
    finally:
        server.stop()
