"""预约签到 screen: how to check in (phone QR or ID card), then the ticket or why not and what to do."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.controller.checkin import Step
from kiosk.controller.kiosk import KioskController
from kiosk.texts import tr
from kiosk.views.widgets import button, label, set_text


class CheckInPage(QWidget):
    def __init__(self, controller: KioskController) -> None:
        super().__init__()
        self.setObjectName("checkInPage")
        self.controller = controller
        flow = controller.checkin
        self.title = label("checkInTitle", role="title")
        self.how = label("checkInHow")
        self.status = label("checkInStatus", role="title")
        self.detail = label("checkInDetail")
        self.server_says = label("checkInServerSays", role="hint")
        self.take_normal = button("checkInTakeNormalButton", "", flow.take_normal_ticket, role="primary")
        self.retry = button("checkInRetryButton", "", flow.retry)
        actions = QHBoxLayout()
        actions.addWidget(self.take_normal, 1)
        actions.addWidget(self.retry, 1)
        layout = QVBoxLayout(self)
        layout.setSpacing(24)
        for widget in (self.title, self.how, self.status, self.detail, self.server_says):
            layout.addWidget(widget)
        layout.addLayout(actions)
        layout.addStretch(1)
        self.refresh()  # hides what the first step does not show, so it does not size the window

    def refresh(self) -> None:
        c = self.controller
        flow, lang = c.checkin, c.language
        self.title.setText(tr("checkin.title", lang))
        self.how.setText(tr("checkin.how_card_only" if flow.camera_ok is False else "checkin.how", lang))
        self.how.setVisible(flow.step in (Step.WAITING, Step.WORKING))
        set_text(self.take_normal, tr("checkin.take_normal", lang))
        set_text(self.retry, tr("checkin.retry", lang))
        self.take_normal.setVisible(flow.needs_normal_ticket)
        self.take_normal.setEnabled(c.online and not c.queue_closed)
        self.retry.setVisible(flow.step is Step.REFUSED)
        self.status.setVisible(flow.step in (Step.WORKING, Step.REFUSED))
        self.detail.setVisible(flow.step is Step.REFUSED)
        self.server_says.setVisible(flow.step is Step.REFUSED and bool(flow.error_message))
        if flow.step is Step.WORKING:
            self.status.setText(tr("checkin.working", lang))
        elif flow.step is Step.REFUSED:
            self.status.setText(tr("checkin.refused", lang))
            self.detail.setText(tr(f"checkin.{flow.refusal_key}", lang))
            self.server_says.setText(flow.error_message)
