"""The 模拟设备 strip of a demo kiosk: clearly not part of the visitor's screen, it stands in for the card,
the printer's paper and the visitor's phone on a PC without devices."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout

from kiosk.controller.simpanel import SimulatorPanel
from kiosk.views.widgets import button, label


class SimulatorStrip(QFrame):
    def __init__(self, panel: SimulatorPanel) -> None:
        super().__init__()
        self.setObjectName("simulatorPanel")
        self.panel = panel
        self.title = label("simTitle", "模拟设备（演示用，不是真实设备）", role="sim", wrap=False)
        self.cards = QComboBox()
        self.cards.setObjectName("simCardChoice")
        self.cards.setAccessibleName("模拟身份证")
        self.cards.addItems(panel.cards)
        self.cards.currentTextChanged.connect(panel.choose_card)
        self.code = QLineEdit()
        self.code.setObjectName("simQrCode")
        self.code.setAccessibleName("预约码")
        self.code.setPlaceholderText("预约码（8 位）")
        self.code.setMaxLength(8)
        card_row = QHBoxLayout()
        card_row.addWidget(self.title)
        card_row.addWidget(self.cards, 1)
        card_row.addWidget(button("simPlaceCard", "放置身份证", panel.place_card, role="sim"))
        card_row.addWidget(button("simRemoveCard", "取走身份证", panel.remove_card, role="sim"))
        device_row = QHBoxLayout()
        device_row.addWidget(button("simPaperOut", "打印机缺纸", panel.paper_out, role="sim"))
        device_row.addWidget(button("simPaperBack", "打印机恢复", panel.paper_back, role="sim"))
        device_row.addWidget(self.code, 1)
        device_row.addWidget(
            button("simShowQr", "二维码", lambda: panel.show_qr(self.code.text()), role="sim")
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(8)
        layout.addLayout(card_row)
        layout.addLayout(device_row)
        self.refresh()

    def refresh(self) -> None:
        for name in ("simPlaceCard", "simRemoveCard"):
            self._enable(name, self.panel.has_reader)
        self.cards.setEnabled(self.panel.has_reader)
        for name in ("simPaperOut", "simPaperBack"):
            self._enable(name, self.panel.has_printer)
        self._enable("simShowQr", self.panel.has_camera)
        self.code.setEnabled(self.panel.has_camera)

    def _enable(self, name: str, enabled: bool) -> None:
        widget = self.findChild(QPushButton, name)
        if widget is not None:
            widget.setEnabled(enabled)
