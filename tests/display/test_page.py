"""The big-screen page in Debian's Chromium against a real hall server and a real display service."""

from __future__ import annotations

from playwright.sync_api import expect

from devices.voice import pcm
from tests.display.conftest import screenshot, wait_for


def test_a_call_shows_and_is_spoken(server, hall, client_for, display, screen):
    page = screen()
    page.goto(display.base_url)
    expect(page.locator("#hall-name")).to_have_text("示范县政务服务中心")
    kiosk = client_for("kiosk")
    from hall_server.contract.queue import IssueTicketRequest

    ticket = kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    clerk = client_for("clerk1")
    clerk.window_op(1, "open")
    clerk.call_next(1)
    expect(page.locator("#latest-ticket")).to_have_text(ticket.number)
    expect(page.locator("#latest-window")).to_have_text("1号窗口")
    entries = wait_for(
        lambda: [e for e in display.announcements() if e["outcome"]], what="the announcement"
    )
    assert entries[0]["ticket"] == ticket.number and entries[0]["outcome"] == "spoken"
    assert entries[0]["rms"] > 100
    assert pcm.rms(display.audio.recordings()[0]) > 100
    screenshot(page, "display-1080p")
