"""我要投诉 (COMPLAINT): about a ticket of today (the ID card) or a window number, a subject, preset phrases
to touch, an optional phone on the keypad, a last look, then the number and the day the hall answers by.
Only the current step's widgets show; 上一步 goes back one step."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QBoxLayout, QGridLayout, QHBoxLayout, QLayout, QSizePolicy, QVBoxLayout, QWidget

from kiosk.config import Orientation
from kiosk.controller.complaint import PHRASES, SUBJECTS, ComplaintStage, day_words
from kiosk.controller.kiosk import KioskController
from kiosk.controller.lookup import TicketLine
from kiosk.texts import tr
from kiosk.views.keypad import Keypad
from kiosk.views.scrolling import TouchList
from kiosk.views.widgets import button, label, set_selected, set_text, wrapping_row

S = ComplaintStage
CARD_STAGES = (S.WAIT_CARD, S.READING, S.SEARCHING, S.NO_READER)
KEYPAD_STAGES = (S.WINDOW, S.CONTACT)
NO_BIND_STAGES = (S.BIND, S.WAIT_CARD, S.READING, S.NO_READER, S.TICKETS, S.NO_TICKETS)
NO_BACK_STAGES = (S.BIND, S.SEARCHING, S.SENDING, S.DONE)
SELECTED_MARK = "✓ "


def _camel(key: str) -> str:
    return "".join(part.title() for part in key.lower().split("_"))


def _grid(widgets: list[QWidget], columns: int) -> QGridLayout:
    grid = QGridLayout()
    grid.setSpacing(16)
    for index, widget in enumerate(widgets):
        grid.addWidget(widget, index // columns, index % columns)
    return grid


def _panel(name: str, layout: QLayout) -> QWidget:
    panel = QWidget()
    panel.setObjectName(name)
    panel.setLayout(layout)
    layout.setContentsMargins(0, 0, 0, 0)
    return panel


def grouped_phone(typed: str) -> str:
    """138 1234 5678 for a mobile, 0551 6512 3456 for a landline: as a number is read aloud."""
    first, second = (3, 7) if typed.startswith("1") else (4, 8)
    return " ".join(part for part in (typed[:first], typed[first:second], typed[second:]) if part)


class ComplaintPage(QWidget):
    def __init__(self, controller: KioskController) -> None:
        super().__init__()
        self.setObjectName("complaintPage")
        self.controller = controller
        flow = controller.complaint
        self.flow = flow
        landscape = controller.config.orientation is Orientation.LANDSCAPE
        columns = 2 if landscape else 1  # five choices in elder type must fit 1080 px in landscape
        self.title = label("complaintTitle", role="title")
        self.prompt = label("complaintPrompt", role="big")
        self.tickets = TouchList("complaintTickets")
        self._shown_tickets: tuple[list[TicketLine], object] | None = None
        self.keypad_panel = self._keypad_panel(landscape)
        self.subjects = {
            s: button(f"complaintSubject{_camel(s.value)}", "", partial(flow.choose_subject, s))
            for s in SUBJECTS
        }
        self.subject_panel = _panel("complaintSubjects", _grid(list(self.subjects.values()), columns))
        self.phrase_buttons = {
            key: button(f"complaintPhrase{_camel(key)}", "", partial(flow.toggle, key), role="toggle")
            for keys in PHRASES.values()
            for key in keys
        }
        self.phrase_panel = _panel("complaintPhrases", _grid(list(self.phrase_buttons.values()), columns))
        self.summary = label("complaintSummary", role="panel")
        self.done_panel = self._done_panel()
        self.bind_card = button("complaintBindCardButton", "", flow.bind_by_card, role="primary")
        self.manual = button("complaintManualButton", "", flow.type_number, role="secondary")
        self.no_bind = button("complaintNoBindButton", "", flow.skip_binding, role="secondary")
        self.back = button("complaintBackButton", "", flow.back)
        self.next = button("complaintNextButton", "", flow.phrases_done, role="primary")
        self.submit = button("complaintSubmitButton", "", flow.submit, role="primary")
        self.finish = button("complaintDoneButton", "", controller.go_home, role="primary")
        # the list takes the room when it shows; else the room goes below the buttons
        self.filler = QWidget()
        self.filler.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)

        top = QHBoxLayout()  # 上一步 beside the title: the keypad steps need every line of a landscape screen
        top.setSpacing(24)
        top.addWidget(self.back)
        top.addWidget(self.title, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(20)
        layout.addLayout(top)
        layout.addWidget(self.prompt)
        layout.addWidget(self.tickets, 1)
        steps = (self.keypad_panel, self.subject_panel, self.phrase_panel, self.summary, self.done_panel)
        actions = (self.bind_card, self.manual, self.no_bind, self.next, self.submit, self.finish)
        for widget in (*steps, *actions):
            layout.addWidget(widget)
        layout.addWidget(self.filler, 1)

    def _keypad_panel(self, landscape: bool) -> QWidget:
        """The typed number and its refusal, the keypad, 跳过: side by side in landscape."""
        flow = self.flow
        self.typed = label("complaintTyped", role="typed", wrap=False)
        self.message = label("complaintMessage", role="error")
        self.skip = button("complaintSkipButton", "", self._skip)
        self.keypad = Keypad(
            flow.press,
            flow.backspace,
            flow.clear,
            flow.confirm_typed,
            name="complaintKeypad",
            key_prefix="complaintKey",
        )
        beside = QVBoxLayout()  # left of the keypad in landscape, above it in portrait
        beside.setSpacing(16)
        beside.addWidget(self.typed)
        beside.addWidget(self.message)
        box: QBoxLayout
        if landscape:
            beside.addStretch(1)
            beside.addWidget(self.skip)
            box = QHBoxLayout()
            box.addLayout(beside, 1)
            box.addWidget(self.keypad, 1)
        else:
            box = QVBoxLayout()
            box.addLayout(beside)
            box.addWidget(self.keypad)
            box.addWidget(self.skip)
        box.setSpacing(24 if landscape else 16)
        return _panel("complaintKeypadPanel", box)

    def _done_panel(self) -> QWidget:
        self.number_title = label("complaintNumberTitle", role="big", wrap=False)
        self.number = label("complaintNumber", role="ticketNumber", wrap=False)
        self.due = label("complaintDue", role="big")
        self.after = label("complaintAfter")
        number = QHBoxLayout()  # 投诉编号 12, on one line: the number is what the visitor notes
        number.setSpacing(24)
        number.addStretch(1)
        number.addWidget(self.number_title)
        number.addWidget(self.number)
        number.addStretch(1)
        column = QVBoxLayout()
        column.setSpacing(16)
        column.addLayout(number)
        for widget in (self.due, self.after):
            widget.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            column.addWidget(widget)
        return _panel("complaintDonePanel", column)

    def _skip(self) -> None:
        if self.flow.stage is S.CONTACT:
            self.flow.skip_contact()
        else:
            self.flow.skip_window()

    # -- rendering ----------------------------------------------------------------------------------------

    def refresh(self) -> None:
        c, flow = self.controller, self.flow
        language, stage = c.language, flow.stage
        self.title.setText(tr("complaint.title", language))
        self._refresh_prompt()
        self.tickets.setVisible(stage is S.TICKETS)
        self.filler.setVisible(stage is not S.TICKETS)
        if self._shown_tickets != (flow.tickets, language):  # emptied too: no ticket left on a hidden page
            self._shown_tickets = (list(flow.tickets), language)
            self.tickets.set_rows([self._ticket(index, line) for index, line in enumerate(flow.tickets)])
        self.keypad_panel.setVisible(stage in KEYPAD_STAGES)
        self._refresh_keypad()  # also when hidden: a typed phone must not stay on its label
        self.subject_panel.setVisible(stage is S.SUBJECT)
        for subject, widget in self.subjects.items():
            set_text(widget, tr(f"complaint.subject.{subject.value}", language))
        self._refresh_phrases()
        self.summary.setVisible(stage is S.CONFIRM)
        self.summary.setText("\n".join(flow.summary(language)) if stage is S.CONFIRM else "")
        self._refresh_done()
        self._refresh_buttons()

    def _refresh_prompt(self) -> None:
        flow, language, stage = self.flow, self.controller.language, self.flow.stage
        if stage is S.FAILED:
            prompt = flow.error or tr(flow.failure_key(), language)
        elif stage is S.WAIT_CARD and flow.card_failed:
            prompt = tr("complaint.read_failed", language)
        else:
            prompt = tr(f"complaint.prompt.{stage.value}", language)
        self.prompt.setText(prompt)
        self.prompt.setProperty("role", "error" if stage in (S.FAILED, S.NO_READER) else "big")
        self.prompt.style().polish(self.prompt)

    def _refresh_keypad(self) -> None:
        flow, language = self.flow, self.controller.language
        contact = flow.stage is S.CONTACT
        if not flow.typed:
            typed = tr("complaint.typed_empty", language)
        elif contact:
            typed = grouped_phone(flow.typed)
        else:
            typed = tr("complaint.window_typed", language, n=flow.typed)
        self.typed.setText(typed)
        self.message.setText(flow.message)
        self.message.setVisible(bool(flow.message))
        set_text(self.skip, tr("complaint.skip_contact" if contact else "complaint.skip_window", language))
        self.keypad.show_keys("0123456789", language)

    def _refresh_phrases(self) -> None:
        flow, language = self.flow, self.controller.language
        offered = flow.offered_phrases() if flow.stage is S.PHRASES else ()
        self.phrase_panel.setVisible(bool(offered))
        for key, widget in self.phrase_buttons.items():
            chosen = key in flow.phrases
            words = tr(f"complaint.phrase.{key}", language)
            set_text(widget, SELECTED_MARK + words if chosen else words)
            set_selected(widget, chosen)
            widget.setVisible(key in offered)

    def _refresh_done(self) -> None:
        recorded, language = self.flow.recorded, self.controller.language
        self.done_panel.setVisible(self.flow.stage is S.DONE and recorded is not None)
        if recorded is None:
            for widget in (self.number, self.due, self.after):
                widget.setText("")
            return
        self.number_title.setText(tr("complaint.number", language))
        self.number.setText(str(recorded.id))
        self.due.setText(tr("complaint.due", language, date=day_words(recorded.due_date, language)))
        if recorded.contact:
            self.after.setText(tr("complaint.call_back", language, contact=recorded.contact))
        else:
            self.after.setText(tr("complaint.keep_number", language))

    def _refresh_buttons(self) -> None:
        c, flow = self.controller, self.flow
        language, stage = c.language, flow.stage
        texts = {
            self.bind_card: "complaint.bind_card",
            self.manual: "lookup.manual",
            self.no_bind: "complaint.no_bind",
            self.back: "common.back",
            self.next: "complaint.next",
            self.submit: "complaint.submit",
            self.finish: "complaint.done",
        }
        for widget, key in texts.items():
            set_text(widget, tr(key, language))
        self.bind_card.setVisible(stage is S.BIND)
        self.manual.setVisible(stage in (S.WAIT_CARD, S.NO_READER))
        self.manual.setEnabled(c.online)
        self.no_bind.setVisible(stage in NO_BIND_STAGES)
        self.back.setVisible(stage not in NO_BACK_STAGES)
        self.next.setVisible(stage is S.PHRASES)
        self.next.setEnabled(bool(flow.phrases))
        self.submit.setVisible(stage is S.CONFIRM)
        self.submit.setEnabled(flow.can_submit and c.online)
        self.finish.setVisible(stage is S.DONE)

    def _ticket(self, index: int, line: TicketLine) -> QWidget:
        language = self.controller.language
        state = line.state_words(language)
        text = tr("complaint.ticket", language, number=line.number, state=state, what=line.what)
        pick = partial(self.flow.choose_ticket, index)
        return wrapping_row(f"complaintTicket{index}", f"complaintTicketText{index}", text, pick)
