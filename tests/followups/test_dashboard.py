"""The managers' dashboard shows 差评整改 near (yellow) or past (red) a deadline, live, in Chromium against a
real hall server whose clock the test moves."""

from __future__ import annotations

from datetime import datetime

from playwright.sync_api import expect

from hall_server.contract.followups import AssignIn
from tests.conftest import SHANGHAI, START
from tests.followups.helpers import bad_review
from tests.manage.test_live_hall import open_live, still_loaded


def test_followup_warnings_appear_live_and_turn_red_after_the_deadline(server, clock, client_for, page):
    open_live(page, server.base_url)  # signed in at 11-25 09:00: every token lasts until 21:00
    expect(page.locator("#followups-none")).to_be_visible()
    clock.set(datetime(2026, 11, 23, 9, tzinfo=SHANGHAI))
    followup = bad_review(client_for)  # Mon 11-23: verify due Tue 11-24, yellow from the start
    item = page.locator(f"#followup-{followup.id}")
    expect(item).to_have_attribute("data-warning", "yellow")
    expect(item.locator(".a-head")).to_have_text("临期 · 1号窗口 员工clerk1 · 待分派")
    expect(item.locator(".a-detail")).to_have_text("核实期限 2026-11-24（评价日 2026-11-23）")
    expect(page.locator("#followups-count")).to_have_text("红色 0 / 黄色 1")
    clock.set(START)  # Wed 11-25: the verify deadline has passed
    client_for("manager").followup_step(followup.id, "assign", AssignIn(department_code="SHEBAO"))
    expect(item).to_have_attribute("data-warning", "red")
    expect(item.locator(".a-head")).to_have_text("已超期 · 1号窗口 员工clerk1 · 待核实")
    expect(page.locator("#followups-count")).to_have_text("红色 1 / 黄色 0")
    expect(page.locator("#followups-none")).to_be_hidden()
    assert still_loaded(page)
