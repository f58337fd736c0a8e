"""Statistics for the managers' dashboard (统计): figures by day, category, window, clerk and matter for a
range of service days, the seeds' targets, and the figures of one day by hour.

Every figure has a written definition; the definitions are data (DEFINITIONS, TARGET_DEFINITIONS, in
Chinese) and travel in every answer, so the page and the exported report show exactly what was counted.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from hall_server.contract.base import OutModel

MAX_RANGE_DAYS = 366  # the longest range one request may ask for (date_from..date_to inclusive)
DEFAULT_WAIT_THRESHOLD_SECONDS = 1800  # 等候超时 when the hall has no wait threshold of its own (30 分钟)


class StatsGroup(StrEnum):
    DAY = "day"  # 按日
    CATEGORY = "category"  # 按业务类别 (the ticket's category when it ended: after a transfer, the new one)
    WINDOW = "window"  # 按窗口 (the window that called the ticket last)
    CLERK = "clerk"  # 按工作人员 (the staff member who called the ticket last)
    MATTER = "matter"  # 按事项 (the matter chosen at the kiosk; none: 未选择事项)


GROUP_NAMES: dict[StatsGroup, str] = {
    StatsGroup.DAY: "日期",
    StatsGroup.CATEGORY: "业务类别",
    StatsGroup.WINDOW: "窗口",
    StatsGroup.CLERK: "工作人员",
    StatsGroup.MATTER: "事项",
}


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


class Definition(OutModel):
    key: str = Field(description="the field it defines, e.g. no_show_rate")
    name: str = Field(description="Chinese name, e.g. 过号率")
    text: str = Field(description="Chinese definition shown on the page and in the export")


def _d(key: str, name: str, text: str) -> Definition:
    return Definition(key=key, name=name, text=text)


# The definitions of StatsRow's figures, in the order of the columns.
DEFINITIONS: tuple[Definition, ...] = (
    _d(
        "issued",
        "到访（取号）",
        "区间内取得的号票张数（按号票所属的服务日），含预约签到取号；一张号票计一次到访。",
    ),
    _d("served", "办结", "状态为“办结”的号票张数：窗口叫号、开始办理并点击办结。"),
    _d("no_show", "过号", "状态为“过号”的号票张数：叫号后未到窗口被标记过号，且之后未重新排队办结。"),
    _d("cancelled", "取消", "状态为“已取消”的号票张数：办事人取消、自助机号票未取走、日终清理未办的号票。"),
    _d("open", "未结束", "区间内仍在等候、已叫号或办理中的号票张数（通常只有今天）。"),
    _d("no_show_rate", "过号率", "过号 ÷ 到访（取号）。"),
    _d(
        "avg_wait_seconds",
        "平均等候时长",
        "等候时长 = 首次叫号时间 − 取号时间（预约号票：− 签到取号时间）；对已叫号的号票求平均，单位秒。",
    ),
    _d("median_wait_seconds", "等候时长中位数", "已叫号号票等候时长的中位数（线性插值），单位秒。"),
    _d("p90_wait_seconds", "等候时长 P90", "90% 的已叫号号票等候不超过此时长（线性插值），单位秒。"),
    _d(
        "wait_over_threshold",
        "等候超时数",
        "等候时长超过等候超时阈值的已叫号号票张数（阈值为全厅“最长等候”标准，未设置时 30 分钟）。",
    ),
    _d(
        "avg_service_seconds",
        "平均办理时长",
        "办理时长 = 办结时间 − 开始办理时间；对办结号票求平均，单位秒。",
    ),
)

ONE_WINDOW = "one_window"
ONE_VISIT = "one_visit"

TARGET_DEFINITIONS: tuple[Definition, ...] = (
    _d(
        ONE_WINDOW,
        "一窗办结率",
        "办结号票中从未被转移（转其他窗口或类别）的占比：在第一个叫号的窗口一次办完。"
        "转移以号票的“转移”事件记录为准。",
    ),
    _d(
        ONE_VISIT,
        "最多跑一次率",
        "区间内有办结号票的（办事人，事项）组合中，只在一个服务日取过号的占比。"
        "只统计刷证取号（办事人可识别）且选择了事项的号票；区间开始前的来访不计入。",
    ),
)


class StatsRow(OutModel):
    key: str = Field(
        description="group key: 2026-12-01, category/matter code, window number, login; '' = none"
    )
    label: str = Field(description="Chinese label: 2026-12-01, 社会事务, 5号窗口, 张三, 未分配窗口")
    issued: int
    served: int
    no_show: int
    cancelled: int
    open: int
    no_show_rate: float | None = Field(description="0..1; None without tickets")
    avg_wait_seconds: float | None
    median_wait_seconds: float | None
    p90_wait_seconds: float | None
    wait_over_threshold: int
    avg_service_seconds: float | None


class Target(OutModel):
    key: str = Field(description="one_window or one_visit")
    name: str
    definition: str
    value: float | None = Field(description="0..1; None when it cannot be computed honestly (see reason)")
    numerator: int | None
    denominator: int | None
    reason: str | None = Field(description="Chinese: why value is None, or what limits it")


class StatsOut(OutModel):
    date_from: date
    date_to: date
    group: StatsGroup
    group_name: str = Field(description="Chinese name of the grouping: 日期, 业务类别…")
    wait_threshold_seconds: int
    rows: list[StatsRow] = Field(description="one per group with tickets, in a natural order")
    totals: StatsRow = Field(description="the whole range (key 'total', label 合计)")
    targets: list[Target]
    definitions: list[Definition]
    generated_at: datetime


class HourStats(OutModel):
    hour: int = Field(ge=0, le=23, description="local hour of the hall's time zone")
    arrivals: int = Field(description="tickets issued in that hour")
    called: int = Field(description="tickets first called in that hour")
    served: int = Field(description="tickets completed in that hour")
    no_show: int = Field(description="tickets marked no-show in that hour (still no-show at the end)")
    avg_wait_seconds: float | None = Field(description="mean wait of the tickets first called in that hour")


class HourlyOut(OutModel):
    day: date
    hours: list[HourStats] = Field(description="always 24, hour 0..23")
    definitions: list[Definition]
