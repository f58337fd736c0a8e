"""The live hall on the managers' dashboard, in Debian's Chromium against a real hall server: the page follows
/ws (snapshot + events) and updates in place. `window.__loaded` is set once; it would be gone after a reload,
so every check below also proves the page was never reloaded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from hall_server.client import HallClient
from hall_server.contract.queue import IssueTicketRequest, PauseReason, PauseRequest, WindowIn
from tests.conftest import RunningServer, start_server
from tests.factories import seed_hall
from tests.manage.conftest import sign_in


def open_live(page: Page, base_url: str) -> None:
    sign_in(page, base_url)
    expect(page.locator("#live-status")).to_have_attribute("data-state", "up")
    page.evaluate("window.__loaded = true")


def still_loaded(page: Page) -> bool:
    return bool(page.evaluate("window.__loaded === true"))


def test_a_new_ticket_a_call_and_a_pause_show_without_reload(server, hall, client_for, page):
    open_live(page, server.base_url)
    social = page.locator('#category-rows tr[data-code="SOCIAL"]')
    expect(social.locator(".c-waiting")).to_have_text("0")
    expect(page.locator("#window-1")).to_have_attribute("data-state", "CLOSED")

    clerk = client_for("clerk1")
    clerk.window_op(1, "open")
    expect(page.locator("#window-1")).to_have_attribute("data-state", "OPEN")
    expect(page.locator("#window-1 .w-staff")).to_have_text("员工clerk1")
    expect(social.locator(".c-open")).to_have_text("1")

    first = client_for("kiosk").issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    client_for("kiosk").issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    expect(social.locator(".c-waiting")).to_have_text("2")
    expect(page.locator("#kpi-issued")).to_have_text("2")  # the day's totals follow the event
    expect(page.locator("#kpi-waiting")).to_have_text("2")
    expect(page.locator("#kpi-longest")).not_to_have_text("—")  # ticks in the browser from the data

    clerk.call_next(1)
    expect(page.locator("#window-1 .w-ticket")).to_have_text(f"{first.number} 已叫号")
    expect(social.locator(".c-waiting")).to_have_text("1")

    clerk.window_op(1, "start")
    clerk.window_op(1, "complete")
    expect(page.locator("#window-1 .w-ticket")).to_have_text("—")
    expect(page.locator("#kpi-served")).to_have_text("1")
    expect(page.locator("#kpi-avg-wait")).not_to_have_text("—")

    clerk.pause(1, PauseRequest(reason=PauseReason.MEETING))
    expect(page.locator("#window-1")).to_have_attribute("data-state", "PAUSED")
    expect(page.locator("#window-1 .w-state")).to_have_text("暂停·会议")
    expect(page.locator("#kpi-windows")).to_have_text("0 / 1 / 4")
    assert still_loaded(page)


def test_the_manager_opens_closes_and_regroups_windows(server, hall, client_for, page):
    open_live(page, server.base_url)
    page.click("#window-3-open")
    expect(page.locator("#window-3")).to_have_attribute("data-state", "OPEN")
    expect(page.locator("#window-3 .w-staff")).to_have_text("—")  # opened for the hall, no clerk yet
    assert client_for("manager").window(3).staff_name is None
    page.click("#window-3-close")
    expect(page.locator("#window-3")).to_have_attribute("data-state", "CLOSED")

    page.click("#window-4-categories")
    expect(page.locator("#categories-dialog")).to_be_visible()
    expect(page.locator("#category-option-PICKUP")).to_be_checked()
    page.check("#category-option-SOCIAL")
    page.click("#categories-save")
    expect(page.locator("#categories-dialog")).to_be_hidden()
    expect(page.locator("#window-4 .w-categories")).to_have_text("社会事务、综合出件")
    assert sorted(client_for("manager").window(4).category_codes) == ["PICKUP", "SOCIAL"]

    # A window with a competence list (may_serve) offers only those categories.
    admin = client_for("admin")
    admin.save_window(
        WindowIn(
            number=4,
            name="4号窗口",
            category_codes=["PICKUP", "SOCIAL"],
            may_serve_codes=["PICKUP", "SOCIAL"],
        )
    )
    expect(page.locator("#window-4")).to_have_attribute("data-may-serve", "PICKUP,SOCIAL")
    page.click("#window-4-categories")
    expect(page.locator("#categories-hint")).to_contain_text("本窗口可办：综合出件、社会事务")
    expect(page.locator("#category-option-ENTERPRISE")).to_be_disabled()
    expect(page.locator("#category-option-SOCIAL")).to_be_enabled()
    page.click("#categories-cancel")

    page.click("#window-4-categories")  # no category at all is refused on the page
    page.uncheck("#category-option-SOCIAL")
    page.uncheck("#category-option-PICKUP")
    page.click("#categories-save")
    expect(page.locator("#categories-error")).to_have_text("至少选择一个业务类别")
    page.click("#categories-cancel")
    assert still_loaded(page)


def test_end_of_day_after_a_confirmation(server, hall, client_for, page):
    client_for("kiosk").issue_ticket(IssueTicketRequest(category_code="ENTERPRISE"))
    open_live(page, server.base_url)
    expect(page.locator('#category-rows tr[data-code="ENTERPRISE"] .c-waiting')).to_have_text("1")
    page.click("#end-day")
    expect(page.locator("#end-day-dialog")).to_be_visible()
    page.click("#end-day-cancel")
    assert client_for("manager").hall().queue_closed_today is False

    page.click("#end-day")
    page.click("#end-day-confirm")
    expect(page.locator("#toast")).to_have_text("已日终：作废 1 张号票，关闭 0 个窗口")
    expect(page.locator("#day-state")).to_be_visible()
    expect(page.locator('#category-rows tr[data-code="ENTERPRISE"] .c-waiting')).to_have_text("0")
    expect(page.locator("#end-day")).to_be_disabled()
    assert client_for("manager").hall().queue_closed_today is True
    assert still_loaded(page)


@pytest.fixture
def own_server(settings, clock) -> Iterator[list[RunningServer]]:
    """Servers this test starts and restarts; all stopped at the end."""
    running: list[RunningServer] = []
    yield running
    for one in running:
        one.stop()


def test_after_a_server_restart_the_page_reconnects_and_resyncs(settings, clock, own_server, page):
    first = start_server(settings, clock)
    own_server.append(first)
    seeded = seed_hall(first.state.uow)
    port = int(first.base_url.rsplit(":", 1)[1])
    open_live(page, first.base_url)
    social = page.locator('#category-rows tr[data-code="SOCIAL"]')
    expect(social.locator(".c-waiting")).to_have_text("0")

    first.stop()
    expect(page.locator("#live-banner")).to_have_text("连接中断，正在重连…")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "down")

    second = start_server(settings, clock, port=port)
    own_server.append(second)
    with HallClient(second.base_url, seeded.tokens["kiosk"]) as kiosk:
        kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))  # while the page may still be away
    expect(page.locator("#live-status")).to_have_attribute("data-state", "up", timeout=20_000)
    expect(page.locator("#live-banner")).to_be_hidden()
    expect(social.locator(".c-waiting")).to_have_text("1")
    with HallClient(second.base_url, seeded.tokens["kiosk"]) as kiosk:
        kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))  # and live again after it
    expect(social.locator(".c-waiting")).to_have_text("2")
    assert still_loaded(page)


def test_the_notice_line_is_posted_and_followed_live(server, hall, client_for, page):
    open_live(page, server.base_url)
    expect(page.locator("#notice-current")).to_have_text("（无）")
    page.fill("#notice-text", "今日下午 3 点起暂停办理社保业务")
    page.click("#notice-post")
    expect(page.locator("#toast")).to_have_text("通知已发布到大屏")
    expect(page.locator("#notice-current")).to_have_text("今日下午 3 点起暂停办理社保业务")
    assert client_for("manager").hall().notice == "今日下午 3 点起暂停办理社保业务"

    client_for("admin").post_notice("系统维护中")  # another manager's notice arrives as an event
    expect(page.locator("#notice-current")).to_have_text("系统维护中")
    assert still_loaded(page)
