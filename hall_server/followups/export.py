"""The follow-up list as a CSV file (UTF-8 with BOM, so Excel reads the Chinese; Chinese headers)."""

from __future__ import annotations

import csv
import io
from datetime import tzinfo

from hall_server.contract.evaluation import LEVEL_NAMES
from hall_server.contract.followups import REVISIT_NAMES, VERIFY_NAMES, AppealState, FollowupOut

HEADERS = (
    "编号", "评价日期", "窗口", "办理人", "评价等级", "评价内容", "状态", "责任部门", "责任人", "核实结果",
    "核实期限", "整改反馈期限", "回访期限", "预警", "整改记录", "答复内容", "回访结果", "申诉", "办结时间",
)  # fmt: skip
WARNING_NAMES = {"none": "", "yellow": "黄色预警", "red": "红色预警（已超期）"}
APPEAL_NAMES = {
    AppealState.PENDING: "待复核",
    AppealState.UPHELD: "复核维持差评",
    AppealState.OVERTURNED: "复核撤销差评",
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """Text a visitor or clerk typed never runs as a spreadsheet formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _row(item: FollowupOut, tz: tzinfo) -> list[str]:
    due = {d.step: d.due.isoformat() for d in item.deadlines}
    values = (
        item.id,
        item.opened_on.isoformat(),
        item.window_no,
        item.staff_name,
        LEVEL_NAMES[item.level],
        item.evaluation_text,
        item.status_name,
        item.department or "",
        item.assignee_name,
        VERIFY_NAMES[item.verify_result] if item.verify_result else "",
        due["verify"],
        due["rectify"],
        due["revisit"],
        WARNING_NAMES[item.warning],
        item.rectification,
        item.reply,
        REVISIT_NAMES[item.revisit_result] if item.revisit_result else "",
        APPEAL_NAMES[item.appeal_state] if item.appeal_state else "",
        item.closed_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if item.closed_at else "",
    )
    return [_cell(v) for v in values]


def to_csv(items: list[FollowupOut], tz: tzinfo) -> bytes:
    """Times in the hall's time zone."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(_row(item, tz) for item in items)
    return out.getvalue().encode("utf-8-sig")
