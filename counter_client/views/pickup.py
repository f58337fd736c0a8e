"""综合出件 (pickup) as a panel of the counter window: the case number typed, the result's state,
结果已到窗口, and the card read on the window's reader. Widgets only: PickupController holds the state."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from counter_client.controller.pickup import CONCLUDED, PickupController, PickupStage
from kiosk.views.widgets import button, label

STAGE_HINTS = {
    PickupStage.LOOKING: "正在查询…",
    PickupStage.CHECKING: "正在核验身份证…",
}


class PickupDialog(QDialog):
    def __init__(self, pickup: PickupController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pickupDialog")
        self.setAccessibleName("综合出件")
        self.setWindowTitle("综合出件")
        self.pickup = pickup
        self.number = QLineEdit()
        self.number.setObjectName("pickupCaseNumber")
        self.number.setAccessibleName("办件编号")
        self.number.setPlaceholderText("受理回执上的办件编号")
        self.number.returnPressed.connect(self._find)
        self.find_button = button("pickupFindButton", "查询", self._find)
        self.summary = label("pickupSummary")
        self.stage_hint = label("pickupStage", role="hint")
        self.ready_button = button("pickupReadyButton", "结果已到窗口", pickup.mark_ready)
        self.message = label("pickupMessage")
        self.close_button = button("pickupCloseButton", "关闭", self._close)
        row = QHBoxLayout()
        row.addWidget(self.number, 1)
        row.addWidget(self.find_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.summary)
        layout.addWidget(self.stage_hint)
        layout.addWidget(self.ready_button)
        layout.addWidget(self.message)
        layout.addWidget(self.close_button)
        self.resize(560, 360)

    def _find(self) -> None:
        self.pickup.find(self.number.text())

    def _close(self) -> None:
        self.pickup.close()

    def refresh(self) -> None:
        p = self.pickup
        if not p.active:
            self.number.clear()
            self.hide()
            return
        self.summary.setText(p.summary())
        self.summary.setVisible(p.result is not None)
        self.stage_hint.setText(STAGE_HINTS.get(p.stage, ""))
        self.stage_hint.setVisible(p.stage in STAGE_HINTS)
        busy = p.stage in (PickupStage.LOOKING, PickupStage.CHECKING)
        self.find_button.setEnabled(not busy)
        self.ready_button.setVisible(p.result is not None and p.result.status in CONCLUDED)
        self.ready_button.setEnabled(not busy)
        message = p.message
        self.message.setVisible(message is not None)
        if message is not None:
            self.message.setText(message.text)
            self.message.setProperty("role", "error" if message.error else "notice")
            self.message.style().polish(self.message)
        if not self.isVisible():
            self.show()
