"""The TICKET page (the ticket printed, or kept on screen with its QR code when printing failed) and the
ISSUE page (the ticket being issued, or why it could not be)."""

from __future__ import annotations

import qrcode
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QHideEvent, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from hall_server.contract.queue import TicketOut
from kiosk.config import Language, Orientation
from kiosk.controller.handout import Handout
from kiosk.controller.kiosk import KioskController
from kiosk.controller.ticket import Issue
from kiosk.texts import tr
from kiosk.views.widgets import button, label, set_text

QR_PIXELS = 300


def qr_pixmap(content: str, size: int = QR_PIXELS) -> QPixmap:
    """The QR code of `content`, black on white with its quiet zone, about `size` pixels wide."""
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(content)
    code.make(fit=True)
    matrix = code.get_matrix()
    cell = max(1, size // len(matrix))
    image = QImage(cell * len(matrix), cell * len(matrix), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    for row, cells in enumerate(matrix):
        for column, dark in enumerate(cells):
            if dark:
                painter.fillRect(column * cell, row * cell, cell, cell, QColor("black"))
    painter.end()
    return QPixmap.fromImage(image)


def wait_words(ticket: TicketOut, language: Language) -> str:
    estimate = ticket.estimate
    if estimate is None or estimate.wait_seconds is None:
        return tr("handout.wait_unknown", language)
    minutes = (estimate.wait_seconds + 59) // 60
    if minutes <= 0:
        return tr("handout.wait_soon", language)
    return tr("handout.wait", language, minutes=minutes)


class TicketPage(QWidget):
    def __init__(self, controller: KioskController) -> None:
        super().__init__()
        self.setObjectName("ticketPage")
        self.controller = controller
        flow = controller.handout
        self.status = label("handoutStatus", role="title")
        self.fault = label("printFault", role="error")
        self.your_number = label("yourNumberLabel", role="hint")
        self.number = label("ticketNumber", role="ticketNumber", wrap=False)
        self.what = label("ticketMatter")
        self.ahead = label("peopleAhead", role="title")
        self.wait = label("waitEstimate")
        self.explanation = label("waitExplanation", role="hint")
        self.qr = QLabel()
        self.qr.setObjectName("followQr")
        self.qr.setAccessibleName("followQr")
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr_hint = label("followQrHint", role="hint")
        self.qr_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.noted = button("notedButton", "", flow.noted, role="confirm")
        self.done = button("handoutDoneButton", "", flow.finish)
        self._qr_for = ""

        facts = QVBoxLayout()
        facts.setSpacing(6)
        for widget in (self.your_number, self.number, self.what, self.ahead, self.wait, self.explanation):
            facts.addWidget(widget)
        facts.addStretch(1)
        code = QVBoxLayout()
        code.addWidget(self.qr)
        code.addWidget(self.qr_hint)
        code.addStretch(1)
        code.addWidget(self.noted)
        code.addWidget(self.done)
        landscape = controller.config.orientation is Orientation.LANDSCAPE
        ticket = QHBoxLayout() if landscape else QVBoxLayout()
        ticket.setSpacing(24)
        ticket.addLayout(facts, 3)
        ticket.addLayout(code, 2)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(self.status)
        layout.addWidget(self.fault)
        layout.addLayout(ticket, 1)

    def refresh(self) -> None:
        flow, language = self.controller.handout, self.controller.language
        ticket = flow.ticket
        if ticket is None:
            self._wipe()
            return
        self.status.setText(
            {
                Handout.PRINTING: tr("handout.printing", language),
                Handout.PRINTED: tr("handout.printed", language),
                Handout.ON_SCREEN: tr("handout.on_screen", language),
            }.get(flow.state, "")
        )
        self.fault.setVisible(flow.state is Handout.ON_SCREEN)
        self.fault.setText(flow.fault_message)
        self.your_number.setText(tr("handout.your_number", language))
        self.your_number.setVisible(self.controller.config.orientation is Orientation.PORTRAIT)  # room
        self.number.setText(ticket.number)
        self.what.setText(" · ".join(part for part in (ticket.category_name, ticket.matter_name) if part))
        ahead = ticket.estimate.people_ahead if ticket.estimate else 0
        self.ahead.setText(tr("handout.people_ahead", language, count=ahead))
        self.wait.setText(wait_words(ticket, language))
        self.explanation.setText(ticket.estimate.explanation if ticket.estimate else "")
        if ticket.follow_url != self._qr_for:
            self._qr_for = ticket.follow_url
            self.qr.setPixmap(qr_pixmap(ticket.follow_url) if ticket.follow_url else QPixmap())
        self.qr_hint.setText(tr("handout.qr_hint", language))
        set_text(self.noted, tr("handout.noted", language))
        set_text(self.done, tr("handout.done", language))
        self.noted.setVisible(flow.state is Handout.ON_SCREEN)
        self.done.setVisible(flow.state is Handout.PRINTED)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt's name)
        self._wipe()  # another page shows: nothing of this visitor's ticket stays in the widgets
        super().hideEvent(event)

    def _wipe(self) -> None:
        for widget in (self.number, self.what, self.ahead, self.wait, self.explanation):
            widget.setText("")
        self.qr.clear()
        self._qr_for = ""


class IssuePage(QWidget):
    """取号中 / why no ticket was issued, and what to do."""

    def __init__(self, controller: KioskController) -> None:
        super().__init__()
        self.setObjectName("issuePage")
        self.controller = controller
        self.title = label("issueTitle", role="title")
        self.who = label("issueWho", role="hint")
        self.reason = label("issueReason", role="error")
        self.todo = label("issueWhatToDo")
        self.retry = button("retryIssueButton", "", controller.ticket.retry, role="confirm")
        layout = QVBoxLayout(self)
        layout.setSpacing(20)
        for widget in (self.title, self.who, self.reason, self.todo):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addWidget(self.retry)

    def refresh(self) -> None:
        flow, language = self.controller.ticket, self.controller.language
        identify = self.controller.identify
        titles = {
            Issue.ISSUING: "issue.issuing",
            Issue.REFUSED: "issue.refused",
            Issue.LOST: "issue.lost",
            Issue.OFFLINE: "issue.offline",
            Issue.NO_CHOOSER: "issue.no_chooser",
        }
        self.title.setText(tr(titles[flow.state], language) if flow.state in titles else "")
        parts = (identify.masked_name, identify.masked_number, flow.matter.name if flow.matter else "")
        self.who.setText(" · ".join(part for part in parts if part))
        self.reason.setVisible(flow.state is Issue.REFUSED)
        self.reason.setText(flow.error_message)
        self.todo.setVisible(flow.state is Issue.REFUSED)
        self.todo.setText(flow.what_to_do() if flow.state is Issue.REFUSED else "")
        set_text(self.retry, tr("issue.retry", language))
        self.retry.setVisible(flow.state in (Issue.LOST, Issue.OFFLINE))
        self.retry.setEnabled(self.controller.online)
