"""complaint.* events reach the platform through the transactional outbox (表10 办事互动 投诉); the hall's
own complaint settings stay in the hall."""

from __future__ import annotations

import pytest

from hall_server.client import HallClient
from hall_server.contract.complaints import ComplaintIn, ComplaintSettingsIn, ComplaintSubject, RouteIn
from hall_server.sync import service as sync_service
from tests.conftest import make_settings, start_server
from tests.factories import seed_hall
from tests.sync.test_outbox import exchange_rows, wait_until


@pytest.fixture
def synced(database_url, tmp_path, clock):
    exchange_url = f"sqlite:///{tmp_path}/exchange.db"
    settings = make_settings(
        database_url,
        tmp_path,
        sync_targets=[{"name": "exchange", "kind": "front-table", "url": exchange_url}],
        sync_idle_seconds=0.2,
    )
    running = start_server(settings, clock)
    yield running, seed_hall(running.state.uow), exchange_url, clock
    running.stop()


def test_complaint_events_go_to_the_platform_in_order(synced):
    server, hall, exchange_url, clock = synced
    with HallClient(server.base_url, hall.tokens["manager"]) as manager:
        manager.save_complaint_settings(ComplaintSettingsIn(answer_working_days=7))
        made = manager.record_complaint(ComplaintIn(subject=ComplaintSubject.OTHER, text="指示牌不清楚"))
        manager.route_complaint(made.id, RouteIn(department_code="ZONGHE"))
        manager.answer_complaint(made.id, "已更换指示牌")
        manager.close_complaint(made.id)

    def complaint_rows() -> list[dict]:
        return [r for r in exchange_rows(exchange_url) if r["aggregate_type"] == "complaint"]

    def all_delivered() -> bool:
        # The hall's clock is still: a transient failure (the exchange database busy on a loaded machine)
        # is retried only when its backoff comes due, so let the clock move.
        clock.advance(seconds=1)
        return len(complaint_rows()) == 4

    try:
        wait_until(all_delivered)
    except AssertionError as exc:
        status = server.state.uow.read(lambda ctx: sync_service.status(ctx, ctx.targets))
        delivered = [row["event_type"] for row in complaint_rows()]
        raise AssertionError(f"delivered {delivered}; outbox {status}") from exc
    rows = complaint_rows()
    assert [(r["event_type"], r["aggregate_seq"]) for r in rows] == [
        ("complaint.recorded", 1),
        ("complaint.routed", 2),
        ("complaint.answered", 3),
        ("complaint.closed", 4),
    ]
    assert all(r["aggregate_id"] == str(made.id) for r in rows)
    assert not any(r["event_type"].startswith("hall.") for r in exchange_rows(exchange_url))
