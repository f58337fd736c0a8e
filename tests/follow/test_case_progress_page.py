"""The case progress page (/c/{case number}, the 受理回执's QR) in Debian's Chromium against the real server:
the query password from the receipt opens the case's state in the contract's words (R3); a wrong password
is said plainly; five wrong lock the number (the kiosk's throttle); a mailed case shows its waybill; a
一件事's joint number shows the overall state and each member matter's own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from hall_server.cases.results import ADDRESS_TRIES
from hall_server.client import ApiError
from hall_server.contract.cases import (
    STATUS_NAMES,
    CaseQueryIn,
    CaseStatus,
    Delivery,
    MailIn,
    MaterialsIn,
    ResultReadyIn,
)
from hall_server.contract.joint import JointCaseOpenIn, JointMatterIn
from tests.cases.helpers import concluded_case, instant_matter
from tests.factories import YOUNG_ID, person

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def phone(browser: Any) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    yield opened
    context.close()
    assert errors == []


def _wrong(password: str) -> str:
    return f"{(int(password) + 1) % 10**6:06d}"


def _ask(phone: Page, password: str) -> None:
    phone.fill("#password", password)
    phone.click("#submit")


def test_the_receipt_password_opens_the_case_and_a_wrong_one_is_said(server, client_for, phone):
    clerk = client_for("clerk1")
    accepted = concluded_case(clerk, instant_matter(server.state.uow))
    number = accepted.case.local_case_no
    assert number is not None
    phone.goto(f"{server.base_url}/c/{number}")
    expect(phone.locator("#case-no")).to_have_text(number)
    _ask(phone, _wrong(accepted.query_password))
    expect(phone.locator("#error")).to_have_text("办件编号或查询密码不正确")
    expect(phone.locator("#result")).to_be_hidden()
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SHOTS / "case-progress-wrong.png"), full_page=True)
    _ask(phone, accepted.query_password)
    expect(phone.locator("#status")).to_have_text(STATUS_NAMES[CaseStatus.CONCLUDED_APPROVED])
    expect(phone.locator("#matter")).to_have_text("婚姻登记记录证明")
    expect(phone.locator("#result")).to_have_attribute("data-status", "CONCLUDED_APPROVED")
    expect(phone.locator("#delivery")).to_have_text("尚未出件")
    content = phone.content()
    assert YOUNG_ID not in content and "张小三" not in content
    # the password was right: the wrong one before it no longer counts towards the lock
    phone.click("#again")
    for _ in range(4):
        _ask(phone, _wrong(accepted.query_password))
        expect(phone.locator("#error")).to_have_text("办件编号或查询密码不正确")
    _ask(phone, accepted.query_password)
    expect(phone.locator("#result")).to_be_visible()


def test_five_wrong_passwords_lock_the_number_and_an_unknown_number_answers_alike(server, client_for, phone):
    clerk = client_for("clerk1")
    accepted = concluded_case(clerk, instant_matter(server.state.uow))
    number = accepted.case.local_case_no
    phone.goto(f"{server.base_url}/c/{number}")
    for _ in range(5):
        _ask(phone, _wrong(accepted.query_password))
        expect(phone.locator("#error")).to_have_text("办件编号或查询密码不正确")
    _ask(phone, accepted.query_password)  # even the right one: the number is locked
    expect(phone.locator("#error")).to_contain_text("查询密码错误次数过多，请1")
    expect(phone.locator("#ask")).to_have_attribute("data-code", "CASE_QUERY_LOCKED")
    expect(phone.locator("#result")).to_be_hidden()
    # the kiosk's query shares the lock (one throttle)
    kiosk = client_for("kiosk")
    with pytest.raises(ApiError) as locked:
        kiosk.query_case(CaseQueryIn(local_case_no=number or "", query_password=accepted.query_password))
    assert (locked.value.status, locked.value.code) == (429, "CASE_QUERY_LOCKED")
    # an unknown number (of this hall, or of no hall) answers exactly like a wrong password
    unknown = f"{number[:-6]}999999" if number else ""
    for missing in (unknown, "NOHALL-20261206-000001"):
        answer = httpx.post(
            f"{server.base_url}/api/v1/public/case-query",
            json={"local_case_no": missing, "query_password": "123456"},
        )
        assert (answer.status_code, answer.json()["code"]) == (404, "CASE_QUERY_FAILED")
        assert answer.json()["message"] == "办件编号或查询密码不正确"
    page = httpx.get(f"{server.base_url}/c/{unknown}")
    assert page.status_code == 200 and "查询密码" in page.text


def test_a_mailed_case_shows_its_waybill(server, client_for, phone):
    clerk = client_for("clerk1")
    accepted = concluded_case(clerk, instant_matter(server.state.uow))
    case = accepted.case
    clerk.result_ready(case.id, ResultReadyIn(delivery=Delivery.MAIL))
    clerk.mail_result(
        case.id,
        MailIn(
            carrier="中国邮政EMS",
            waybill_no="EA123456789CN",
            sent_on=server.state.clock.today(),
            receiver_name="张小三",
            receiver_phone="13812345678",
        ),
    )
    phone.goto(f"{server.base_url}/c/{case.local_case_no}")
    _ask(phone, accepted.query_password)
    expect(phone.locator("#status")).to_have_text(STATUS_NAMES[CaseStatus.MAILED])
    expect(phone.locator("#delivery")).to_have_text("快递寄送")
    expect(phone.locator("#waybill")).to_have_text("中国邮政EMS EA123456789CN")
    content = phone.content()
    assert "张小三" not in content and "13812345678" not in content and YOUNG_ID not in content
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SHOTS / "case-progress-mailed.png"), full_page=True)
    wide = phone.context.browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")  # type: ignore[union-attr]
    wide.goto(f"{server.base_url}/c/{case.local_case_no}")
    wide.fill("#password", accepted.query_password)
    wide.click("#submit")
    expect(wide.locator("#waybill")).to_be_visible()
    box = wide.locator("main").bounding_box()
    assert box is not None and box["width"] <= 560
    wide.close()


def test_wrong_queries_from_one_address_across_numbers_lock_the_address(server, client_for):
    """Guessing across case numbers: ADDRESS_TRIES wrong from one client address lock it (per number, each
    guess is only the first)."""
    clerk = client_for("clerk1")
    accepted = concluded_case(clerk, instant_matter(server.state.uow))
    number = accepted.case.local_case_no or ""
    url = f"{server.base_url}/api/v1/public/case-query"
    with httpx.Client() as http:
        for seq in range(ADDRESS_TRIES):
            guess = {"local_case_no": f"{number[:-6]}{900000 + seq}", "query_password": "123456"}
            assert http.post(url, json=guess).status_code == 404
        right = {"local_case_no": number, "query_password": accepted.query_password}
        locked = http.post(url, json=right)
    assert (locked.status_code, locked.json()["code"]) == (429, "CASE_QUERY_LOCKED")
    assert "Retry-After" in locked.headers
    # the kiosk (a device, not this address) still finds the case
    seen = client_for("kiosk").query_case(CaseQueryIn(**right))
    assert seen.status is CaseStatus.CONCLUDED_APPROVED


def test_a_joint_number_shows_the_overall_state_and_each_member(server, hall, client_for, phone):
    """一件事: the joint number and its one password; the overall state above, each member's below."""
    clerk = client_for("clerk1")
    instant = instant_matter(server.state.uow)
    members = [instant, hall.matters["marriage"]]
    client_for("admin").save_joint_matter("MIXED", JointMatterIn(name="混合一件事", member_ids=members))
    joint = clerk.open_joint_case(JointCaseOpenIn(joint_code="MIXED", applicant=person(YOUNG_ID)))
    form = next(m.material_ids[0] for m in joint.materials if m.name == "申请表")
    clerk.receive_joint_materials(joint.id, MaterialsIn(received=[form]))
    accepted = clerk.accept_joint_case(joint.id)
    number = accepted.case.local_case_no
    phone.goto(f"{server.base_url}/c/{number}")
    _ask(phone, accepted.query_password)
    expect(phone.locator("#matter")).to_have_text("混合一件事")
    expect(phone.locator("#status")).to_have_text(STATUS_NAMES[CaseStatus.ACCEPTED])
    expect(phone.locator("#members-box")).to_be_visible()
    rows = phone.locator("#members li")
    expect(rows).to_have_count(2)
    names = [child.matter_name for child in accepted.case.children]
    expect(rows.locator(".member-name")).to_have_text(names)
    expect(rows.locator(".member-state")).to_have_text(["已办结", "已受理"])
    expect(rows.nth(0)).to_have_attribute("data-status", "CONCLUDED_APPROVED")
    assert YOUNG_ID not in phone.content()
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SHOTS / "case-progress-joint.png"), full_page=True)
    # a single case's answer has no members: the list stays hidden
    single = concluded_case(clerk, instant)
    phone.goto(f"{server.base_url}/c/{single.case.local_case_no}")
    _ask(phone, single.query_password)
    expect(phone.locator("#status")).to_have_text(STATUS_NAMES[CaseStatus.CONCLUDED_APPROVED])
    expect(phone.locator("#members-box")).to_be_hidden()
