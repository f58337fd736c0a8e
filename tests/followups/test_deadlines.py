"""差评整改 deadlines in working days on the shipped calendar (春节 and its make-up Saturdays), the warnings
as the hall clock moves, the hall's own deadlines, the list filters, the CSV export and refused input."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest

from hall_server.client import ApiError
from hall_server.contract.followups import AssignIn, FollowupSettingsIn, VerifyIn, VerifyResult
from tests.conftest import SHANGHAI
from tests.followups.helpers import bad_review, followup_events, raw


def at(clock, day: date, hour: int = 9) -> None:
    clock.set(datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI))


def test_deadlines_skip_the_spring_festival_and_count_make_up_saturdays(clock, client_for):
    """Fri 2026-02-13: Sat 02-14 is a 调休 working day, 02-15..23 春节, Sat 02-28 another 调休 working day."""
    manager = client_for("manager")
    at(clock, date(2026, 2, 13))
    followup = bad_review(client_for)
    assert followup.opened_on == date(2026, 2, 13)
    assert {d.step: d.due for d in followup.deadlines} == {
        "verify": date(2026, 2, 14),  # the make-up Saturday is the next working day
        "rectify": date(2026, 3, 12),
        "revisit": date(2026, 3, 19),
    }
    saved = manager.save_followup_settings(
        FollowupSettingsIn(verify_days=2, rectify_days=10, revisit_days=12)
    )
    assert (saved.verify_days, saved.rectify_days, saved.revisit_days) == (2, 10, 12)
    assert manager.followup_settings() == saved and saved.updated_at is not None
    later = bad_review(client_for)
    assert {d.step: d.due for d in later.deadlines} == {
        "verify": date(2026, 2, 24),  # 02-14, then the first day after 春节
        "rectify": date(2026, 3, 5),  # 02-28 (Saturday) counted
        "revisit": date(2026, 3, 9),
    }
    assert manager.followup(followup.id).deadlines[0].due == date(2026, 2, 14)  # open ones keep theirs


def test_the_warning_goes_from_none_to_yellow_to_red_as_the_clock_moves(clock, client_for):
    manager = client_for("manager")
    at(clock, date(2026, 2, 13))
    followup = bad_review(client_for)
    assert followup.warning == "yellow"  # one working day to verify
    manager.followup_step(followup.id, "assign", AssignIn(department_code="SHEBAO"))
    verified = manager.followup_step(followup.id, "verify", VerifyIn(result=VerifyResult.VERIFIED_TRUE))
    assert verified.warning == "none"  # now the 15-day rectify deadline (2026-03-12) counts
    at(clock, date(2026, 2, 24))
    assert manager.followup(followup.id).warning == "none"
    at(clock, date(2026, 3, 9))  # 3 of 15 working days left: 20 %
    assert manager.followup(followup.id).warning == "yellow"
    assert [f.id for f in manager.followups(warning="yellow")] == [followup.id]
    assert manager.followups(overdue=True) == []
    at(clock, date(2026, 3, 13))
    now = manager.followup(followup.id)
    assert now.warning == "red"
    assert {d.step: d.warning for d in now.deadlines} == {
        "verify": "none",
        "rectify": "red",
        "revisit": "yellow",
    }
    assert [f.id for f in manager.followups(overdue=True)] == [followup.id]
    assert manager.followups(warning="none") == []


def test_the_list_filters_and_the_csv_export(server, clock, client_for):
    manager = client_for("manager")
    at(clock, date(2026, 11, 24))
    first = bad_review(client_for, window=1, text='=HYPERLINK("x") 等候太久')
    at(clock, date(2026, 11, 25))
    second = bad_review(client_for, window=2, text="窗口无人")
    manager.followup_step(second.id, "assign", AssignIn(department_code="QIYE"))
    clerk2_id = second.staff_id
    assert [f.id for f in manager.followups()] == [second.id, first.id]  # newest first
    assert [f.id for f in manager.followups(window_no=1)] == [first.id]
    assert [f.id for f in manager.followups(staff_id=clerk2_id)] == [second.id]
    assert [f.id for f in manager.followups(status="ASSIGNED")] == [second.id]
    assert [f.id for f in manager.followups(status="OPEN")] == [first.id]
    assert [f.id for f in manager.followups(date_from=date(2026, 11, 25))] == [second.id]
    assert [f.id for f in manager.followups(date_to=date(2026, 11, 24))] == [first.id]
    assert manager.followups(date_from=date(2026, 11, 26)) == []
    content = manager.export_followups()
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][:7] == ["编号", "评价日期", "窗口", "办理人", "评价等级", "评价内容", "状态"]
    assert [row[0] for row in rows[1:]] == [str(second.id), str(first.id)]
    assert rows[1][6:8] == ["待核实", "企业服务科"] and rows[1][4] == "不满意"
    assert rows[2][5] == '\'=HYPERLINK("x") 等候太久'  # never a formula in the spreadsheet
    only_window_2 = manager.export_followups(window_no=2).decode("utf-8-sig").splitlines()
    assert len(only_window_2) == 2
    with pytest.raises(ApiError) as clerk_export:
        client_for("clerk1").export_followups()
    assert clerk_export.value.status == 403
    assert len(followup_events(server, second.id)) == 2


def test_bad_input_is_refused_with_422_and_a_chinese_message(server, hall, client_for):
    token = hall.tokens["manager"]
    followup = bad_review(client_for)
    nobody = raw(server, token, "POST", f"/followups/{followup.id}/assign", {"note": "请尽快"})
    assert nobody.status_code == 422
    assert (
        nobody.json()["code"] == "VALIDATION_ERROR"
        and nobody.json()["message"] == "提交的数据不完整或格式不正确"
    )
    unknown = raw(server, token, "POST", f"/followups/{followup.id}/assign", {"staff_id": 999_999})
    assert unknown.status_code == 422
    assert unknown.json() == {"code": "FOLLOWUP_ASSIGNEE_UNKNOWN", "message": "责任人不存在或已停用"}
    no_such = raw(server, token, "POST", f"/followups/{followup.id}/assign", {"department_code": "NOPE"})
    assert no_such.status_code == 422
    assert no_such.json() == {"code": "DEPARTMENT_UNKNOWN", "message": "部门 NOPE 不存在或已停用"}
    raw(server, token, "POST", f"/followups/{followup.id}/assign", {"department_code": "SHEBAO"})
    wrong = raw(server, token, "POST", f"/followups/{followup.id}/verify", {"result": "MAYBE"})
    assert wrong.status_code == 422 and wrong.json()["code"] == "VALIDATION_ERROR"
    backwards = raw(
        server, token, "PUT", "/followups/settings", {"verify_days": 5, "rectify_days": 3, "revisit_days": 9}
    )
    assert backwards.status_code == 422 and "核实 ≤ 整改 ≤ 回访" in str(backwards.json()["detail"])
    assert raw(server, token, "GET", "/followups", warning="purple").status_code == 422
    swapped = raw(server, token, "GET", "/followups", date_from="2026-11-26", date_to="2026-11-25")
    assert swapped.status_code == 422 and swapped.json()["message"] == "开始日期不能晚于结束日期"
    missing = raw(server, token, "GET", "/followups/999999")
    assert missing.status_code == 404 and missing.json()["message"] == "没有该差评整改记录"
    clerk = raw(server, hall.tokens["clerk1"], "PUT", "/followups/settings", {"verify_days": 1})
    assert clerk.status_code == 403
