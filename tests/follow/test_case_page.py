"""办件进度 on the follow page in Debian's Chromium against the real server: the cases opened from the
ticket with their status in the contract's words (R3), from conclusion to pickup; no personal data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hall_server.client import ApiError
from hall_server.contract.cases import STATUS_NAMES, CaseOpenIn, CaseStatus, PickupIn, ResultReadyIn
from tests.cases.helpers import instant_matter
from tests.factories import YOUNG_ID, person
from tests.follow.conftest import issue_social


@pytest.fixture
def phone(browser: Any) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    yield opened
    context.close()
    assert errors == []


def test_the_follow_page_shows_the_case_in_the_contract_words(server, client_for, phone):
    clerk = client_for("clerk1")
    matter = instant_matter(server.state.uow)
    ticket = issue_social(client_for("kiosk"), 1)[0]
    phone.goto(f"{server.base_url}/f/{ticket.follow_code}")
    expect(phone.locator("#number")).to_have_text(ticket.number)
    expect(phone.locator("#cases")).to_be_hidden()  # no case yet
    clerk.window_op(1, "open")
    clerk.call_next(1)
    case = clerk.open_case(CaseOpenIn(matter_id=matter, ticket_id=ticket.id, applicant=person()))
    case = clerk.accept_case(case.id).case
    clerk.window_op(1, "complete")
    expect(phone.locator("#state")).to_have_text("已完成")
    item = phone.locator("#case-list li")
    expect(item).to_contain_text(f"{case.local_case_no}：{STATUS_NAMES[CaseStatus.CONCLUDED_APPROVED]}")
    clerk.result_ready(case.id, ResultReadyIn())
    phone.reload()
    expect(item).to_contain_text(STATUS_NAMES[CaseStatus.RESULT_READY])
    clerk.pick_up_result(case.id, PickupIn(card=person()))
    phone.reload()
    expect(item).to_contain_text(STATUS_NAMES[CaseStatus.PICKED_UP])
    expect(item).to_have_attribute("data-status", "PICKED_UP")
    page = phone.content()
    assert YOUNG_ID not in page and "张小三" not in page


def test_the_cases_of_a_code_through_the_client_and_an_unknown_code(server, client_for):
    clerk, kiosk = client_for("clerk1"), client_for("kiosk")
    ticket = issue_social(kiosk, 1)[0]
    clerk.window_op(1, "open")
    clerk.call_next(1)
    assert kiosk.follow_cases(ticket.follow_code) == []
    case = clerk.open_case(
        CaseOpenIn(matter_id=instant_matter(server.state.uow), ticket_id=ticket.id, applicant=person())
    )
    clerk.accept_case(case.id)
    [seen] = kiosk.follow_cases(ticket.follow_code)
    assert (seen.status, seen.status_name) == (CaseStatus.CONCLUDED_APPROVED, "已办结")
    with pytest.raises(ApiError) as unknown:
        kiosk.follow_cases("nope")
    assert unknown.value.status == 404
