"""好差评 figures (评价指标) for managers: 主动评价率, 好评率, 差评率, 差评整改率, 回访率 over a range of
service days, by day, window, clerk or matter (standards.md §3.6). Each figure travels with its numerator,
its denominator and its Chinese definition, so the page shows exactly what was counted.

Counted on the first evaluation (评价次数 1) of each service contact; a 追评 is shown as a count and changes
no rate. Default evaluations (默认评价, the hall's rule) are never 主动评价: they are counted apart.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from hall_server.contract.base import OutModel
from hall_server.contract.stats import Definition


class FiguresGroup(StrEnum):
    DAY = "day"  # 按日 (the service day of the contact, not the day it was rated)
    WINDOW = "window"  # 按窗口 (the window that served the contact)
    CLERK = "clerk"  # 按工作人员 (the clerk who served it)
    MATTER = "matter"  # 按事项 (the ticket's matter; none: 未选择事项)


FIGURES_GROUP_NAMES: dict[FiguresGroup, str] = {
    FiguresGroup.DAY: "日期",
    FiguresGroup.WINDOW: "窗口",
    FiguresGroup.CLERK: "工作人员",
    FiguresGroup.MATTER: "事项",
}

ACTIVE_RATE = "active_rate"
GOOD_RATE = "good_rate"
BAD_RATE = "bad_rate"
RECTIFIED_RATE = "rectified_rate"
REVISIT_RATE = "revisit_rate"


def _d(key: str, name: str, text: str) -> Definition:
    return Definition(key=key, name=name, text=text)


FIGURE_DEFINITIONS: tuple[Definition, ...] = (
    _d(
        ACTIVE_RATE,
        "主动评价率",
        "主动评价数 ÷ 服务次数。服务次数：区间内每一次窗口服务（一次一评，按服务日）；"
        "主动评价数：其中办事人本人给出首次评价的次数。默认评价不计入分子，分母照计。",
    ),
    _d(
        GOOD_RATE,
        "好评率",
        "好评数 ÷ 主动评价数。好评：首次评价为非常满意、满意或基本满意。默认评价不计入分子和分母。",
    ),
    _d(
        BAD_RATE,
        "差评率",
        "差评数 ÷ 主动评价数。差评：首次评价为不满意或非常不满意。默认评价不计入分子和分母。",
    ),
    _d(
        RECTIFIED_RATE,
        "差评整改率",
        "差评整改已办结的差评数 ÷ 差评数（首次评价中的主动差评；目标 100%）。",
    ),
    _d(
        REVISIT_RATE,
        "回访率",
        "已完成回访的差评数 ÷ 差评数（实名差评回访率目标 100%）。",
    ),
)


class Figure(OutModel):
    key: str = Field(description="active_rate, good_rate, bad_rate, rectified_rate or revisit_rate")
    value: float | None = Field(description="0..1, 4 decimals; None: nothing to divide by or not available")
    numerator: int | None
    denominator: int | None


class FiguresRow(OutModel):
    key: str = Field(description="group key: 2026-12-01, window number, login, matter code; '' = none")
    label: str = Field(description="Chinese label: 2026-12-01, 5号窗口, 张三, 未选择事项")
    contacts: int = Field(description="服务次数: service contacts (evaluation opportunities)")
    active: int = Field(description="主动评价数: contacts with a first evaluation by the visitor")
    defaulted: int = Field(description="默认评价数: contacts the hall's rule rated by default")
    good: int = Field(description="好评数 among the active first evaluations")
    bad: int = Field(description="差评数 among the active first evaluations")
    follow_ups: int = Field(description="追评数: second evaluations given")
    figures: list[Figure] = Field(description="in the order of the definitions")


class FiguresOut(OutModel):
    date_from: date
    date_to: date
    group: FiguresGroup
    group_name: str
    rows: list[FiguresRow] = Field(description="one per group with service contacts, in a natural order")
    totals: FiguresRow = Field(description="the whole range (key 'total', label 合计)")
    definitions: list[Definition]
    generated_at: datetime
