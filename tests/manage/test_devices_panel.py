"""The 设备 panel of the managers' dashboard, in Debian's Chromium against a real hall server: each device's
version, last report and parts; a fault shows at once; a kiosk that stops reporting turns 失联 (with its
DEVICE_SILENT alert) as the test clock moves on, and comes back with its next report, the page never
reloaded."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from hall_server.client import HallClient
from hall_server.contract.auth import DeviceIn, DeviceKind
from hall_server.contract.devicehealth import HealthReport, PartReport, PartState
from hall_server.core.config import Settings
from tests.conftest import make_settings
from tests.manage.conftest import REFRESH_SECONDS
from tests.manage.test_live_hall import open_live, still_loaded
from tests.manage.test_sync_panel import screenshot


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(
        database_url, tmp_path, manage_refresh_seconds=REFRESH_SECONDS, alert_check_seconds=0.3
    )


def row(page: Page, name: str):
    return page.locator(f'#device-rows tr[data-name="{name}"]')


def part(kind: str, state: PartState = PartState.OK, **fields) -> PartReport:
    return PartReport(kind=kind, url_or_name=f"sim://{kind}", state=state, **fields)


def test_devices_with_versions_faults_and_a_silent_kiosk(server, hall, client_for, clock, page, tmp_path):
    kiosk = client_for("kiosk")
    kiosk.report_health(HealthReport(app_version="1.4.2", devices=[part("reader"), part("printer")]))
    open_live(page, server.base_url)
    kiosk_row = row(page, "kiosk")
    expect(kiosk_row.locator(".d-kind")).to_have_text("自助取号机")
    expect(kiosk_row.locator(".d-version")).to_have_text("1.4.2")
    expect(kiosk_row.locator(".d-state")).to_have_text("正常")
    expect(kiosk_row.locator(".d-parts")).to_have_text("reader 正常printer 正常")
    expect(row(page, "display").locator(".d-state")).to_have_text("未报告")  # registered, never reported

    clock.advance(seconds=200)  # past YIMEN_DEVICE_HEALTH_STALE_SECONDS (180) without a word from the kiosk
    second = client_for("admin").register_device(DeviceIn(kind=DeviceKind.KIOSK, name="kiosk-2"))
    with HallClient(server.base_url, second.token) as kiosk2:
        paper_out = part("printer", PartState.FAULT, code="PAPER_OUT", message="缺纸")
        kiosk2.report_health(HealthReport(app_version="1.4.3", devices=[part("reader"), paper_out]))
    clerk = client_for("clerk1")
    clerk.window_op(1, "open")
    clerk.report_window_health(1, HealthReport(app_version="1.4.3", devices=[part("ledscreen")]))

    expect(kiosk_row.locator(".d-state")).to_have_text("失联")
    expect(kiosk_row).to_have_class("stale")
    faulty = row(page, "kiosk-2")
    expect(faulty.locator(".d-state")).to_have_text("故障 1")
    expect(faulty.locator(".d-parts .bad")).to_have_text("printer 故障（PAPER_OUT 缺纸）")
    expect(row(page, "counter-1").locator(".d-version")).to_have_text("1.4.3")
    expect(page.locator("#devices-count")).to_have_text("失联 1 · 故障 1 / 共 5 台")
    silent = page.locator('#alerts li[data-kind="DEVICE_SILENT"]')
    expect(silent.locator(".a-title")).to_have_text("设备失联：自助取号机 kiosk")
    page.evaluate("document.getElementById('devices-panel').scrollIntoView()")
    screenshot(page, "manage-devices.png", tmp_path)

    kiosk.report_health(HealthReport(app_version="1.4.3", devices=[part("reader"), part("printer")]))
    expect(kiosk_row.locator(".d-state")).to_have_text("正常")
    expect(kiosk_row.locator(".d-version")).to_have_text("1.4.3")
    expect(silent).to_have_count(0)
    assert still_loaded(page)

    # Closing time: the kiosk is switched off in order (its last report says so). 已关机, no alarm overnight,
    # and its paper-out printer is no fault while it is off.
    kiosk.report_health(HealthReport(app_version="1.4.3", devices=[part("reader"), part("printer")]))
    with HallClient(server.base_url, second.token) as kiosk2:
        kiosk2.report_health(
            HealthReport(app_version="1.4.3", devices=[part("reader"), paper_out], signing_off=True)
        )
    expect(faulty.locator(".d-state")).to_have_text("已关机")
    expect(page.locator('#alerts li[data-kind="DEVICE_FAULT"]')).to_have_count(0)
    clock.advance(hours=4)  # the evening, within the manager's sign-in
    expect(kiosk_row.locator(".d-state")).to_have_text("失联")  # the other one was not switched off in order
    expect(faulty.locator(".d-state")).to_have_text("已关机")
    expect(row(page, "counter-1").locator(".d-state")).to_have_text("未在用")  # clerk signed out: no alarm
    expect(page.locator("#devices-count")).to_have_text("失联 1 / 共 5 台")
    expect(silent).to_have_count(1)
    assert still_loaded(page)
