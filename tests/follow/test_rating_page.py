"""评价 and 投诉 on the follow page in Debian's Chromium (a phone-sized page) against the real server: the
rating appears when the service ends, a 差评 asks its reason, the server has it with channel QR; days later
the page still opens for its service; a complaint reaches the managers bound to the ticket."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hall_server.client import HallClient
from hall_server.contract.complaints import ComplaintChannel, ComplaintSubject
from hall_server.contract.evaluation import EvalChannel, Level
from tests.factories import PASSWORD
from tests.follow.conftest import issue_social

SHOTS = Path(os.environ["YIMEN_SCREENSHOTS"]) if os.environ.get("YIMEN_SCREENSHOTS") else None


@pytest.fixture
def phone(browser: Any) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    yield opened
    context.close()
    assert errors == []


def test_the_rating_comes_when_the_service_ends_and_a_bad_one_asks_why(server, client_for, phone):
    clerk, manager = client_for("clerk1"), client_for("manager")
    ticket = issue_social(client_for("kiosk"), 1)[0]
    phone.goto(f"{server.base_url}/f/{ticket.follow_code}")
    expect(phone.locator("#number")).to_have_text(ticket.number)
    expect(phone.locator("#rate")).to_be_hidden()  # nothing to rate while waiting
    clerk.window_op(1, "open")
    clerk.call_next(1)
    clerk.window_op(1, "complete")
    expect(phone.locator("#state")).to_have_text("已完成")
    expect(phone.locator("#rate")).to_be_visible()
    expect(phone.locator("#rate-service")).to_contain_text("1 号窗口")
    phone.click("#rate-levels button[data-level=DISSATISFIED]")
    expect(phone.locator("#rate-reasons")).to_be_visible()
    if SHOTS is not None:
        phone.screenshot(path=str(SHOTS / "follow-rate-reason.png"))
    phone.click("#rate-reasons button[data-reason=等候时间太长]")
    expect(phone.locator("#rate-result")).to_have_text("感谢您的评价！")
    if SHOTS is not None:
        phone.screenshot(path=str(SHOTS / "follow-rated.png"))
    [contact] = manager.ticket_opportunities(ticket.id)
    [evaluation] = contact.evaluations
    assert (evaluation.level, evaluation.channel, evaluation.text) == (
        Level.DISSATISFIED,
        EvalChannel.QR,
        "等候时间太长",
    )


def test_days_later_the_page_opens_for_the_service_and_takes_the_follow_up(server, client_for, phone, clock):
    clerk = client_for("clerk1")
    ticket = issue_social(client_for("kiosk"), 1)[0]
    clerk.window_op(1, "open")
    clerk.call_next(1)
    clerk.window_op(1, "complete")
    opportunity = clerk.window_opportunity(1)
    assert opportunity is not None
    clock.advance(days=3)
    phone.goto(f"{server.base_url}/f/{ticket.follow_code}")
    expect(phone.locator("#number")).to_have_text(ticket.number)
    expect(phone.locator("#state")).to_have_text("已完成")
    phone.click("#rate-levels button[data-level=VERY_SATISFIED]")
    expect(phone.locator("#rate-result")).to_have_text("感谢您的评价！")
    expect(phone.locator("#offline")).to_be_hidden()  # no live queue to follow for an earlier day
    manager = HallClient.login(server.base_url, "manager", PASSWORD)  # a new day: signed in again
    [contact] = manager.ticket_opportunities(ticket.id)
    assert [e.level for e in contact.evaluations] == [Level.VERY_SATISFIED]


def test_a_complaint_from_the_page_reaches_the_managers_with_its_ticket(server, client_for, phone):
    ticket = issue_social(client_for("kiosk"), 1)[0]
    phone.goto(f"{server.base_url}/f/{ticket.follow_code}")
    expect(phone.locator("#number")).to_have_text(ticket.number)
    phone.click("#complain-open")
    phone.select_option("#complain-subject", "EFFICIENCY")
    phone.fill("#complain-text", "排队一个多小时还没叫到号")
    phone.fill("#complain-contact", "138 1234 5678")
    if SHOTS is not None:
        phone.locator("#complain").screenshot(path=str(SHOTS / "follow-complaint.png"))
    phone.click("#complain-send")
    expect(phone.locator("#complain-result")).to_contain_text("已收到您的投诉，我们将在")
    expect(phone.locator("#complain-form")).to_be_hidden()
    [complaint] = client_for("manager").complaints()
    assert (complaint.channel, complaint.subject, complaint.ticket_number) == (
        ComplaintChannel.FOLLOW_PAGE,
        ComplaintSubject.EFFICIENCY,
        ticket.number,
    )
    assert complaint.contact == "138****5678" and complaint.text == "排队一个多小时还没叫到号"
