"""综合出件 at the counter (Qt-free): the clerk types the case number from the 受理回执, sees the result's
state in the contract's words, marks a concluded case's result ready, then the visitor's ID card is read on
the window's reader and the hall server checks it against the applicant and the authorised agents. A wrong
card is refused by the server (403 PICKUP_IDENTITY_MISMATCH, traced there); nothing read is kept here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from hall_server.client import ApiError
from hall_server.contract.cases import (
    CaseResultOut,
    CaseStatus,
    Delivery,
    PickedBy,
    PickupIn,
    ResultReadyIn,
)
from hall_server.contract.identity import IdentityIn

if TYPE_CHECKING:
    from counter_client.controller.counter import CounterController

NUMBER = re.compile(r"^[A-Za-z0-9_-]{3,50}$")
CONCLUDED = (CaseStatus.CONCLUDED_APPROVED, "CONCLUDED_DENIED")
PICKED_BY_NAMES = {PickedBy.SELF: "本人", PickedBy.AGENT: "授权代理人"}


class PickupStage(StrEnum):
    CLOSED = "closed"  # the pickup screen is not open
    ENTER = "enter"  # type the case number
    LOOKING = "looking"
    FOUND = "found"  # the case's result shown
    WAIT_CARD = "wait_card"  # ready for pickup: 请读取领取人身份证
    CHECKING = "checking"  # the card being checked by the server
    DONE = "done"  # picked up


@dataclass(frozen=True)
class PickupMessage:
    text: str
    error: bool = False


class PickupController:
    def __init__(self, counter: CounterController) -> None:
        self.counter = counter
        self.stage = PickupStage.CLOSED
        self.result: CaseResultOut | None = None
        self.message: PickupMessage | None = None

    # -- the screen -------------------------------------------------------------------------------------

    def open(self) -> None:
        self.stage, self.result, self.message = PickupStage.ENTER, None, None
        self.counter.changed()

    def close(self) -> None:
        self.stage, self.result, self.message = PickupStage.CLOSED, None, None
        self.counter.changed()

    @property
    def active(self) -> bool:
        return self.stage is not PickupStage.CLOSED

    def takes_card(self) -> bool:
        """A card read now is the pickup's (not the counter's usual identity check)."""
        return self.stage is PickupStage.WAIT_CARD

    def summary(self) -> str:
        """The case as the clerk sees it: number, state (contract words), delivery, agents."""
        r = self.result
        if r is None:
            return ""
        parts = [f"办件 {r.local_case_no or r.case_id}：{r.status_name}"]
        if r.delivery_name:
            parts.append(f"出件方式：{r.delivery_name}")
        if r.agents:
            parts.append("授权代理人：" + "、".join(a.name_masked or a.number_masked for a in r.agents))
        if r.picked_by is not None:
            parts.append(f"领取人：{PICKED_BY_NAMES[r.picked_by]}")
        return "\n".join(parts)

    # -- steps ------------------------------------------------------------------------------------------

    def find(self, number: str) -> None:
        number = number.strip().upper()
        if not NUMBER.fullmatch(number):
            self._say("请输入受理回执上的办件编号", error=True)
            return
        self.stage, self.message = PickupStage.LOOKING, None
        self.counter.call_server(
            lambda client: client.find_case_result(number), self._found, self._refused, self._lost
        )
        self.counter.changed()

    def mark_ready(self) -> None:
        r = self.result
        if r is None or r.status not in CONCLUDED:
            return
        self.stage = PickupStage.LOOKING
        self.counter.call_server(
            lambda client: client.result_ready(r.case_id, ResultReadyIn()),
            self._found,
            self._refused,
            self._lost,
        )
        self.counter.changed()

    def card_read(self, identity: IdentityIn) -> None:
        r = self.result
        if r is None or not self.takes_card():
            return
        window = self.counter.window_no
        self.stage = PickupStage.CHECKING
        self.counter.call_server(
            lambda client: client.pick_up_result(r.case_id, PickupIn(card=identity), window=window),
            self._picked_up,
            self._card_refused,
            self._lost,
        )
        self.counter.changed()

    # -- answers ----------------------------------------------------------------------------------------

    def _found(self, result: CaseResultOut) -> None:
        self.result = result
        if result.status is CaseStatus.RESULT_READY and result.delivery is Delivery.WINDOW:
            self.stage = PickupStage.WAIT_CARD
            self._say("请读取领取人（申请人或授权代理人）身份证")
            return
        self.stage = PickupStage.FOUND
        if result.status in CONCLUDED:
            self._say("结果尚未标记为待领取：确认结果已到综合出件窗口后点击“结果已到窗口”")
        else:
            self._say(f"该办件{result.status_name}，不能在窗口领取", error=True)

    def _picked_up(self, result: CaseResultOut) -> None:
        self.result, self.stage = result, PickupStage.DONE
        who = PICKED_BY_NAMES[result.picked_by] if result.picked_by else ""
        self._say(f"核验通过，{who}已领取（{result.status_name}）")

    def _card_refused(self, error: ApiError) -> None:
        self.stage = PickupStage.WAIT_CARD  # another card may be read
        self._say(error.message, error=True)

    def _refused(self, error: ApiError) -> None:
        self.stage = PickupStage.ENTER if self.result is None else PickupStage.FOUND
        self._say(error.message, error=True)

    def _lost(self, _error: Exception) -> None:
        self.stage = PickupStage.ENTER if self.result is None else PickupStage.FOUND
        self._say("暂时无法连接大厅服务器，请稍后再试", error=True)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message = PickupMessage(text, error)
        self.counter.changed()
