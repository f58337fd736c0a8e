"""The follow page in a real browser on a phone-sized screen (390×844, touch) against a real server:
live updates without reload, reminders once per moment, the friendly 404, and reconnecting."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import start_server
from tests.follow.conftest import issue_social, serve_next

# Records what the page asks of the phone (the browser's own vibrate/Notification still decide nothing here).
RECORD_REMINDERS = """
window.__vibrations = [];
window.__notes = [];
navigator.vibrate = (pattern) => { window.__vibrations.push(pattern); return true; };
const RealNotification = window.Notification;
window.Notification = class {
  constructor(title, options) { window.__notes.push(options.body); }
  static get permission() { return RealNotification.permission; }
  static requestPermission() { return RealNotification.requestPermission(); }
};
"""


@pytest.fixture
def phone(browser: Any) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    context.add_init_script(RECORD_REMINDERS)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    yield opened
    context.close()
    assert errors == [], errors


def open_follow_page(phone: Page, base_url: str, code: str) -> None:
    phone.goto(f"{base_url}/f/{code}")
    expect(phone.locator("#state")).not_to_have_text("正在读取…")
    phone.evaluate("window.__loaded = true")  # gone if the page ever reloaded


def test_people_ahead_updates_live_and_reminders_come_once(server, client_for, phone, database_url, tmp_path):
    kiosk, clerk = client_for("kiosk"), client_for("clerk1")
    tickets = issue_social(kiosk, 4)
    followed = tickets[3]
    clerk.window_op(1, "open")
    phone.context.grant_permissions(["notifications"])
    open_follow_page(phone, server.base_url, followed.follow_code)

    expect(phone.locator("#number")).to_have_text(followed.number)
    expect(phone.locator("#matter")).to_have_text("社会事务")
    expect(phone.locator("#state")).to_have_text("等候中")
    expect(phone.locator("#ahead")).to_have_text("3")
    expect(phone.locator("#explanation")).not_to_be_empty()
    expect(phone.locator("#banner")).to_be_hidden()
    expect(phone.locator("#remind")).to_be_hidden()  # permission already granted: nothing to ask
    if "sqlite" in database_url:
        shoot(phone, "follow-waiting.png", tmp_path)

    serve_next(clerk, 1)  # ahead 3 → 2: third in line
    expect(phone.locator("#ahead")).to_have_text("2")
    expect(phone.locator("#banner")).to_be_visible()
    expect(phone.locator("#banner-text")).to_contain_text("前面还有 2 人")
    phone.click("#banner-close")
    expect(phone.locator("#banner")).to_be_hidden()

    serve_next(clerk, 1)
    expect(phone.locator("#ahead")).to_have_text("1")
    expect(phone.locator("#banner")).to_be_hidden()  # not repeated on later updates
    serve_next(clerk, 1)
    expect(phone.locator("#ahead")).to_have_text("0")
    serve_next(clerk, 1)
    expect(phone.locator("#state")).to_have_text("请到 1 号窗口")
    expect(phone.locator("#queue")).to_be_hidden()
    expect(phone.locator("#banner")).to_be_visible()
    expect(phone.locator("#banner-text")).to_contain_text("请到 1 号窗口办理")
    if "sqlite" in database_url:
        shoot(phone, "follow-called.png", tmp_path)
    clerk.window_op(1, "recall")
    clerk.window_op(1, "start")
    expect(phone.locator("#state")).to_have_text("办理中（1 号窗口）")

    assert phone.evaluate("window.__loaded") is True
    assert len(phone.evaluate("window.__vibrations")) == 2
    notes = phone.evaluate("window.__notes")
    assert len(notes) == 2 and "前面还有 2 人" in notes[0] and "1 号窗口" in notes[1]


def test_reminders_ask_permission_only_on_a_tap(server, client_for, phone):
    followed = issue_social(client_for("kiosk"), 1)[0]
    open_follow_page(phone, server.base_url, followed.follow_code)
    expect(phone.locator("#remind-button")).to_be_visible()
    assert phone.evaluate("Notification.permission") == "default"  # nothing was asked on load


def test_a_bad_code_shows_the_friendly_page(server, phone):
    response = phone.goto(f"{server.base_url}/f/NoSuchCode123")
    assert response is not None and response.status == 404
    expect(phone.locator(".state")).to_have_text("没有找到该号票")
    expect(phone.locator("body")).to_contain_text("当天有效")


def test_the_page_reconnects_after_a_restart_and_catches_up(server, hall, settings, clock, phone):
    from hall_server.client import HallClient

    with HallClient(server.base_url, hall.tokens["kiosk"]) as kiosk:
        followed = issue_social(kiosk, 3)[2]
    with HallClient(server.base_url, hall.tokens["clerk1"]) as clerk:
        clerk.window_op(1, "open")
    open_follow_page(phone, server.base_url, followed.follow_code)
    expect(phone.locator("#ahead")).to_have_text("2")
    expect(phone.locator("#offline")).to_be_hidden()

    port = int(server.base_url.rsplit(":", 1)[1])
    server.stop()
    expect(phone.locator("#offline")).to_be_visible()
    expect(phone.locator("#offline")).to_have_text("连接中断，正在重连…")
    back = start_server(settings, clock, port=port)
    try:
        with HallClient(back.base_url, hall.tokens["clerk1"]) as clerk:
            serve_next(clerk, 1)
        expect(phone.locator("#offline")).to_be_hidden(timeout=20000)
        expect(phone.locator("#ahead")).to_have_text("1", timeout=20000)
        assert phone.evaluate("window.__loaded") is True
    finally:
        back.stop()


def shoot(phone: Page, name: str, tmp_path: Path) -> None:
    """Into YIMEN_SCREENSHOTS (docs/screenshots when making the docs), else the test's own folder."""
    folder = Path(os.environ.get("YIMEN_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(folder / name), full_page=False)
