"""综合出件 (pickup) as a panel of the counter window: the case number typed, the result's state,
出件方式 (窗口领取 / 快递寄送) and 结果已到窗口, 登记代理人 (the agent's card on the window's reader),
寄送 (表15), and the card read for pickup. Widgets only: PickupController holds the state."""

from __future__ import annotations

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from counter_client.controller.pickup import CONCLUDED, PickupController, PickupStage
from hall_server.contract.cases import DELIVERY_NAMES, Delivery
from kiosk.views.widgets import button, label, set_selected

STAGE_HINTS = {
    PickupStage.LOOKING: "正在查询…",
    PickupStage.CHECKING: "正在提交…",
    PickupStage.WAIT_AGENT: "请在本窗口读卡器上放置代理人身份证",
}


def _field(name: str, accessible: str, placeholder: str = "") -> QLineEdit:
    field = QLineEdit()
    field.setObjectName(name)
    field.setAccessibleName(accessible)
    field.setPlaceholderText(placeholder)
    return field


class PickupDialog(QDialog):
    def __init__(self, pickup: PickupController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pickupDialog")
        self.setAccessibleName("综合出件")
        self.setWindowTitle("综合出件")
        self.pickup = pickup
        self.number = _field("pickupCaseNumber", "办件编号", "受理回执上的办件编号")
        self.number.returnPressed.connect(self._find)
        self.find_button = button("pickupFindButton", "查询", self._find)
        self.summary = label("pickupSummary")
        self.stage_hint = label("pickupStage", role="hint")
        self.delivery_buttons = {
            Delivery.WINDOW: button(
                "pickupDeliveryWindow",
                DELIVERY_NAMES[Delivery.WINDOW],
                lambda: pickup.choose_delivery(Delivery.WINDOW),
            ),
            Delivery.MAIL: button(
                "pickupDeliveryMail",
                DELIVERY_NAMES[Delivery.MAIL],
                lambda: pickup.choose_delivery(Delivery.MAIL),
            ),
        }
        self.ready_button = button("pickupReadyButton", "结果已到窗口", pickup.mark_ready, role="action")
        self.agent_button = button("pickupAgentButton", "登记代理人", pickup.record_agent)
        self.agent_cancel = button("pickupAgentCancel", "取消登记代理人", pickup.cancel_agent)
        self.mail_box = self._mail_form()
        self.message = label("pickupMessage")
        self.close_button = button("pickupCloseButton", "关闭", self._close)
        row = QHBoxLayout()
        row.addWidget(self.number, 1)
        row.addWidget(self.find_button)
        choice = QHBoxLayout()
        choice.addWidget(label("pickupDeliveryLabel", "出件方式："))
        for control in self.delivery_buttons.values():
            choice.addWidget(control)
        choice.addWidget(self.ready_button)
        self.choice = QWidget()
        self.choice.setObjectName("pickupDeliveryChoice")
        self.choice.setAccessibleName("出件方式")
        self.choice.setLayout(choice)
        agents = QHBoxLayout()
        agents.addWidget(self.agent_button)
        agents.addWidget(self.agent_cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.summary)
        layout.addWidget(self.stage_hint)
        layout.addWidget(self.choice)
        layout.addLayout(agents)
        layout.addWidget(self.mail_box)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(self.close_button)
        self.resize(640, 480)

    def _mail_form(self) -> QGroupBox:
        box = QGroupBox("快递寄送（寄送信息）")
        box.setObjectName("pickupMailBox")
        box.setAccessibleName("寄送信息")
        self.carrier = _field("pickupMailCarrier", "寄送单位", "如 中国邮政EMS")
        self.waybill = _field("pickupMailWaybill", "物流单号", "快递单上的单号")
        self.sent_on = QDateEdit(QDate.currentDate())
        self.sent_on.setObjectName("pickupMailDate")
        self.sent_on.setAccessibleName("寄送日期")
        self.sent_on.setCalendarPopup(True)
        self.sent_on.setDisplayFormat("yyyy-MM-dd")
        self.receiver = _field("pickupMailReceiver", "接收人姓名")
        self.phone = _field("pickupMailPhone", "接收人手机号", "11位手机号")
        self.mail_button = button("pickupMailButton", "确认寄送", self._mail)
        form = QFormLayout(box)
        form.addRow("寄送单位", self.carrier)
        form.addRow("物流单号", self.waybill)
        form.addRow("寄送日期", self.sent_on)
        form.addRow("接收人", self.receiver)
        form.addRow("手机号", self.phone)
        form.addRow(self.mail_button)
        return box

    def _find(self) -> None:
        self.pickup.find(self.number.text())

    def _mail(self) -> None:
        self.pickup.mail(
            self.carrier.text(),
            self.waybill.text(),
            self.sent_on.date().toPython(),  # type: ignore[arg-type]
            self.receiver.text(),
            self.phone.text(),
        )

    def _close(self) -> None:
        self.pickup.close()

    def refresh(self) -> None:
        p = self.pickup
        if not p.active:
            self.number.clear()
            for field in (self.carrier, self.waybill, self.receiver, self.phone):
                field.clear()
            self.hide()
            return
        self.summary.setText(p.summary())
        self.summary.setVisible(p.result is not None)
        self.stage_hint.setText(STAGE_HINTS.get(p.stage, ""))
        self.stage_hint.setVisible(p.stage in STAGE_HINTS)
        busy = p.stage in (PickupStage.LOOKING, PickupStage.CHECKING)
        self.find_button.setEnabled(not busy)
        concluded = p.result is not None and p.result.status in CONCLUDED
        self.choice.setVisible(concluded)
        self.ready_button.setEnabled(not busy)
        for delivery, control in self.delivery_buttons.items():
            set_selected(control, p.delivery is delivery)
            control.setEnabled(not busy)
        self.agent_button.setVisible(p.can_record_agent())
        self.agent_cancel.setVisible(p.stage is PickupStage.WAIT_AGENT)
        self.mail_box.setVisible(
            p.can_mail() or (p.stage is PickupStage.CHECKING and self.mail_box.isVisible())
        )
        self.mail_button.setEnabled(p.can_mail())
        message = p.message
        self.message.setVisible(message is not None)
        if message is not None:
            self.message.setText(message.text)
            self.message.setProperty("role", "error" if message.error else "notice")
            self.message.style().polish(self.message)
        if not self.isVisible():
            self.show()
