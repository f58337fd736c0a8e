"""The 投诉 view of the managers' dashboard (#/complaints), in Debian's Chromium against a real hall server:
a complaint routed, answered, closed and reopened from the page; the list filtered by channel, state and
window, exported, and grown live when a complaint is recorded elsewhere."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from playwright.sync_api import expect

from hall_server.contract.complaints import (
    ComplaintIn,
    ComplaintSubject,
    HotlineBatchIn,
    HotlineComplaintIn,
    RouteIn,
)
from hall_server.contract.followups import (
    AppealIn,
    AssignIn,
    RectifyIn,
    VerifyIn,
    VerifyResult,
)
from hall_server.contract.queue import IssueTicketRequest
from tests.complaints.test_complaints import _events
from tests.conftest import SHANGHAI, START
from tests.followups.helpers import bad_review
from tests.manage.test_followups_view import expect_listed, open_view, step_titles
from tests.manage.test_live_hall import still_loaded
from tests.manage.test_sync_panel import screenshot


def served_ticket(client_for):
    """clerk1 serves one SOCIAL ticket at window 1."""
    clerk = client_for("clerk1")
    ticket = client_for("kiosk").issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    clerk.window_op(1, "open")
    clerk.call_next(1)
    clerk.window_op(1, "complete")
    return ticket


def test_a_complaint_is_routed_answered_closed_and_reopened_from_the_page(server, client_for, page):
    ticket = served_ticket(client_for)
    made = client_for("clerk1").record_complaint(
        ComplaintIn(
            subject=ComplaintSubject.ATTITUDE,
            text="窗口人员态度生硬",
            ticket_id=ticket.id,
            contact="13812345678",
        )
    )
    open_view(page, server.base_url, "complaints")
    row = page.locator(f"#complaint-row-{made.id}")
    expect(row).to_contain_text("窗口服务态度窗口人员态度生硬1号已登记")
    row.click()
    expect(page.locator("#complaint-detail-title")).to_have_text(f"投诉 {made.id} · 已登记")
    expect(page.locator("#complaint-fact-channel")).to_have_text("窗口")
    expect(page.locator("#complaint-fact-subject")).to_have_text("服务态度")
    expect(page.locator("#complaint-fact-contact")).to_have_text("138****5678")
    expect(page.locator("#complaint-fact-ticket")).to_have_text(ticket.number)
    expect(page.locator("#complaint-fact-window")).to_have_text("1号窗口 · 被投诉人 员工clerk1")
    expect(page.locator("#complaint-deadline-answer")).to_contain_text("答复期限2026-12-02")
    expect(step_titles(page, "complaint")).to_have_text(["转办"])

    page.select_option("#complaint-route-department", "SHSW")
    page.click("#complaint-route-submit")
    expect(page.locator("#complaint-fact-status")).to_have_text("已转办")
    expect(page.locator("#complaint-fact-department")).to_have_text("社会事务科")
    expect(step_titles(page, "complaint")).to_have_text(["改派承办部门", "答复"])
    expect(page.locator("#complaint-route-form")).to_be_hidden()  # folded: answering comes next

    page.fill("#complaint-answer-reply", "已约谈窗口人员并致歉")
    page.click("#complaint-answer-submit")
    expect(page.locator("#complaint-fact-reply")).to_have_text("已约谈窗口人员并致歉")
    expect(page.locator("#complaint-deadline-answer")).to_contain_text("已答复 2026-11-25 09:00")
    expect(step_titles(page, "complaint")).to_have_text(["办结", "重新打开"])

    page.click("#complaint-close-submit")
    expect(page.locator("#complaint-fact-status")).to_have_text("已办结")
    expect(page.locator("#complaint-fact-closed-at")).to_have_text("2026-11-25 09:00")
    expect(step_titles(page, "complaint")).to_have_text(["重新打开"])
    expect(row).to_have_attribute("data-status", "CLOSED")

    page.fill("#complaint-reopen-reason", "投诉人不认可答复")
    page.click("#complaint-reopen-submit")
    expect(page.locator("#complaint-fact-status")).to_have_text("已转办（重新打开 1 次）")
    expect(page.locator("#complaint-fact-reply")).to_have_text("已约谈窗口人员并致歉")  # kept for the record
    expect(page.locator("#complaint-deadline-answer")).to_contain_text("未答复")
    expect(step_titles(page, "complaint")).to_have_text(["改派承办部门", "答复"])

    now = client_for("manager").complaint(made.id)
    assert (now.status, now.department, now.reopen_count, now.closed_at) == ("ROUTED", "社会事务科", 1, None)
    kinds = [kind.removeprefix("complaint.") for kind, _, _ in _events(server, made.id)]
    assert kinds == ["recorded", "routed", "answered", "closed", "reopened"]
    assert still_loaded(page)


def test_filters_export_and_a_complaint_recorded_elsewhere_appears_live(server, client_for, page):
    manager = client_for("manager")
    at_window = client_for("clerk1").record_complaint(
        ComplaintIn(subject=ComplaintSubject.EFFICIENCY, text="排队太久", window_no=1)
    )
    hotline = HotlineComplaintIn(
        external_ref="GD20261125-0001", subject=ComplaintSubject.POLICY, text="政策解释不一致", window_no=2
    )
    [imported] = manager.import_12345(HotlineBatchIn(complaints=[hotline])).results
    manager.route_complaint(imported.complaint_id, RouteIn(department_code="BGS"))
    open_view(page, server.base_url, "complaints")
    expect(page.locator("#complaints-total")).to_have_text("共 2 条 · 红色 0 · 黄色 0")
    expect_listed(page, "complaints", [imported.complaint_id, at_window.id])

    page.select_option("#complaints-filter-channel", "HOTLINE_12345")
    expect_listed(page, "complaints", [imported.complaint_id])
    page.click(f"#complaint-row-{imported.complaint_id}")
    expect(page.locator("#complaint-fact-channel")).to_have_text("12345热线（工单号 GD20261125-0001）")
    expect(page.locator("#complaint-fact-contact")).to_have_text("未留")
    with page.expect_download() as download_info:
        page.click("#complaints-export")
    rows = list(csv.DictReader(io.StringIO(download_info.value.path().read_bytes().decode("utf-8-sig"))))
    assert [(int(r["编号"]), r["12345工单号"], r["承办部门"]) for r in rows] == [
        (imported.complaint_id, "GD20261125-0001", "办公室")
    ]

    page.click("#complaints-clear")
    page.select_option("#complaints-filter-status", "RECORDED")
    expect_listed(page, "complaints", [at_window.id])
    kiosk = client_for("kiosk").record_complaint(
        ComplaintIn(subject=ComplaintSubject.FACILITIES, text="自助终端屏幕失灵", window_no=1)
    )
    expect_listed(page, "complaints", [kiosk.id, at_window.id])  # live, under the same filter
    expect(page.locator(f"#complaint-row-{kiosk.id}")).to_contain_text("自助终端环境设施")
    page.select_option("#complaints-filter-window", "2")
    expect(page.locator("#complaints-empty")).to_be_visible()
    expect(page.locator("#complaints-total")).to_have_text("共 0 条 · 红色 0 · 黄色 0")
    with page.expect_download() as download_info:
        page.click("#complaints-export")
    assert download_info.value.path().read_bytes().decode("utf-8-sig").count("\n") == 1  # the header only


def busy_week(client_for, clock) -> None:
    """Follow-ups in every state, red and yellow ones among them, and complaints from every channel."""
    manager = client_for("manager")
    clock.set(datetime(2026, 11, 20, 10, tzinfo=SHANGHAI))  # Fri: verify due Mon, red by Wed
    overdue = bad_review(client_for, window=2, text="材料清单与网上公布的不一致，白跑一趟")
    clock.set(datetime(2026, 11, 24, 15, tzinfo=SHANGHAI))
    worked = bad_review(client_for, window=1, text="等了很久，态度冷淡")
    for step, body in (
        ("assign", AssignIn(department_code="SHSW")),
        ("verify", VerifyIn(result=VerifyResult.VERIFIED_TRUE, note="调取录像，属实")),
        ("rectify", RectifyIn(record="已组织窗口服务规范培训，纳入月度考核")),
    ):
        manager.followup_step(worked.id, step, body)
    clock.set(START)
    appealed = bad_review(client_for, window=1, text="工作人员未说明原因就退件")
    client_for("clerk1").followup_step(appealed.id, "appeal", AppealIn(reason="办事人材料不全，已一次性告知"))
    assigned = bad_review(client_for, window=2, text="窗口无人，等了二十分钟")
    manager.followup_step(assigned.id, "assign", AssignIn(department_code="QIYE", note="请当日核实"))
    del overdue
    ticket = served_ticket(client_for)
    client_for("clerk1").record_complaint(
        ComplaintIn(
            subject=ComplaintSubject.ATTITUDE,
            text="窗口人员态度生硬，不耐烦",
            ticket_id=ticket.id,
            contact="13812345678",
        )
    )
    hotline = HotlineComplaintIn(
        external_ref="GD20261125-0001",
        subject=ComplaintSubject.POLICY,
        text="同一事项两个窗口答复不一致",
        contact="0551-65123456",
        window_no=2,
    )
    [imported] = manager.import_12345(HotlineBatchIn(complaints=[hotline])).results
    manager.route_complaint(imported.complaint_id, RouteIn(department_code="BGS"))
    client_for("kiosk").record_complaint(
        ComplaintIn(subject=ComplaintSubject.FACILITIES, text="自助终端打印机卡纸", window_no=4)
    )


def test_both_views_at_1920_and_1366_with_screenshots(server, client_for, clock, page, tmp_path):
    busy_week(client_for, clock)
    open_view(page, server.base_url, "followups")
    page.locator("#followups-rows tr", has_text="窗口无人").click()  # 待核实, 临期
    expect(step_titles(page, "followup")).to_have_text(["重新分派", "核实", "申诉（代窗口工作人员）"])
    screenshot(page, "manage/followups.png", tmp_path)
    page.click("#tab-complaints")
    page.locator("#complaints-rows tr", has_text="态度生硬").click()
    expect(step_titles(page, "complaint")).to_have_text(["转办"])
    screenshot(page, "manage/complaints.png", tmp_path)
    for width, height in ((1920, 1080), (1366, 768)):
        page.set_viewport_size({"width": width, "height": height})
        for name in ("followups", "complaints"):
            page.click(f"#tab-{name}")
            overflow = page.evaluate("document.body.scrollWidth - document.documentElement.clientWidth")
            assert overflow == 0, f"{name} at {width}×{height}: the page scrolls sideways by {overflow}px"
    screenshot(page, "manage/complaints-1366.png", tmp_path)
    page.click("#tab-followups")
    screenshot(page, "manage/followups-1366.png", tmp_path)
