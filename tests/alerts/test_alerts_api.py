"""Alerts through a real server (SQLite and PostgreSQL) and the typed client: thresholds crossed raise then
clear, 冷热不均's one-click fix clears it, device faults and help requests show at once, acknowledgement is an
event on the managers' `hall` topic and in the alert's trace; who may do what."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

import pytest

from hall_server.client import ApiError, HallClient, LiveFeed
from hall_server.contract.alerts import AlertOut, ThresholdIn
from hall_server.contract.devicehealth import HealthReport, PartReport, PartState
from hall_server.contract.live import EventMessage, SnapshotMessage
from hall_server.contract.queue import IssueTicketRequest
from tests.factories import RawBody

T = TypeVar("T")


def eventually(check: Callable[[], T | None], timeout: float = 30.0) -> T:
    """The first truthy answer of `check`, polled until the deadline (the alert loop runs every 0.2 s)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = check()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s")
        time.sleep(0.05)


def open_alert(manager: HallClient, key: str) -> Callable[[], AlertOut | None]:
    return lambda: next((a for a in manager.alerts(open_only=True) if a.key == key), None)


def gone(manager: HallClient, key: str) -> Callable[[], bool]:
    return lambda: all(a.key != key for a in manager.alerts(open_only=True))


def issue(kiosk: HallClient, category: str, count: int = 1) -> None:
    for _ in range(count):
        kiosk.issue_ticket(IssueTicketRequest(category_code=category))


def test_a_wait_over_its_threshold_raises_then_clears(client_for, clock):
    manager, kiosk, clerk = client_for("manager"), client_for("kiosk"), client_for("clerk1")
    saved = manager.save_threshold("SOCIAL", ThresholdIn(max_wait_seconds=600))
    assert (saved.scope, saved.scope_name, saved.max_wait_seconds) == ("SOCIAL", "社会事务", 600)
    issue(kiosk, "SOCIAL")
    clock.advance(minutes=11)
    alert = eventually(open_alert(manager, "WAIT_TOO_LONG:SOCIAL"))
    assert (alert.kind, alert.value, alert.limit) == ("WAIT_TOO_LONG", 660, 600)
    assert alert.title == "社会事务等候超时"
    assert alert.detail == "社会事务最长已等候 11 分钟，超过上限 10 分钟（自 09:10 起）"
    clerk.window_op(1, "open")
    clerk.call_next(1)
    eventually(gone(manager, "WAIT_TOO_LONG:SOCIAL"))
    [cleared] = [a for a in manager.alerts() if a.id == alert.id]
    assert cleared.cleared_at is not None


def test_imbalance_is_fixed_with_one_click_and_clears(client_for):
    manager, kiosk = client_for("manager"), client_for("kiosk")
    client_for("clerk1").window_op(1, "open")
    client_for("clerk3").window_op(3, "open")
    issue(kiosk, "SOCIAL", 6)
    alert = eventually(open_alert(manager, "IMBALANCE:SOCIAL:3"))
    assert alert.suggestion is not None
    assert alert.suggestion.text == "把 3 号窗口加开社会事务"
    assert alert.title == "冷热不均：社会事务"
    fixed = manager.set_window_categories(alert.suggestion.window_no, alert.suggestion.category_codes)
    assert fixed.category_codes == ["ENTERPRISE", "SOCIAL"]
    eventually(gone(manager, alert.key))
    assert not [a for a in manager.alerts(open_only=True) if a.kind == "IMBALANCE"]


def test_a_device_fault_shows_and_clears_when_fixed(client_for):
    manager, kiosk = client_for("manager"), client_for("kiosk")
    printer = PartReport(
        kind="printer", url_or_name="usb://printer", state=PartState.FAULT, code="PAPER_OUT", message="缺纸"
    )
    kiosk.report_health(HealthReport(app_version="1.0", devices=[printer]))
    kiosk_id = next(d.device_id for d in manager.device_health() if d.name == "kiosk")
    alert = eventually(open_alert(manager, f"DEVICE_FAULT:{kiosk_id}"))
    assert alert.kind == "DEVICE_FAULT" and alert.title == "设备故障：自助取号机 kiosk"
    assert "printer（usb://printer）故障 PAPER_OUT 缺纸" in alert.detail
    kiosk.report_health(
        HealthReport(app_version="1.0", devices=[printer.model_copy(update={"state": PartState.OK})])
    )
    eventually(gone(manager, alert.key))


def test_a_device_gone_silent_raises_an_alert_cleared_by_its_next_report(client_for, clock):
    manager, kiosk = client_for("manager"), client_for("kiosk")
    report = HealthReport(app_version="1.2.0", devices=[])
    kiosk.report_health(report)
    [mine] = [d for d in manager.device_health() if d.name == "kiosk"]
    key = f"DEVICE_SILENT:{mine.device_id}"
    clock.advance(seconds=170)  # within YIMEN_DEVICE_HEALTH_STALE_SECONDS (180): not silent yet
    time.sleep(0.5)  # two rounds of the alert loop
    assert open_alert(manager, key)() is None
    clock.advance(seconds=20)
    alert = eventually(open_alert(manager, key))
    assert (alert.kind, alert.device_id) == ("DEVICE_SILENT", mine.device_id)
    assert alert.title == "设备失联：自助取号机 kiosk"
    assert alert.detail == "自助取号机 kiosk 超过 3 分钟未报告状态，请检查电源与网络（自 09:00 起）"
    assert next(d for d in manager.device_health() if d.name == "kiosk").stale
    kiosk.report_health(report)
    eventually(gone(manager, key))
    [cleared] = [a for a in manager.alerts() if a.id == alert.id]
    assert cleared.cleared_at is not None


def test_a_silent_counter_terminal_raises_no_alert(client_for, clock):
    """A counter reports only while a clerk works at it: its silence after work is no fault."""
    manager, clerk = client_for("manager"), client_for("clerk1")
    clerk.window_op(1, "open")
    clerk.report_window_health(1, HealthReport(app_version="1.2.0", devices=[]))
    clock.advance(minutes=10)
    [counter] = [d for d in manager.device_health() if d.name == "counter-1"]
    assert counter.stale
    time.sleep(0.5)  # two rounds of the alert loop
    assert all(a.kind != "DEVICE_SILENT" for a in manager.alerts())


def test_a_help_request_shows_within_a_second_and_clears_when_resolved(server, client_for):
    manager, kiosk, clerk = client_for("manager"), client_for("kiosk"), client_for("clerk1")
    server.state.settings.alert_check_seconds = 30  # only the prompt evaluation can show it in time
    time.sleep(0.3)  # let the loop take the new period
    raised = kiosk.request_help("老人需要帮助")
    alert = eventually(open_alert(manager, f"HELP_REQUESTED:{raised.id}"))
    assert (alert.title, alert.help_id) == ("求助：kiosk", raised.id)
    assert alert.detail.startswith("kiosk请求工作人员帮助：老人需要帮助（自 09:00 起）")
    clerk.resolve_help(raised.id, "已协助")
    eventually(gone(manager, alert.key))


def test_acknowledgement_is_an_event_live_and_in_the_trace(server, hall, client_for):
    manager, kiosk = client_for("manager"), client_for("kiosk")

    async def scenario() -> AlertOut:
        async with LiveFeed(server.ws_url, hall.tokens["manager"], ["hall"]) as managers:
            assert isinstance(await asyncio.wait_for(managers.receive(), 30), SnapshotMessage)
            raised = await asyncio.to_thread(kiosk.request_help)
            seen: list[str] = []
            while "hall.alert.raised" not in seen:
                message = await asyncio.wait_for(managers.receive(), 30)
                if isinstance(message, EventMessage):
                    seen.append(message.event.event_type.value)
            alert = await asyncio.to_thread(eventually, open_alert(manager, f"HELP_REQUESTED:{raised.id}"))
            done = await asyncio.to_thread(manager.acknowledge_alert, alert.id, "已派人到自助机")
            while True:
                message = await asyncio.wait_for(managers.receive(), 30)
                if (
                    isinstance(message, EventMessage)
                    and message.event.event_type == "hall.alert.acknowledged"
                ):
                    assert message.event.data["note"] == "已派人到自助机"
                    assert message.event.aggregate.type == "alert"
                    return done

    done = asyncio.run(scenario())
    assert (done.acknowledged_by, done.acknowledge_note) == ("员工manager", "已派人到自助机")
    assert done.acknowledged_at is not None and done.cleared_at is None
    with pytest.raises(ApiError) as twice:
        manager.acknowledge_alert(done.id)
    assert (twice.value.status, twice.value.code) == (409, "ALERT_ALREADY_ACKNOWLEDGED")
    trace = manager.trace("alert", done.id)
    assert [e.event_type for e in trace.events] == ["hall.alert.raised", "hall.alert.acknowledged"]
    assert trace.summary["key"] == done.key
    with pytest.raises(ApiError) as missing:
        manager.acknowledge_alert(2_000_000)
    assert (missing.value.status, missing.value.code) == (404, "ALERT_NOT_FOUND")


def test_only_managers_set_thresholds_and_see_alerts(client_for):
    manager, clerk, display = client_for("manager"), client_for("clerk1"), client_for("display")
    for outsider in (clerk, display):
        for call in (
            lambda c: c.save_threshold("hall", ThresholdIn(max_waiting=5)),
            lambda c: c.thresholds(),
            lambda c: c.alerts(),
            lambda c: c.acknowledge_alert(1),
        ):
            with pytest.raises(ApiError) as refused:
                call(outsider)
            assert refused.value.status == 403
    with pytest.raises(ApiError) as unknown:
        manager.save_threshold("NOPE", ThresholdIn(max_waiting=5))
    assert (unknown.value.status, unknown.value.code) == (404, "THRESHOLD_SCOPE_NOT_FOUND")
    with pytest.raises(ApiError) as bad:
        manager._call("PUT", "/thresholds/hall", dict, RawBody({"max_wait_seconds": 5}))
    assert bad.value.status == 422
    hall = manager.save_threshold("hall", ThresholdIn(max_wait_seconds=1800, max_waiting=20))
    assert [t.scope for t in manager.thresholds()] == ["hall", "SOCIAL", "ENTERPRISE", "PICKUP"]
    assert manager.thresholds()[0] == hall
