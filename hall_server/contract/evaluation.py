"""好差评: evaluation opportunities (one per service contact, 一次一评) and the evaluations given on them.

Levels are stored as enum names and converted per target (standards.md §2.3): GB/T 39046 A.8 counts
1 = 非常满意 … 5 = 非常不满意, the national 好差评 interface counts the other way (5 = 非常满意).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from hall_server.contract.base import Model, OutModel
from hall_server.contract.privacy import FreeText


class Level(StrEnum):
    VERY_SATISFIED = "VERY_SATISFIED"  # 非常满意
    SATISFIED = "SATISFIED"  # 满意
    BASIC = "BASIC"  # 基本满意
    DISSATISFIED = "DISSATISFIED"  # 不满意
    VERY_DISSATISFIED = "VERY_DISSATISFIED"  # 非常不满意


LEVEL_NAMES: dict[Level, str] = {
    Level.VERY_SATISFIED: "非常满意",
    Level.SATISFIED: "满意",
    Level.BASIC: "基本满意",
    Level.DISSATISFIED: "不满意",
    Level.VERY_DISSATISFIED: "非常不满意",
}
BAD_LEVELS = frozenset({Level.DISSATISFIED, Level.VERY_DISSATISFIED})  # 差评


def gbt39046_code(level: Level) -> int:
    """GB/T 39046 A.8 满意度代码: 1 非常满意 … 5 非常不满意."""
    return list(Level).index(level) + 1


def national_code(level: Level) -> int:
    """National 好差评 interface `satisfaction`: 5 非常满意 … 1 非常不满意 (the opposite direction)."""
    return 5 - list(Level).index(level)


def level_of_stars(stars: int) -> Level:
    """Stars on a pad or a page (5 = 非常满意) to the level."""
    if not 1 <= stars <= 5:
        raise ValueError("stars are 1..5")
    return list(Level)[5 - stars]


class EvalChannel(StrEnum):
    """Where the evaluation was given; values carry the national `pf` code (standards.md §2.4)."""

    PC = "PC"  # pf 1
    MOBILE = "MOBILE"  # pf 2
    QR = "QR"  # pf 3: the QR on the ticket or receipt, the follow page
    WINDOW_PAD = "WINDOW_PAD"  # pf 4: 窗口评价器
    KIOSK = "KIOSK"  # pf 5: 自助终端
    PHONE = "PHONE"  # pf 6
    SMS = "SMS"  # pf 7


IndicatorCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,20}$")]
PF_CODES: dict[EvalChannel, int] = {channel: index + 1 for index, channel in enumerate(EvalChannel)}


class OpportunityStatus(StrEnum):
    OPEN = "OPEN"  # waiting for the visitor's rating
    EVALUATED = "EVALUATED"
    NOT_EVALUATED = "NOT_EVALUATED"  # the visitor did not rate, or the pad did not answer: recorded as such
    DEFAULTED = "DEFAULTED"  # the hall's rule gave a default evaluation (flagged, not 主动评价)


class NotEvaluatedReason(StrEnum):
    DECLINED = "DECLINED"  # 办事人未评价 (left, or pressed nothing until the pad gave up)
    PAD_NO_ANSWER = "PAD_NO_ANSWER"  # 评价器无响应
    PAD_ABSENT = "PAD_ABSENT"  # the window has no pad


class EvaluationIn(Model):
    """A first evaluation or a follow-up (追评). A 差评 needs at least one indicator code or a text."""

    level: Level
    channel: EvalChannel
    indicator_codes: list[IndicatorCode] = Field(
        default_factory=list, max_length=20, description="评价指标/选项代码 (contentCode), e.g. 501"
    )
    text: FreeText = Field(default="", max_length=500)
    anonymous: bool = Field(default=False, description="the evaluator chose not to be named")
    follow_up: bool | None = Field(
        default=None,
        description="false: a first evaluation (409 EVALUATION_EXISTS if there is one); true: the 追评 "
        "(409 EVALUATION_NOT_YET without a first); omitted: whichever comes next",
    )

    @model_validator(mode="after")
    def _bad_review_has_reason(self) -> EvaluationIn:
        if self.level in BAD_LEVELS and not self.indicator_codes and not self.text.strip():
            raise ValueError("a 差评 needs at least one indicator or a text")
        return self


class FollowEvaluationIn(Model):
    """From the ticket's follow page (channel QR): the follow code is the credential."""

    level: Level
    indicator_codes: list[IndicatorCode] = Field(default_factory=list, max_length=20)
    text: FreeText = Field(default="", max_length=500)
    anonymous: bool = False
    follow_up: bool | None = Field(
        default=None,
        description="false: a first evaluation (409 EVALUATION_EXISTS if there is one); true: the 追评 "
        "(409 EVALUATION_NOT_YET without a first); omitted: whichever comes next",
    )

    @model_validator(mode="after")
    def _bad_review_has_reason(self) -> FollowEvaluationIn:
        if self.level in BAD_LEVELS and not self.indicator_codes and not self.text.strip():
            raise ValueError("a 差评 needs at least one indicator or a text")
        return self


class PublicOpportunityOut(OutModel):
    """A service of the ticket as the follow page shows it: no clerk, no visitor."""

    id: int
    ticket_number: str | None
    service_number: int
    service_name: str
    matter_name: str | None
    window_no: int | None
    served_at: datetime
    evaluations: int = Field(description="0: not rated yet; 1: rated, one 追评 left; 2: done")
    can_rate: bool


class NotEvaluatedIn(Model):
    reason: NotEvaluatedReason


class EvaluationOut(OutModel):
    id: int
    opportunity_id: int
    assess_number: int = Field(description="1: first evaluation, 2: follow-up (追评)")
    level: Level
    level_name: str
    channel: EvalChannel
    indicator_codes: list[str]
    text: str
    anonymous: bool
    is_default: bool
    evaluated_at: datetime
    evaluator: str | None = Field(description="masked name of the ticket's visitor; None when anonymous")


class OpportunityOut(OutModel):
    """One service contact that may be evaluated, with what it is bound to."""

    id: int
    ticket_id: int | None
    ticket_number: str | None
    case_id: int | None = None
    service_number: int = Field(description="服务次数: 1, 2, … per ticket or case (一次一评)")
    service_name: str
    service_date: date
    served_at: datetime
    matter_id: int | None
    matter_name: str | None
    category_code: str | None
    window_no: int | None
    staff_id: int | None
    staff_name: str | None
    status: OpportunityStatus
    not_evaluated_reason: NotEvaluatedReason | None = None
    evaluations: list[EvaluationOut] = Field(default_factory=list)
