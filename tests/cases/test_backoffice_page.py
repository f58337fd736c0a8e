"""The back office page (/backoffice) in real Debian Chromium against the real server: sign in as the
department's back-office member, the queue with red and yellow marks, a case with its masked form, the steps
承办 → 审核 → 批准, a special procedure started and ended, and the conclusion refused for a bad certificate
identifier, then accepted."""

# ruff: noqa: F811 (the fixtures `back` and `page` are imported, then taken as arguments)
from __future__ import annotations

from datetime import date
from pathlib import Path

from playwright.sync_api import Page, expect

from hall_server.cases import service
from tests.cases.test_backoffice import CERT_ID, _accepted, _at
from tests.factories import PASSWORD, citizen_id
from tests.manage.conftest import page  # noqa: F401 (fixture)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _sign_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/backoffice")
    expect(page.locator("#login")).to_be_visible()
    page.fill("#login-name", "backoffice")
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    expect(page.locator("#app")).to_be_visible()


def _step(page: Page, title: str, opinion: str) -> None:
    expect(page.locator("#step-title")).to_have_text(title)
    page.fill("#step-opinion", opinion)
    page.click("#step-pass")
    expect(page.locator("#step-opinion")).to_have_value("")  # cleared once the answer is shown


def test_queue_case_steps_special_procedure_and_conclusion(server, hall, client_for, back, clock, page):
    _at(clock, date(2026, 11, 25), server, hall, client_for)
    overdue = _accepted(client_for, hall)
    _at(clock, date(2026, 11, 27), server, hall, client_for)
    _accepted(client_for, hall, citizen_id("34010419850612402"))
    _at(clock, date(2026, 12, 3), server, hall, client_for)  # the first overdue, the second due tomorrow

    _sign_in(page, server.base_url)
    rows = page.locator("#queue-rows tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#queue-total")).to_have_text("共 2 件")
    expect(rows.nth(0).locator(".mark")).to_have_text("红牌")
    expect(rows.nth(0)).to_contain_text("超期 1 个工作日")
    expect(rows.nth(1).locator(".mark")).to_have_text("黄牌")
    page.select_option("#filter-warning", "RED")
    expect(rows).to_have_count(1)
    page.select_option("#filter-warning", "")
    expect(rows).to_have_count(2)

    rows.nth(0).click()
    expect(page.locator("#detail-title")).to_contain_text("内地居民结婚登记")
    expect(page.locator("#detail-form")).to_contain_text("张*三")
    expect(page.locator("#detail-materials")).to_contain_text("申请表：已收取")
    _step(page, "承办环节", "材料齐全，符合法定条件")
    expect(page.locator("#detail-trace")).to_contain_text("承办 · 通过 · 同意 · 员工backoffice")
    _step(page, "审核环节", "同意")

    page.select_option("#special-kind", "VERIFICATION")
    page.fill("#special-reason", "需现场核查婚姻登记档案")
    page.click("#special-start")
    expect(page.locator("#toast")).to_have_text("特别程序已启动，暂停计时")
    expect(page.locator("#special-end-form")).to_be_visible()
    expect(page.locator("#step-form")).to_be_hidden()
    expect(page.locator("#detail-trace")).to_contain_text("特别程序：现场核查（进行中，暂停计时）")
    page.fill("#special-result", "核查无误")
    page.click("#special-end")
    expect(page.locator("#toast")).to_have_text("特别程序已结束，恢复计时")
    expect(page.locator("#detail-trace")).to_contain_text("特别程序：现场核查（已结束，0 个工作日不计时）")
    _step(page, "批准环节", "准予登记")
    expect(page.locator("#step-form")).to_be_hidden()

    page.fill("#cert-name", "结婚证")
    page.fill("#cert-number", "J341122-2026-000001")
    page.fill("#cert-identifier", CERT_ID[:-1] + "V")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.click("#conclude-submit")
    expect(page.locator("#conclude-error")).to_have_text("电子证照标识的校验位不正确")
    page.screenshot(path=str(SCREENSHOTS / "backoffice.png"), full_page=True)
    page.fill("#cert-identifier", CERT_ID)
    page.click("#conclude-submit")
    expect(page.locator("#detail-conclusion")).to_have_text("已办结：结婚证 J341122-2026-000001")
    expect(page.locator("#actions")).to_be_hidden()
    expect(rows).to_have_count(1)
    status = server.state.uow.read(lambda ctx: service.get_case(ctx, overdue).status)
    assert status == "CONCLUDED_APPROVED"
