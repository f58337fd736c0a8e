"""The sync panel of the managers' dashboard, live in Debian's Chromium: a real hall server delivering to the
reference receiver (`yimen platform serve`'s app in a thread). The page is never reloaded in these tests:
`window.__loaded` would be gone if it were."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from hall_server.client import HallClient
from hall_server.contract.events import AggregateType, EventType
from hall_server.contract.queue import IssueTicketRequest
from hall_server.events.service import record
from hall_server.sync.models import Delivery
from tests.conftest import free_port, make_settings, start_server
from tests.factories import seed_hall
from tests.manage.conftest import REFRESH_SECONDS, sign_in
from tests.platform.helpers import APPS, PROTECT_KEY, settings_for, start_platform
from tests.sync.foreign import ForeignReceiver
from tests.sync.processes import wait_for

SECRET_ENV = "YIMEN_TEST_HALL_SECRET"


@pytest.fixture
def hall_settings(database_url, tmp_path, monkeypatch):
    """Settings with one hall-sync-rest target, and the port where its receiver will be (when started)."""
    monkeypatch.setenv(SECRET_ENV, APPS["HALL-A"].decode())
    port = free_port()
    target = {
        "name": "province",
        "kind": "hall-sync-rest",
        "url": f"http://127.0.0.1:{port}",
        "app_id": "HALL-A",
        "secret_env": SECRET_ENV,
        "timeout_seconds": 2.0,
    }

    def make(**overrides):
        return make_settings(
            database_url,
            tmp_path,
            manage_refresh_seconds=REFRESH_SECONDS,
            sync_targets=[target],
            sync_idle_seconds=0.1,
            sync_backoff_base_seconds=0.05,
            sync_backoff_cap_seconds=0.2,
            sync_lag_warn_seconds=300.0,
            **overrides,
        )

    return make, port


def open_panel(page: Page, base_url: str) -> None:
    sign_in(page, base_url)
    expect(page.locator("#app")).to_be_visible()
    page.evaluate("window.__loaded = true")


def card(page: Page):
    return page.locator('.target[data-target="province"]')


def screenshot(page: Page, name: str, tmp_path: Path) -> None:
    """Into YIMEN_SCREENSHOTS (docs/screenshots when making the docs), else the test's own folder."""
    path = Path(os.environ.get("YIMEN_SCREENSHOTS", tmp_path)) / name  # name may be in a subfolder
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path)
    assert path.stat().st_size > 10_000


def sync_screenshot(page: Page, name: str, tmp_path: Path) -> None:
    """The sync panel at the top of the picture (it is at the bottom of the dashboard)."""
    page.evaluate("document.getElementById('sync-panel').scrollIntoView()")
    screenshot(page, name, tmp_path)


def test_backlog_lag_and_the_reason_update_live_until_the_platform_is_back(
    hall_settings, clock, page, tmp_path
):
    make, port = hall_settings
    settings = make()
    server = start_server(settings, clock)
    platform = None
    try:
        hall = seed_hall(server.state.uow)
        open_panel(page, server.base_url)
        expect(card(page).locator(".badge")).to_have_text("正常")

        with HallClient(server.base_url, hall.tokens["kiosk"]) as kiosk:
            kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
        # the first delivery attempt fails (nothing listens); on a loaded machine it may take a while
        expect(card(page).locator(".t-backlog")).to_have_text("1", timeout=20_000)
        expect(card(page).locator(".badge")).to_have_text("重试中")  # nothing listens on the target's port
        expect(card(page).locator(".t-why")).to_contain_text("已尝试")
        expect(card(page).locator(".t-why")).to_contain_text("无法连接平台（ConnectError")
        expect(card(page).locator(".t-why")).to_contain_text("下次重试")

        clock.advance(seconds=400)  # the platform has been unreachable for 6 min 40 s
        expect(card(page).locator(".t-lag")).to_have_text("6 分 40 秒")
        expect(card(page).locator(".badge")).to_have_text("积压")
        expect(card(page)).to_have_class("target bad")
        sync_screenshot(page, "manage-sync-backlog.png", tmp_path)

        platform = start_platform(settings_for(f"sqlite:///{tmp_path}/platform.db"), port=port)
        clock.advance(seconds=1)  # past the next retry
        server.state.worker.wake()
        expect(card(page).locator(".t-backlog")).to_have_text("0", timeout=20_000)
        expect(card(page).locator(".badge")).to_have_text("正常")
        expect(card(page).locator(".t-lag")).to_have_text("无")
        expect(card(page).locator(".t-delivered")).not_to_have_text("0")
        expect(card(page).locator(".t-last")).to_contain_text("最近送达 11/25 09:06:41")

        card(page).locator("button.reconcile").click()  # on demand, for the hall's today
        expect(page.locator("#toast")).to_have_text("对账完成：2026-11-25：本地 1 条，平台 1 条，一致")
        expect(card(page).locator(".t-reconciled")).to_have_text(
            "对账 2026-11-25：本地 1 条，平台 1 条，一致"
        )
        sync_screenshot(page, "manage-sync.png", tmp_path)  # in sync again, reconciled
        assert page.evaluate("window.__loaded") is True
    finally:
        if platform is not None:
            platform.stop()
        server.stop()


def test_a_refused_event_is_listed_and_replayed_from_the_page(hall_settings, clock, page, tmp_path):
    make, port = hall_settings
    settings = make(sync_protect_key=PROTECT_KEY.hex(), sync_protect_kid="k2")  # k2: unknown to the platform
    platform_db = f"sqlite:///{tmp_path}/platform.db"
    platform = start_platform(settings_for(platform_db), port=port)
    server = start_server(settings, clock)
    try:
        seed_hall(server.state.uow)
        uow = server.state.uow
        refused = uow.run(
            lambda ctx: (
                record(
                    ctx,
                    EventType.APPOINTMENT_BOOKED,
                    AggregateType.APPOINTMENT,
                    "A-77",
                    {"note": "booked"},
                    personal={"id_no": "11010519491231002X", "name": "张小三"},
                ).event_id
            )
        )
        uow.run(
            lambda ctx: record(
                ctx, EventType.APPOINTMENT_CANCELLED, AggregateType.APPOINTMENT, "A-77", {"by": "CITIZEN"}
            )
        )
        open_panel(page, server.base_url)
        row = page.locator(f'#dead-rows tr[data-event-id="{refused}"]')
        expect(row).to_be_visible(timeout=20_000)
        expect(row).to_contain_text("PROTECTED_KID_UNKNOWN")
        expect(row).to_contain_text("预约 appointment.booked")
        expect(row).to_contain_text("appointment:A-77")
        expect(row).to_contain_text("341122-ZWFW-01")  # 来源大厅
        expect(page.locator("#dead-total")).to_have_text("共 1 条")
        expect(card(page).locator(".badge")).to_have_text("有拒收")
        expect(card(page).locator(".t-dead")).to_have_text("1")
        expect(card(page).locator(".t-backlog")).to_have_text("1")  # the cancellation waits behind it
        expect(card(page).locator(".t-why")).to_contain_text("排在拒收事件之后")
        sync_screenshot(page, "manage-sync-dead-letter.png", tmp_path)

        platform.stop()  # the province installs key k2
        platform = start_platform(settings_for(platform_db, protect_keys={"k2": PROTECT_KEY}), port=port)
        row.locator("button.replay").click()
        expect(page.locator("#toast")).to_have_text("已重新排队 1 条事件，等待发送")
        expect(page.locator("#dead-section")).to_be_hidden(timeout=20_000)
        expect(card(page).locator(".t-backlog")).to_have_text("0", timeout=20_000)
        expect(card(page).locator(".badge")).to_have_text("正常")
        with server.state.factory() as session:
            assert session.get(Delivery, (refused, "province")).status == "DONE"
        assert page.evaluate("window.__loaded") is True
    finally:
        platform.stop()
        server.stop()


def test_a_backlog_nobody_sends_points_at_the_worker(hall_settings, clock, page):
    settings = hall_settings[0](sync_in_server=False)  # as if `yimen sync` should run but does not
    server = start_server(settings, clock)
    try:
        hall = seed_hall(server.state.uow)
        open_panel(page, server.base_url)
        with HallClient(server.base_url, hall.tokens["kiosk"]) as kiosk:
            kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
        expect(card(page).locator(".t-backlog")).to_have_text("1")
        expect(card(page).locator(".t-why")).to_be_hidden()
        clock.advance(seconds=90)
        expect(card(page).locator(".t-why")).to_have_text(
            "最早一条尚未开始发送，请确认同步进程（yimen server 或 yimen sync）在运行"
        )
        card(page).locator("button.reconcile").click()  # nothing listens on the target's port
        expect(page.locator("#toast")).to_have_text("无法连接省级平台，请稍后再试")
    finally:
        server.stop()


def test_the_page_keeps_the_last_state_while_the_server_is_away(hall_settings, clock, page, tmp_path):
    settings = hall_settings[0]()
    server = start_server(settings, clock)
    hall = seed_hall(server.state.uow)
    open_panel(page, server.base_url)
    with HallClient(server.base_url, hall.tokens["kiosk"]) as kiosk:
        kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    expect(card(page).locator(".t-backlog")).to_have_text("1")
    port = int(server.base_url.rsplit(":", 1)[1])
    server.stop()

    expect(page.locator("#offline")).to_contain_text("与大厅服务器的连接中断，正在重试，显示的是")
    expect(card(page).locator(".t-backlog")).to_have_text("1")  # the last state stays on screen
    assert "stale" in page.evaluate("document.body.className")

    with HallClient(f"http://127.0.0.1:{port}", hall.tokens["kiosk"]) as kiosk:
        back = start_server(settings, clock, port=port)
        try:
            kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
            expect(page.locator("#offline")).to_be_hidden(timeout=10_000)
            expect(card(page).locator(".t-backlog")).to_have_text("2")
            wait_for(lambda: "stale" not in page.evaluate("document.body.className"), 5, "fresh data")
            assert page.evaluate("window.__loaded") is True
        finally:
            back.stop()


@pytest.mark.parametrize(
    ("dialect", "badge", "why"),
    [
        (
            "gateway_page",
            "重试中",
            "平台应答无法识别，请核对平台接口是否为 hall-sync/1（unreadable answer: HTTP 302",
        ),
        (
            "unauthorised",
            "签名被拒",
            "平台拒绝了本大厅的签名，请核对应用编号、密钥和本机时间（HTTP 401: SIGN_ERROR",
        ),
    ],
)
def test_a_receiver_that_answers_in_ways_we_cannot_use_is_explained(
    database_url, tmp_path, clock, page, monkeypatch, dialect, badge, why
):
    receiver = ForeignReceiver(dialect).start()
    monkeypatch.setenv(SECRET_ENV, "any")
    target = {"name": "province", "kind": "hall-sync-rest", "url": receiver.url, "app_id": "HALL-A",
              "secret_env": SECRET_ENV}  # fmt: skip
    settings = make_settings(
        database_url,
        tmp_path,
        manage_refresh_seconds=REFRESH_SECONDS,
        sync_targets=[target],
        sync_idle_seconds=0.1,
        sync_unreadable_limit=50,
    )
    server = start_server(settings, clock)
    try:
        hall = seed_hall(server.state.uow)
        open_panel(page, server.base_url)
        with HallClient(server.base_url, hall.tokens["kiosk"]) as kiosk:
            kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
        expect(card(page).locator(".t-why")).to_contain_text(why)
        expect(card(page).locator(".badge")).to_have_text(badge)
        assert page.evaluate("window.__loaded") is True
        sync_screenshot(page, f"manage-sync-{dialect.replace('_', '-')}.png", tmp_path)
    finally:
        server.stop()
        receiver.stop()
