"""The complaints list as a CSV (UTF-8 with BOM, so Excel reads the Chinese), Chinese headers."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime

from hall_server.contract.complaints import CHANNEL_NAMES, ComplaintOut

HEADERS = (
    "编号", "渠道", "12345工单号", "投诉类别", "投诉内容", "状态", "联系电话", "号票", "事项", "窗口",
    "被投诉人", "承办部门", "承办人", "答复", "登记时间", "答复期限", "预警", "超期答复", "重新打开次数",
)  # fmt: skip
WARNING_NAMES = {"none": "", "yellow": "黄色预警", "red": "红色预警（已超期）"}


def _cell(value: object) -> object:
    """Text a visitor typed never starts a spreadsheet formula (=, +, -, @)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def render(complaints: list[ComplaintOut], local: Callable[[datetime], datetime]) -> bytes:
    """`local`: a stored instant as the hall's local time."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for c in complaints:
        writer.writerow(
            _cell(v)
            for v in (
                c.id,
                CHANNEL_NAMES[c.channel],
                c.external_ref or "",
                c.subject_name,
                c.text,
                c.status_name,
                c.contact or "",
                c.ticket_number or "",
                c.matter_name or "",
                c.window_no or "",
                c.staff_name or "",
                c.department or "",
                c.assignee_name or "",
                c.reply or "",
                local(c.recorded_at).strftime("%Y-%m-%d %H:%M:%S"),
                c.due_date.isoformat(),
                WARNING_NAMES[c.warning.value],
                "是" if c.answered_late else "",
                c.reopen_count,
            )
        )
    return out.getvalue().encode("utf-8-sig")
