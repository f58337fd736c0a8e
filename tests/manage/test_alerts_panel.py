"""The alerts panel of the managers' dashboard, in Debian's Chromium against a real hall server whose alert
loop runs every 0.3 s: a 冷热不均 alert appears live and its one-click fix changes the server's state; a help
request is an alert; acknowledging (on the page or elsewhere) is an event every open dashboard follows."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from hall_server.contract.alerts import HALL_SCOPE, ThresholdIn
from hall_server.contract.queue import IssueTicketRequest
from hall_server.core.config import Settings
from tests.conftest import make_settings
from tests.manage.busy import busy_morning
from tests.manage.conftest import REFRESH_SECONDS
from tests.manage.test_live_hall import open_live, still_loaded
from tests.manage.test_sync_panel import screenshot

ALERT_CHECK_SECONDS = 0.3


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(
        database_url,
        tmp_path,
        manage_refresh_seconds=REFRESH_SECONDS,
        alert_check_seconds=ALERT_CHECK_SECONDS,
    )


def test_an_imbalance_appears_live_and_one_click_fixes_it(server, hall, client_for, clock, page):
    manager = client_for("manager")
    manager.save_threshold(HALL_SCOPE, ThresholdIn(max_wait_seconds=600))
    clerk1, clerk3 = client_for("clerk1"), client_for("clerk3")
    clerk1.window_op(1, "open")  # 社会事务
    clerk3.window_op(3, "open")  # 企业服务, idle
    kiosk = client_for("kiosk")
    for _ in range(4):
        kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    clerk1.call_next(1)
    clerk1.window_op(1, "start")
    open_live(page, server.base_url)
    expect(page.locator("#alerts-none")).to_be_visible()

    clock.advance(minutes=15)  # the waits cross the hall's 10 minutes; the alert loop notices
    imbalance = page.locator('#alerts li[data-kind="IMBALANCE"]')
    expect(imbalance.locator(".a-suggestion")).to_have_text("建议：把 3 号窗口加开社会事务")
    expect(imbalance.locator(".a-title")).to_have_text("冷热不均：社会事务")
    expect(page.locator('#alerts li[data-kind="WAIT_TOO_LONG"] .a-detail')).to_contain_text("超过上限")

    imbalance.locator(".a-fix").click()
    expect(page.locator("#toast")).to_have_text("已调整：把 3 号窗口加开社会事务")
    assert sorted(manager.window(3).category_codes) == ["ENTERPRISE", "SOCIAL"]  # the PUT has answered
    expect(page.locator("#window-3 .w-categories")).to_have_text("社会事务、企业服务")
    expect(imbalance).to_have_count(0)  # the condition is gone: the alert cleared, live
    assert still_loaded(page)


def test_acknowledging_is_an_event_and_help_requests_are_alerts(server, hall, client_for, page):
    open_live(page, server.base_url)
    help_request = client_for("kiosk").request_help("不会操作取号机", "1号自助取号机")
    help_alert = page.locator('#alerts li[data-kind="HELP_REQUESTED"]')
    expect(help_alert.locator(".a-title")).to_contain_text("求助")
    expect(help_alert.locator(".a-detail")).to_contain_text("不会操作取号机")
    expect(page.locator("#alerts-count")).to_have_text("1 条待确认 / 共 1 条")

    help_alert.locator(".a-ack").click()
    expect(page.locator("#ack-dialog")).to_be_visible()
    page.fill("#ack-note", "已派引导员前往")
    page.click("#ack-confirm")
    expect(help_alert.locator(".a-ack-info")).to_contain_text("员工manager 已于")
    expect(help_alert.locator(".a-ack-info")).to_contain_text("确认：已派引导员前往")
    expect(help_alert.locator(".a-ack")).to_be_hidden()
    [alert] = [a for a in client_for("manager").alerts(open_only=True) if a.help_id == help_request.id]
    assert (alert.acknowledged_by, alert.acknowledge_note) == ("员工manager", "已派引导员前往")

    # Another manager acknowledges elsewhere: this page learns it from the hall.alert.acknowledged event.
    second = client_for("kiosk").request_help("打印机卡纸", "2号自助取号机")
    other = page.locator('#alerts li[data-kind="HELP_REQUESTED"]:has-text("打印机卡纸")')
    expect(other.locator(".a-ack")).to_be_visible()
    admin = client_for("admin")
    [alert] = [a for a in admin.alerts(open_only=True) if a.help_id == second.id]
    admin.acknowledge_alert(alert.id, "已处理")
    expect(other.locator(".a-ack-info")).to_contain_text("员工admin 已于")
    expect(page.locator("#alerts-count")).to_have_text("0 条待确认 / 共 2 条")

    client_for("clerk1").resolve_help(help_request.id, "已解决")  # resolved: the alert clears, live
    expect(help_alert.filter(has_text="不会操作取号机")).to_have_count(0)
    assert still_loaded(page)


def test_a_busy_hall_with_alerts(server, hall, client_for, clock, page, tmp_path):
    client_for("manager").save_threshold(HALL_SCOPE, ThresholdIn(max_wait_seconds=1800))
    busy_morning(client_for, clock)
    client_for("manager").post_notice("今日下午 3 点起暂停办理社保业务，请提前取号")
    open_live(page, server.base_url)
    expect(page.locator('#alerts li[data-kind="IMBALANCE"]').first).to_be_visible()
    expect(page.locator("#hourly-chart-image")).to_be_visible()
    expect(page.locator("#kpi-issued")).to_have_text("15")  # the day's totals have come too
    screenshot(page, "manage-live.png", tmp_path)
    for width, height in ((1920, 1080), (1366, 768)):
        page.set_viewport_size({"width": width, "height": height})
        overflow = page.evaluate("document.body.scrollWidth - document.documentElement.clientWidth")
        assert overflow == 0, f"{width}×{height}: the page scrolls sideways by {overflow}px"
    screenshot(page, "manage-live-1366.png", tmp_path)
    assert still_loaded(page)


def test_thresholds_are_edited_on_the_page(server, hall, client_for, page):
    open_live(page, server.base_url)
    page.click("#thresholds-section summary")
    page.fill("#threshold-hall-max_wait_seconds", "20")
    page.fill("#threshold-hall-max_waiting", "30")
    page.click("#threshold-hall-save")
    expect(page.locator("#toast")).to_have_text("告警标准已保存")
    [hall_limits] = [t for t in client_for("manager").thresholds() if t.scope == HALL_SCOPE]
    assert (hall_limits.max_wait_seconds, hall_limits.max_waiting, hall_limits.max_service_seconds) == (
        1200,
        30,
        None,
    )
    page.fill("#threshold-SOCIAL-max_wait_seconds", "0")  # under the contract's minute: refused, said
    page.click("#threshold-SOCIAL-save")
    expect(page.locator("#toast")).not_to_have_text("告警标准已保存")
    assert still_loaded(page)
