"""The hall's 好差评 rules: the indicator dictionary (评价指标) and the default-evaluation rule (默认评价).

Indicators: standards.md §2.3 lists the content of an evaluation — 现场 (线下): 整体满意度 + 服务效率 /
服务水平 / 服务态度; 网上 (线上): 整体满意度 + 办事效率 / 办事指南精确度 / 办事便捷度 / 平台操作性 —
transmitted as codes (`contentCode`, e.g. 501,502). The national dictionary's codes are fetched from the
platform ("获取国家指标接口"), which this hall does not reach yet; INDICATORS is the local default set in
that shape (5xx 线下, 6xx 线上), to be replaced by the platform's dictionary when connected. Submitted
codes must be in it.

Default evaluation: a visitor who does not rate leaves the contact 'not evaluated'. If the hall turns the rule
on, a contact still open or not evaluated `after_days` days after its service day gets a default evaluation
(满意), flagged is_default and never counted as 主动评价. Off unless a manager turns it on; it covers contacts
served from the day it was turned on, so turning it on does not rewrite the history.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from hall_server.contract.base import Model, OutModel
from hall_server.contract.evaluation import Level


class IndicatorScope(StrEnum):
    ONSITE = "ONSITE"  # 现场服务 (窗口、自助终端、电话回访)
    ONLINE = "ONLINE"  # 网上服务


class IndicatorOut(OutModel):
    code: str = Field(description="the code sent in indicator_codes (contentCode)")
    name: str = Field(description="Chinese name shown to the visitor")
    scope: IndicatorScope
    scope_name: str


SCOPE_NAMES = {IndicatorScope.ONSITE: "现场服务", IndicatorScope.ONLINE: "网上服务"}
INDICATORS: tuple[IndicatorOut, ...] = tuple(
    IndicatorOut(code=code, name=name, scope=scope, scope_name=SCOPE_NAMES[scope])
    for code, name, scope in (
        ("501", "整体满意度", IndicatorScope.ONSITE),
        ("502", "服务效率", IndicatorScope.ONSITE),
        ("503", "服务水平", IndicatorScope.ONSITE),
        ("504", "服务态度", IndicatorScope.ONSITE),
        ("601", "整体满意度", IndicatorScope.ONLINE),
        ("602", "办事效率", IndicatorScope.ONLINE),
        ("603", "办事指南精确度", IndicatorScope.ONLINE),
        ("604", "办事便捷度", IndicatorScope.ONLINE),
        ("605", "平台操作性", IndicatorScope.ONLINE),
    )
)
INDICATOR_CODES = frozenset(i.code for i in INDICATORS)

DEFAULT_LEVEL = Level.SATISFIED
DEFAULT_AFTER_DAYS = 7  # local default until the province fixes 评价时效 (GB/T 39734 7.2 not read)
MAX_AFTER_DAYS = 90


class DefaultRuleIn(Model):
    enabled: bool = Field(description="generate default evaluations (off unless a manager turns it on)")
    after_days: int = Field(
        default=DEFAULT_AFTER_DAYS,
        ge=1,
        le=MAX_AFTER_DAYS,
        description="a contact served on day D and still unrated is rated by default on D + after_days",
    )


class DefaultRuleOut(OutModel):
    enabled: bool
    after_days: int
    level: Level = Field(description="the level a default evaluation gets (满意)")
    level_name: str
    since: date | None = Field(description="the rule covers contacts served from this day on (None: off)")
    description: str = Field(description="the rule in Chinese, as the page shows it")
    updated_at: datetime | None


class DefaultRunOut(OutModel):
    defaulted: int = Field(description="contacts given a default evaluation by this run")
    more: bool = Field(description="more contacts are due: run again, or leave them to the periodic sweep")
