"""The 差评整改 view of the managers' dashboard (#/followups), in Debian's Chromium against a real hall
server: the list with its filters and export, the detail, and every step taken from the page's forms; the
server's state is read back through the typed client."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

from playwright.sync_api import Page, WebSocketRoute, expect

from hall_server.contract.followups import AppealIn, AssignIn, VerifyIn, VerifyResult
from tests.conftest import SHANGHAI, START
from tests.followups.helpers import bad_review, followup_events
from tests.manage.test_live_hall import open_live, still_loaded


def open_view(page: Page, base_url: str, name: str) -> None:
    """Signed in, live, then the view's tab (#/followups or #/complaints)."""
    open_live(page, base_url)
    page.click(f"#tab-{name}")
    expect(page.locator(f"#{name}-view")).to_be_visible()
    expect(page.locator("#hall-view")).to_be_hidden()
    expect(page.locator(f"#{name}-total")).to_contain_text("共 ")


def step_titles(page: Page, one: str):
    """The step forms the detail offers, by their titles, in order."""
    return page.locator(f"#{one}-steps summary")


def expect_listed(page: Page, name: str, ids: list[int]) -> None:
    """The list shows exactly these, in this order (waits for the answer to the last filter)."""
    expect(page.locator(f"#{name}-rows tr td:first-child")).to_have_text([str(i) for i in ids])


class HeldFeed:
    """The page's /ws routed through Playwright to the real server: passed on as it comes, or held back (as if
    the events were late on a slow network) and let go later."""

    def __init__(self, page: Page) -> None:
        self.held: list[str | bytes] | None = None
        self.page_side: WebSocketRoute | None = None
        page.route_web_socket(re.compile(r"/ws$"), self._connect)

    def _connect(self, page_side: WebSocketRoute) -> None:
        self.page_side = page_side
        server_side = page_side.connect_to_server()
        server_side.on_message(self._from_server)

    def _from_server(self, message: str | bytes) -> None:
        if self.held is not None:
            self.held.append(message)
        elif self.page_side is not None:
            self.page_side.send(message)

    def hold(self) -> None:
        self.held = []

    def release(self) -> None:
        held, self.held = self.held or [], None
        for message in held:
            assert self.page_side is not None
            self.page_side.send(message)


def test_a_bad_review_is_worked_to_closed_from_the_page(server, client_for, page):
    followup = bad_review(client_for, text="等了很久，态度冷淡，电话13812345678")
    open_view(page, server.base_url, "followups")
    row = page.locator(f"#followup-row-{followup.id}")
    expect(row).to_contain_text("待分派")
    expect(row.locator(".badge")).to_have_text("临期")  # one working day to verify
    row.click()
    expect(page).to_have_url(re.compile(rf"#/followups/{followup.id}$"))
    expect(page.locator("#followup-detail-title")).to_have_text(f"差评整改 {followup.id} · 待分派")
    expect(page.locator("#followup-fact-level")).to_have_text("不满意（首次评价）")
    expect(page.locator("#followup-fact-text")).to_have_text("等了很久，态度冷淡，电话138****5678")
    expect(page.locator("#followup-fact-window")).to_have_text("1号窗口 · 办理人 员工clerk1")
    expect(page.locator("#followup-deadline-verify")).to_have_attribute("data-warning", "yellow")
    expect(page.locator("#followup-deadline-verify")).to_contain_text("核实期限2026-11-26临期未完成")
    expect(page.locator("#followup-deadline-revisit")).to_contain_text("回访期限2026-12-23")
    expect(step_titles(page, "followup")).to_have_text(["分派", "申诉（代窗口工作人员）"])
    expect(page.locator("#followup-appeal-form")).to_be_hidden()  # secondary: folded

    page.select_option("#followup-assign-department", "SHEBAO")
    page.fill("#followup-assign-note", "请社保科核实")
    page.click("#followup-assign-submit")
    expect(page.locator("#followup-fact-status")).to_have_text("待核实")
    expect(page.locator("#followup-fact-department")).to_have_text("社保科")
    expect(step_titles(page, "followup")).to_have_text(["重新分派", "核实", "申诉（代窗口工作人员）"])
    expect(page.locator("#followup-assign-form")).to_be_hidden()
    expect(page.locator("#followup-verify-result")).to_contain_text("属实不属实误评恶意")

    page.check("#followup-verify-result-VERIFIED_TRUE")
    page.fill("#followup-verify-note", "调取录像")
    page.click("#followup-verify-submit")
    expect(page.locator("#followup-fact-verify")).to_have_text("属实（调取录像）")
    expect(page.locator("#followup-deadline-verify")).to_contain_text("已完成 2026-11-25 09:00")
    expect(step_titles(page, "followup")).to_have_text(
        ["整改", "申诉（代窗口工作人员）"]
    )  # no reply before 整改

    page.fill("#followup-rectify-record", "已组织窗口服务规范培训")
    page.click("#followup-rectify-submit")
    expect(page.locator("#followup-fact-status")).to_have_text("已整改")
    expect(step_titles(page, "followup")).to_have_text(["答复办事人"])

    page.fill("#followup-reply-text", "您好，已整改，欢迎再次监督")
    page.click("#followup-reply-submit")
    expect(step_titles(page, "followup")).to_have_text(["回访"])
    expect(page.locator("#followup-revisit-result")).to_contain_text("满意基本满意不满意联系不上")
    page.check("#followup-revisit-result-SATISFIED")
    page.fill("#followup-revisit-note", "电话回访")
    page.click("#followup-revisit-submit")
    expect(step_titles(page, "followup")).to_have_text(["办结"])

    page.fill("#followup-close-note", "办结")
    page.click("#followup-close-submit")
    expect(page.locator("#followup-fact-status")).to_have_text("已办结")
    expect(page.locator("#followup-steps-none")).to_have_text("已办结，无需办理")
    expect(row).to_have_attribute("data-status", "CLOSED")  # the list follows
    expect(row.locator(".badge")).to_have_count(0)

    done = client_for("manager").followup(followup.id)
    assert (done.status, done.department, done.verify_result, done.verify_note) == (
        "CLOSED",
        "社保科",
        "VERIFIED_TRUE",
        "调取录像",
    )
    assert (done.rectification, done.reply) == ("已组织窗口服务规范培训", "您好，已整改，欢迎再次监督")
    assert (done.revisit_result, done.revisit_note, done.excluded) == ("SATISFIED", "电话回访", False)
    expect(page.locator("#followup-fact-closed-at")).to_have_text("2026-11-25 09:00")
    steps = [t.removeprefix("evaluation_followup.") for t, _ in followup_events(server, followup.id)]
    assert steps == ["opened", "assigned", "verified", "rectified", "replied", "revisited", "closed"]
    assert still_loaded(page)


def test_not_true_goes_from_verify_to_the_reply_without_rectifying(server, client_for, page):
    followup = bad_review(client_for)
    client_for("manager").followup_step(followup.id, "assign", AssignIn(department_code="ZONGHE"))
    open_view(page, server.base_url, "followups")
    page.click(f"#followup-row-{followup.id}")
    page.check("#followup-verify-result-NOT_TRUE")
    page.fill("#followup-verify-note", "按规定一次性告知")
    page.click("#followup-verify-submit")
    expect(page.locator("#followup-fact-verify")).to_have_text("不属实（按规定一次性告知）")
    expect(step_titles(page, "followup")).to_have_text(["答复办事人（解释说明）", "申诉（代窗口工作人员）"])
    page.fill("#followup-reply-text", "经核实，材料不全须补正，已向您解释")
    page.click("#followup-reply-submit")
    page.check("#followup-revisit-result-UNREACHABLE")
    page.click("#followup-revisit-submit")
    expect(page.locator("#followup-fact-revisit")).to_have_text("联系不上")
    page.click("#followup-close-submit")
    expect(page.locator("#followup-fact-status")).to_have_text("已办结")
    expect(page.locator("#followup-fact-rectification")).to_have_text("—")
    done = client_for("manager").followup(followup.id)
    assert (done.status, done.verify_result, done.rectification) == ("CLOSED", "NOT_TRUE", "")
    events = [t for t, _ in followup_events(server, followup.id)]
    assert "evaluation_followup.rectified" not in events and events[-1] == "evaluation_followup.closed"


def test_an_appeal_arrives_live_and_is_overturned_on_review(server, client_for, page):
    followup = bad_review(client_for)
    page.goto(f"{server.base_url}/manage#/followups/{followup.id}")  # a link to it, before signing in
    open_live(page, server.base_url)
    expect(page.locator("#followups-view")).to_be_visible()
    expect(page.locator("#tab-followups")).to_have_attribute("aria-selected", "true")
    expect(step_titles(page, "followup")).to_have_text(["分派", "申诉（代窗口工作人员）"])
    page.select_option("#followup-assign-department", "SHEBAO")
    other = bad_review(client_for, window=2)  # live: the list grows, what is typed here stays
    expect(page.locator(f"#followup-row-{other.id}")).to_be_visible()
    expect(page.locator("#followup-assign-department")).to_have_value("SHEBAO")

    client_for("clerk1").followup_step(followup.id, "appeal", AppealIn(reason="办事人未办理业务即评价"))
    expect(step_titles(page, "followup")).to_have_text(["复核申诉"])  # the event: only 复核 now
    expect(page.locator("#followup-fact-appeal")).to_have_text("待复核：办事人未办理业务即评价")
    expect(page.locator("#followup-fact-status")).to_have_text("待分派 · 申诉待复核")
    expect(page.locator("#followup-review-decision")).to_contain_text("维持差评撤销差评")
    page.check("#followup-review-decision-OVERTURNED")
    page.fill("#followup-review-note", "录像显示未办理业务")
    page.click("#followup-review-submit")
    expect(page.locator("#followup-fact-status")).to_have_text("已办结（差评已撤销，不计入）")
    expect(page.locator("#followup-fact-appeal")).to_have_text("复核撤销差评：办事人未办理业务即评价")
    expect(page.locator("#followup-fact-review")).to_have_text("录像显示未办理业务")
    expect(page.locator("#followup-steps-none")).to_be_visible()
    done = client_for("manager").followup(followup.id)
    assert (done.status, done.appeal_state, done.excluded, done.review_note) == (
        "CLOSED",
        "OVERTURNED",
        True,
        "录像显示未办理业务",
    )


def test_filters_narrow_the_list_and_the_export_has_the_rows_listed(server, client_for, clock, page):
    clock.set(datetime(2026, 11, 23, 9, tzinfo=SHANGHAI))  # Mon: verify due Tue, red by Wed
    late = bad_review(client_for, window=1, text="上周的差评")
    clock.set(START)
    fresh = bad_review(client_for, window=2, text="窗口无人")
    verified = bad_review(client_for, window=1, text="材料被退回")
    manager = client_for("manager")
    manager.followup_step(verified.id, "assign", AssignIn(department_code="SHEBAO"))
    manager.followup_step(verified.id, "verify", VerifyIn(result=VerifyResult.MISTAKEN))
    open_live(page, server.base_url)
    page.click(f"#followup-{late.id}-open")  # 办理 on the hall view's 差评整改预警 panel
    expect(page.locator("#followup-detail-title")).to_have_text(f"差评整改 {late.id} · 待分派")
    expect(page.locator(f"#followup-row-{late.id}")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#tab-followups")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#followups-total")).to_have_text("共 3 条 · 红色 1 · 黄色 1")
    expect_listed(page, "followups", [verified.id, fresh.id, late.id])  # newest first
    expect(page.locator(f"#followup-row-{late.id} .badge")).to_have_text("已超期")
    expect(page.locator(f"#followup-row-{late.id}")).to_contain_text("核实 2026-11-24已超期")

    page.select_option("#followups-filter-window", "2")
    expect(page.locator("#followups-total")).to_have_text("共 1 条 · 红色 0 · 黄色 1")
    expect_listed(page, "followups", [fresh.id])
    page.click("#followups-clear")
    page.select_option("#followups-filter-warning", "red")
    expect_listed(page, "followups", [late.id])
    page.select_option("#followups-filter-warning", "")
    page.select_option("#followups-filter-status", "VERIFIED")
    expect_listed(page, "followups", [verified.id])
    page.click("#followups-clear")
    page.select_option("#followups-filter-department", "SHEBAO")  # 社保科: the one assigned there
    expect_listed(page, "followups", [verified.id])
    page.click("#followups-clear")
    page.fill("#followups-filter-from", "2026-11-24")
    expect(page.locator("#followups-total")).to_have_text("共 2 条 · 红色 0 · 黄色 1")
    expect_listed(page, "followups", [verified.id, fresh.id])

    with page.expect_download() as download_info:
        page.click("#followups-export")
    download = download_info.value
    assert download.suggested_filename == "followups-2026-11-25.csv"
    rows = list(csv.DictReader(io.StringIO(download.path().read_bytes().decode("utf-8-sig"))))
    assert [int(r["编号"]) for r in rows] == [verified.id, fresh.id]
    assert [r["核实结果"] for r in rows] == ["误评", ""]

    page.fill("#followups-filter-to", "2026-11-23")  # before the start: the server's message
    expect(page.locator("#followups-total")).to_have_text("开始日期不能晚于结束日期")
    expect(page.locator("#followups-total")).to_have_class(re.compile(r"\berror\b"))


def test_a_step_another_manager_took_first_is_refused_with_the_servers_message(server, client_for, page):
    feed = HeldFeed(page)
    followup = bad_review(client_for)
    client_for("manager").followup_step(followup.id, "assign", AssignIn(department_code="SHEBAO"))
    open_view(page, server.base_url, "followups")
    page.click(f"#followup-row-{followup.id}")
    expect(step_titles(page, "followup")).to_have_text(["重新分派", "核实", "申诉（代窗口工作人员）"])

    feed.hold()  # the other manager's event is late to this page
    client_for("admin").followup_step(followup.id, "verify", VerifyIn(result=VerifyResult.NOT_TRUE))
    page.check("#followup-verify-result-VERIFIED_TRUE")
    page.click("#followup-verify-submit")
    expect(page.locator("#followup-verify-error")).to_have_text("当前状态为「已核实」，不能核实")
    expect(page.locator("#followup-verify-form")).to_be_visible()  # the manager reads why, nothing vanished

    feed.release()
    expect(page.locator("#followup-fact-verify")).to_have_text("不属实")
    expect(step_titles(page, "followup")).to_have_text(["答复办事人（解释说明）", "申诉（代窗口工作人员）"])
    assert client_for("manager").followup(followup.id).verify_result == "NOT_TRUE"
    assert still_loaded(page)
