"""The home screen: the things a visitor comes for, and how many wait per category."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QGridLayout, QVBoxLayout, QWidget

from kiosk.config import Orientation
from kiosk.controller.kiosk import KioskController
from kiosk.texts import tr
from kiosk.views.widgets import button, label, set_text


class HomePage(QWidget):
    def __init__(self, controller: KioskController) -> None:
        super().__init__()
        self.setObjectName("homePage")
        self.controller = controller
        c = controller
        self.entries = {
            "take_ticket": button("takeTicketButton", "", c.ticket.start, role="primary"),
            "check_in": button("checkInButton", "", c.checkin.start, role="primary"),
            "guides": button("guidesButton", "", c.matters.browse, role="primary"),
            "my_tickets": button("myTicketsButton", "", c.lookup.start, role="primary"),
            "evaluate": button("evaluateButton", "", c.evaluate.start, role="primary"),
            "complaint": button("complaintButton", "", c.complaint.start, role="primary"),
        }
        grid = QGridLayout()
        grid.setSpacing(24)
        columns = 2 if controller.config.orientation is Orientation.PORTRAIT else 3
        for index, widget in enumerate(self.entries.values()):
            grid.addWidget(widget, index // columns, index % columns)
        self.waiting_title = label("waitingTitle", role="title")
        self.waiting_list = label("waitingList")
        self.closed = label("queueClosed", role="title")
        layout = QVBoxLayout(self)
        layout.setSpacing(24)
        layout.addLayout(grid)
        layout.addWidget(self.closed)
        layout.addWidget(self.waiting_title)
        layout.addWidget(self.waiting_list)
        layout.addStretch(1)

    def refresh(self) -> None:
        c = self.controller
        for key, widget in self.entries.items():
            set_text(widget, tr(f"home.{key}", c.language))
            # every entry needs the hall server
            widget.setEnabled(c.online and not (key == "take_ticket" and c.queue_closed))
        self.closed.setVisible(c.queue_closed)
        self.closed.setText(tr("home.queue_closed", c.language))
        self.waiting_title.setText(tr("home.waiting", c.language))
        # the counts are stale while the server is away, and the offline banner needs their room
        self.waiting_title.setVisible(not c.server_down)
        self.waiting_list.setVisible(not c.server_down)
        lines = [
            tr(
                "home.waiting_line" if w.open_windows else "home.no_window",
                c.language,
                name=w.name,
                waiting=w.waiting,
            )
            for w in c.waiting
        ]
        if c.config.orientation is Orientation.LANDSCAPE:  # two columns: elder type must fit 1080 px
            self.waiting_list.setText(_two_columns(lines))
        else:
            self.waiting_list.setText("\n".join(lines))


def _two_columns(lines: list[str]) -> str:
    rows = [lines[i : i + 2] for i in range(0, len(lines), 2)]
    cell = '<td width="50%">{}</td>'
    body = "".join("<tr>" + "".join(cell.format(escape(line)) for line in row) + "</tr>" for row in rows)
    return f'<table width="100%">{body}</table>'
