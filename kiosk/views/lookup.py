"""我的排队 (LOOKUP): place the ID card, see today's tickets with their state in plain words."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.controller.kiosk import KioskController
from kiosk.controller.lookup import LookupStage, TicketLine
from kiosk.texts import tr
from kiosk.views.casequery import CaseQueryPanel
from kiosk.views.scrolling import TouchList
from kiosk.views.widgets import button, label, set_text


class LookupPage(QWidget):
    def __init__(self, controller: KioskController) -> None:
        super().__init__()
        self.setObjectName("lookupPage")
        self.controller = controller
        self.title = label("lookupTitle", role="title")
        self.prompt = label("lookupPrompt", role="big")
        self.visitor = label("lookupVisitor")
        self.list = TouchList("lookupTickets")
        self.again = button("lookupAgainButton", "", controller.lookup.start, role="secondary")
        self.manual = button("lookupManualButton", "", controller.lookup.type_number, role="secondary")
        self.case_query = CaseQueryPanel(controller.lookup.case_query)
        self.case_query_open = button(
            "lookupCaseQueryButton", "", controller.lookup.case_query.begin, role="secondary"
        )
        self._shown: list[TicketLine] | None = None
        self._language = controller.language
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(20)
        layout.addWidget(self.title)
        layout.addWidget(self.prompt)
        layout.addWidget(self.visitor)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.manual)
        layout.addWidget(self.again)
        layout.addWidget(self.case_query_open)
        layout.addWidget(self.case_query, 1)

    def refresh(self) -> None:
        c = self.controller
        flow, language = c.lookup, c.language
        self.title.setText(tr("lookup.title", language))
        stage = flow.stage
        if stage is LookupStage.SEARCHING and not c.online:
            stage = LookupStage.FAILED
        prompts = {
            LookupStage.WAIT_CARD: "lookup.read_failed" if flow.card_failed else "lookup.place_card",
            LookupStage.READING: "lookup.reading",
            LookupStage.SEARCHING: "lookup.searching",
            LookupStage.SHOWN: "lookup.none" if not flow.tickets else "",
            LookupStage.FAILED: "lookup.failed",
            LookupStage.NO_READER: "lookup.no_reader",
        }
        key = prompts[stage]
        self.prompt.setText(tr(key, language) if key else "")
        self.prompt.setProperty(
            "role", "error" if stage in (LookupStage.FAILED, LookupStage.NO_READER) else "big"
        )
        self.prompt.style().polish(self.prompt)
        self.prompt.setVisible(bool(key))
        self.visitor.setText(
            tr("lookup.visitor", language, number=flow.number_masked, name=flow.name_masked or "-")
            if flow.number_masked
            else ""
        )
        self.visitor.setVisible(bool(flow.number_masked))
        set_text(self.again, tr("lookup.again", language))
        self.again.setVisible(stage in (LookupStage.SHOWN, LookupStage.FAILED))
        set_text(self.manual, tr("lookup.manual", language))
        self.manual.setVisible(stage in (LookupStage.WAIT_CARD, LookupStage.NO_READER))
        self.manual.setEnabled(c.online)
        self.case_query.refresh(language, c.online)
        querying = flow.case_query.active
        self.case_query.setVisible(querying)
        set_text(self.case_query_open, tr("casequery.open", language))
        self.case_query_open.setVisible(not querying and stage is not LookupStage.SEARCHING)
        self.case_query_open.setEnabled(c.online)
        for widget in (self.prompt, self.visitor, self.list, self.manual, self.again):
            if querying:
                widget.setVisible(False)
        self.list.setVisible(not querying)
        if flow.tickets != self._shown or language is not self._language:
            self._shown, self._language = list(flow.tickets), language
            self.list.set_rows([self._ticket(index, t) for index, t in enumerate(flow.tickets)])

    def _ticket(self, index: int, ticket: TicketLine) -> QWidget:
        text = f"{ticket.number}　{ticket.state_words(self._language)}\n{ticket.what}"
        return label(f"lookupTicket{index}", text, role="panel")
