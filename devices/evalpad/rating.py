"""The visitor rates the service (好差评, 一次一评): the interface over both evaluation-pad protocols.

Levels are the five official ones (GB/T 39734-2020, 国办发〔2019〕51号). Two code tables for them run in
opposite directions (standards.md §2.3): GB/T 39046 A.8 codes 非常满意 as 1, the national 好差评 interface's
`satisfaction` codes it as 5. So Yimen stores and sends the enum *name*, and converts to a number only at each
border:

    name               label      stars  satisfaction (national interface)  GB/T 39046 A.8 code
    VERY_SATISFIED     非常满意    5      5                                   1
    SATISFIED          满意        4      4                                   2
    BASIC_SATISFIED    基本满意    3      3                                   3
    DISSATISFIED       不满意      2      2                                   4
    VERY_DISSATISFIED  非常不满意  1      1                                   5

差评 = 不满意 and 非常不满意: the national rules want detail with them (indicator codes). A tablet pad must
send them (EvalPad/1 rejects a 差评 without); a 5-key keypad cannot, so its 差评 come with `needs_detail` set
and the hall collects the detail another way (staff follow-up, the QR evaluation link).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

_LABELS = {
    "VERY_SATISFIED": ("非常满意", 5),
    "SATISFIED": ("满意", 4),
    "BASIC_SATISFIED": ("基本满意", 3),
    "DISSATISFIED": ("不满意", 2),
    "VERY_DISSATISFIED": ("非常不满意", 1),
}


class RatingLevel(StrEnum):
    VERY_SATISFIED = "VERY_SATISFIED"
    SATISFIED = "SATISFIED"
    BASIC_SATISFIED = "BASIC_SATISFIED"
    DISSATISFIED = "DISSATISFIED"
    VERY_DISSATISFIED = "VERY_DISSATISFIED"

    @property
    def label(self) -> str:
        return _LABELS[self.value][0]

    @property
    def stars(self) -> int:
        return _LABELS[self.value][1]

    @property
    def satisfaction(self) -> int:
        """The national 好差评 interface code: 5 = 非常满意 ... 1 = 非常不满意."""
        return self.stars

    @property
    def gbt39046_code(self) -> int:
        """GB/T 39046 A.8 满意度代码: 1 = 非常满意 ... 5 = 非常不满意."""
        return 6 - self.stars

    @property
    def is_bad(self) -> bool:
        """差评: 不满意 or 非常不满意."""
        return self.stars <= 2

    @classmethod
    def from_stars(cls, stars: int) -> RatingLevel:
        for level in cls:
            if level.stars == stars:
                return level
        raise ValueError(f"{stars} stars is not 1-5")


@dataclass(frozen=True)
class Staff:
    """The person serving at the window. Only `masked_name` ever leaves the hall PC."""

    staff_id: str
    name: str

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)


def mask_name(name: str) -> str:
    """李四 -> 李*, 张三丰 -> 张*丰, 欧阳娜娜 -> 欧**娜."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


@dataclass(frozen=True)
class Rating:
    ticket_no: str
    level: RatingLevel
    comment: str = ""
    indicators: tuple[str, ...] = ()
    rated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def is_bad(self) -> bool:
        return self.level.is_bad

    @property
    def needs_detail(self) -> bool:
        """A 差评 without indicator codes (from a keypad): the hall must collect the detail."""
        return self.is_bad and not self.indicators


@dataclass(frozen=True)
class PadStatus:
    """How the pad is: `connected` (answers now), what it is, and the rating it is waiting for, if any."""

    connected: bool
    kind: str
    model: str = ""
    pad_id: str = ""
    waiting_for: str = ""
    detail: str = ""


class EvaluationPad(Protocol):
    def request_rating(
        self, ticket_no: str, staff: Staff, timeout_s: float, *, window_no: str = "", matter: str = ""
    ) -> Rating | None:
        """Ask the visitor to rate; the Rating, or None when the visitor did not rate in time or it was
        cancelled. Raises DeviceTimeout / DeviceUnavailable when the pad does not answer at all."""
        ...

    def cancel(self) -> None:
        """Take the rating request off the pad (the visitor left); a no-op when none is open."""
        ...

    def status(self) -> PadStatus: ...

    def close(self) -> None: ...
