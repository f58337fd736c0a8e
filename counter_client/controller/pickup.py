"""综合出件 at the counter (Qt-free): the clerk types the case number from the 受理回执, sees the result's
state in the contract's words, marks a concluded case's result ready, then the visitor's ID card is read on
the window's reader and the hall server checks it against the applicant and the authorised agents. A wrong
card is refused by the server (403 PICKUP_IDENTITY_MISMATCH, traced there); nothing read is kept here.
登记代理人: the agent's card read on the same reader is recorded as an authorised agent (POST
/cases/{id}/agents). 出件方式 窗口领取 / 快递寄送 is chosen when marking the result ready; a result to be
mailed is 寄送 with carrier, waybill, date and receiver (表15)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import ValidationError

from hall_server.client import ApiError
from hall_server.contract.cases import (
    DELIVERY_NAMES,
    AgentIn,
    CaseResultOut,
    CaseStatus,
    Delivery,
    MailIn,
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
DELIVERED = (CaseStatus.PICKED_UP, CaseStatus.MAILED)
# the server's codes as the clerk is told them (the server's own message otherwise)
CODE_MESSAGES = {
    "AGENT_IS_APPLICANT": "读取的是申请人本人的身份证，不能登记为代理人",
    "AGENT_NAME_REQUIRED": "未读到代理人姓名，请重新读取身份证",
    "RESULT_DELIVERED": "该办件结果已交付，不能再登记代理人",
    "RESULT_TO_BE_MAILED": "该办件结果选择快递寄送，请填写寄送信息",
    "RESULT_NOT_READY": "结果尚未标记为待领取或待寄送",
    "CASE_NOT_CONCLUDED": "该办件尚未办结，没有结果可出件",
    "PICKUP_IDENTITY_MISMATCH": "所读身份证件与申请人或授权代理人不符，不能领取",
}
MAIL_FIELDS = {
    "carrier": "寄送单位（至少2个字）",
    "waybill_no": "物流单号（6–40位字母或数字）",
    "sent_on": "寄送日期",
    "receiver_name": "接收人姓名",
    "receiver_phone": "接收人手机号（11位）",
}


class PickupStage(StrEnum):
    CLOSED = "closed"  # the pickup screen is not open
    ENTER = "enter"  # type the case number
    LOOKING = "looking"
    FOUND = "found"  # the case's result shown
    WAIT_CARD = "wait_card"  # ready for pickup: 请读取领取人身份证
    WAIT_AGENT = "wait_agent"  # 登记代理人: 请读取代理人身份证
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
        self.delivery = Delivery.WINDOW  # 出件方式 chosen for 结果已到窗口
        self._back = PickupStage.FOUND  # where 登记代理人 returns to

    # -- the screen -------------------------------------------------------------------------------------

    def open(self) -> None:
        self.stage, self.result, self.message = PickupStage.ENTER, None, None
        self.delivery = Delivery.WINDOW
        self.counter.changed()

    def close(self) -> None:
        self.stage, self.result, self.message = PickupStage.CLOSED, None, None
        self.counter.changed()

    @property
    def active(self) -> bool:
        return self.stage is not PickupStage.CLOSED

    def takes_card(self) -> bool:
        """A card read now is the pickup's (not the counter's usual identity check)."""
        return self.stage in (PickupStage.WAIT_CARD, PickupStage.WAIT_AGENT)

    def can_record_agent(self) -> bool:
        r = self.result
        busy = self.stage in (PickupStage.LOOKING, PickupStage.CHECKING, PickupStage.WAIT_AGENT)
        return r is not None and not busy and (r.status in CONCLUDED or r.status is CaseStatus.RESULT_READY)

    def can_mail(self) -> bool:
        r = self.result
        return (
            r is not None
            and self.stage is PickupStage.FOUND
            and r.status is CaseStatus.RESULT_READY
            and r.delivery is Delivery.MAIL
        )

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
        if r.waybill_no:
            parts.append(f"寄送：{r.carrier} {r.waybill_no}（{r.sent_on}） 接收人 {r.receiver_masked or ''}")
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

    def choose_delivery(self, delivery: Delivery) -> None:
        self.delivery = delivery
        self.counter.changed()

    def mark_ready(self) -> None:
        r = self.result
        if r is None or r.status not in CONCLUDED:
            return
        self.stage = PickupStage.LOOKING
        body = ResultReadyIn(delivery=self.delivery)
        self.counter.call_server(
            lambda client: client.result_ready(r.case_id, body),
            self._found,
            self._refused,
            self._lost,
        )
        self.counter.changed()

    def record_agent(self) -> None:
        """登记代理人: the next card read on the window's reader is the agent's."""
        if not self.can_record_agent():
            return
        self._back = self.stage
        self.stage = PickupStage.WAIT_AGENT
        self._say("请读取代理人身份证")

    def cancel_agent(self) -> None:
        if self.stage is PickupStage.WAIT_AGENT:
            self.stage, self.message = self._back, None
            self.counter.changed()

    def mail(
        self, carrier: str, waybill_no: str, sent_on: date, receiver_name: str, receiver_phone: str
    ) -> None:
        r = self.result
        if r is None or not self.can_mail():
            return
        try:
            body = MailIn(
                carrier=carrier.strip(),
                waybill_no=waybill_no.strip(),
                sent_on=sent_on,
                receiver_name=receiver_name.strip(),
                receiver_phone=receiver_phone.strip(),
            )
        except ValidationError as error:
            wrong = [MAIL_FIELDS.get(str(e["loc"][0]), str(e["loc"][0])) for e in error.errors() if e["loc"]]
            self._say("请检查：" + "、".join(dict.fromkeys(wrong)), error=True)
            return
        self.stage = PickupStage.CHECKING
        self.counter.call_server(
            lambda client: client.mail_result(r.case_id, body), self._mailed, self._refused, self._lost
        )
        self.counter.changed()

    def card_read(self, identity: IdentityIn) -> None:
        r = self.result
        if r is None or not self.takes_card():
            return
        if self.stage is PickupStage.WAIT_AGENT:
            self.stage = PickupStage.CHECKING
            self.counter.call_server(
                lambda client: client.record_case_agent(r.case_id, AgentIn(agent=identity)),
                self._agent_recorded,
                self._agent_refused,
                self._lost,
            )
            self.counter.changed()
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
        self.stage = PickupStage.DONE if result.status in DELIVERED else PickupStage.FOUND
        if result.status in CONCLUDED:
            self._say("结果尚未标记为待领取：选择出件方式，确认结果已到综合出件窗口后点击“结果已到窗口”")
        elif result.status is CaseStatus.RESULT_READY:
            self._say(f"出件方式：{DELIVERY_NAMES[Delivery.MAIL]}，请填写寄送信息后点击“确认寄送”")
        else:
            self._say(f"该办件{result.status_name}，不能在窗口领取", error=True)

    def _picked_up(self, result: CaseResultOut) -> None:
        self.result, self.stage = result, PickupStage.DONE
        who = PICKED_BY_NAMES[result.picked_by] if result.picked_by else ""
        self._say(f"核验通过，{who}已领取（{result.status_name}）")

    def _agent_recorded(self, result: CaseResultOut) -> None:
        self._found(result)
        agent = result.agents[-1] if result.agents else None
        name = (agent.name_masked or agent.number_masked) if agent else ""
        self._say(f"已登记授权代理人{name}，可凭其身份证领取")

    def _agent_refused(self, error: ApiError) -> None:
        self.stage = PickupStage.WAIT_AGENT  # another card may be read
        self._say(_told(error), error=True)

    def _mailed(self, result: CaseResultOut) -> None:
        self.result, self.stage = result, PickupStage.DONE
        self._say(f"已寄出：{result.carrier} {result.waybill_no}（{result.status_name}）")

    def _card_refused(self, error: ApiError) -> None:
        self.stage = PickupStage.WAIT_CARD  # another card may be read
        self._say(_told(error), error=True)

    def _refused(self, error: ApiError) -> None:
        self._settle()
        self._say(_told(error), error=True)

    def _settle(self) -> None:
        r = self.result
        if r is None:
            self.stage = PickupStage.ENTER
        elif r.status is CaseStatus.RESULT_READY and r.delivery is Delivery.WINDOW:
            self.stage = PickupStage.WAIT_CARD
        else:
            self.stage = PickupStage.FOUND

    def _lost(self, _error: Exception) -> None:
        self._settle()
        self._say("暂时无法连接大厅服务器，请稍后再试", error=True)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message = PickupMessage(text, error)
        self.counter.changed()


def _told(error: ApiError) -> str:
    return CODE_MESSAGES.get(error.code, error.message)
