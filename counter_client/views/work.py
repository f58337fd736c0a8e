"""The working screen: the visitor being served with their matter's guide, the forms of the actions that
need words (transfer, park, cancel, pause), this window's queue, parked tickets, the clerk's day, and the
action buttons with their keys."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from counter_client.controller.counter import PAUSE_NAMES, CounterController, HelpCall, RatingState
from hall_server.contract.complaints import SUBJECT_NAMES
from hall_server.contract.evaluation import LEVEL_NAMES
from hall_server.contract.queue import PRIORITY_NAMES, TicketOut, TicketStatus
from kiosk.views.widgets import button, label, set_text

# (operation, words, key, role): the buttons along the bottom, in the order a service goes
ACTIONS = [
    ("call-next", "叫号", "F1", "primary"),
    ("recall", "重呼", "F2", "action"),
    ("start", "开始办理", "F3", "action"),
    ("complete", "办结", "F4", "action"),
    ("transfer", "转移", "F5", "action"),
    ("park", "挂起", "F6", "action"),
    ("no-show", "过号", "F7", "danger"),
    ("cancel", "取消", "F8", "danger"),
]
LEVEL_WORDS = {level.value: name for level, name in LEVEL_NAMES.items()}


def minutes(seconds: int | float | None) -> str:
    if seconds is None:
        return "—"
    whole = int(seconds)
    if whole >= 3600:
        return f"{whole // 3600} 小时 {whole % 3600 // 60} 分"
    return f"{whole // 60} 分 {whole % 60:02d} 秒"


def panel(name: str, title: str) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName(name)
    frame.setProperty("role", "panel")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(12, 10, 12, 10)
    layout.addWidget(label(f"{name}Title", title, role="title"))
    return frame, layout


def line_edit(name: str, placeholder: str) -> QLineEdit:
    widget = QLineEdit()
    widget.setObjectName(name)
    widget.setAccessibleName(placeholder)
    widget.setPlaceholderText(placeholder)
    return widget


def combo(name: str, accessible: str) -> QComboBox:
    widget = QComboBox()
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)
    return widget


class Forms(QStackedWidget):
    """The words an action needs, shown in place (no modal dialog to lose behind another window)."""

    def __init__(self, controller: CounterController) -> None:
        super().__init__()
        self.setObjectName("forms")
        self.controller = controller
        self.addWidget(QWidget())  # nothing asked
        self.transfer_form = self._transfer_form()
        self.park_form = self._single_form("park", "挂起原因（如：回去复印身份证）", "挂起", self._park)
        self.cancel_form = self._single_form("cancel", "取消原因（必填）", "确认取消", self._cancel)
        self.pause_form = self._pause_form()
        self.complaint_form = self._complaint_form()
        self.setVisible(False)

    def _transfer_form(self) -> QWidget:
        form = QWidget()
        form.setObjectName("transferForm")
        self.transfer_target = combo("transferTarget", "转到")
        self.transfer_note = line_edit("transferNote", "给下一位工作人员的说明")
        self.transfer_back = QCheckBox("办完后回到本窗口（转办回流）")
        self.transfer_back.setObjectName("transferExpectReturn")
        self.transfer_back.setAccessibleName("办完后回到本窗口")
        layout = QGridLayout(form)
        layout.addWidget(label("transferLabel", "转到"), 0, 0)
        layout.addWidget(self.transfer_target, 0, 1)
        layout.addWidget(self.transfer_note, 1, 0, 1, 2)
        layout.addWidget(self.transfer_back, 2, 0, 1, 2)
        layout.addLayout(self._buttons("transfer", "确认转移", self._transfer), 3, 0, 1, 2)
        self.addWidget(form)
        return form

    def _single_form(self, name: str, placeholder: str, confirm: str, then: Callable[[], None]) -> QWidget:
        form = QWidget()
        form.setObjectName(f"{name}Form")
        edit = line_edit(f"{name}Note", placeholder)
        edit.returnPressed.connect(then)
        setattr(self, f"{name}_note", edit)
        layout = QVBoxLayout(form)
        layout.addWidget(edit)
        layout.addLayout(self._buttons(name, confirm, then))
        self.addWidget(form)
        return form

    def _pause_form(self) -> QWidget:
        form = QWidget()
        form.setObjectName("pauseForm")
        self.pause_reason = combo("pauseReason", "暂停原因")
        for reason, words in PAUSE_NAMES.items():
            self.pause_reason.addItem(words, reason)
        self.pause_note = line_edit("pauseNote", "说明（可不填）")
        layout = QVBoxLayout(form)
        layout.addWidget(self.pause_reason)
        layout.addWidget(self.pause_note)
        layout.addLayout(self._buttons("pause", "确认暂停", self._pause))
        self.addWidget(form)
        return form

    def _complaint_form(self) -> QWidget:
        form = QWidget()
        form.setObjectName("complaintForm")
        self.complaint_subject = combo("complaintSubject", "投诉类别")
        for subject, words in SUBJECT_NAMES.items():
            self.complaint_subject.addItem(words, subject)
        self.complaint_text = line_edit("complaintText", "投诉内容（办事人所述）")
        self.complaint_text.returnPressed.connect(self._complaint)
        layout = QVBoxLayout(form)
        layout.addWidget(self.complaint_subject)
        layout.addWidget(self.complaint_text)
        layout.addLayout(self._buttons("complaint", "记录投诉", self._complaint))
        self.addWidget(form)
        return form

    def _complaint(self) -> None:
        text = self.complaint_text.text()
        if not text.strip():
            self.controller.say("请填写投诉内容", error=True)
            return
        self.controller.record_complaint(self.complaint_subject.currentData(), text)
        self.close_form()

    def _buttons(self, name: str, confirm: str, then: Callable[[], None]) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(button(f"{name}Confirm", confirm, then, role="action"))
        row.addWidget(button(f"{name}Close", "返回", self.close_form))
        return row

    def open_form(self, form: QWidget) -> None:
        if form is self.transfer_form:
            self._fill_targets()
        self.setCurrentWidget(form)
        self.setVisible(True)
        edit = form.findChild(QLineEdit)
        if edit is not None:
            edit.setFocus()

    def close_form(self) -> None:
        self.setCurrentIndex(0)
        self.setVisible(False)
        for edit in self.findChildren(QLineEdit):
            edit.clear()
        self.transfer_back.setChecked(False)

    def _fill_targets(self) -> None:
        c = self.controller
        self.transfer_target.clear()
        mine = c.window_no
        for category in c.categories:
            self.transfer_target.addItem(f"业务：{category.name}", ("category", category.code))
        for window in c.windows:
            if window.number != mine:
                self.transfer_target.addItem(f"窗口：{window.name}", ("window", window.number))

    def _transfer(self) -> None:
        target = self.transfer_target.currentData()
        if target is None:
            return
        kind, value = target
        self.controller.transfer(
            category=value if kind == "category" else None,
            window=value if kind == "window" else None,
            note=self.transfer_note.text(),
            back=self.transfer_back.isChecked(),
        )
        self.close_form()

    def _park(self) -> None:
        self.controller.park(self.park_note.text())  # type: ignore[attr-defined]
        self.close_form()

    def _cancel(self) -> None:
        reason = self.cancel_note.text()  # type: ignore[attr-defined]
        if not reason.strip():
            self.controller.say("请填写取消原因", error=True)
            return
        self.controller.cancel(reason)
        self.close_form()

    def _pause(self) -> None:
        self.controller.pause(self.pause_reason.currentData(), self.pause_note.text())
        self.close_form()


class WorkPage(QWidget):
    def __init__(self, controller: CounterController) -> None:
        super().__init__()
        self.setObjectName("workPage")
        self.controller = controller
        self.forms = Forms(controller)
        self.action_buttons: dict[str, QPushButton] = {}
        self.parked_buttons: list[QPushButton] = []
        self._parked_shown: tuple[tuple[int, str], ...] = ()
        self.help_calls = QFrame()  # 请工作人员帮助 from the hall, above everything until handled
        self.help_calls.setObjectName("helpCalls")
        self.help_layout = QVBoxLayout(self.help_calls)
        self.help_layout.setContentsMargins(0, 0, 0, 0)
        self._help_shown: tuple[int, ...] = ()

        current, current_layout = panel("currentPanel", "当前办事人")
        self.number = label("currentNumber", "", role="number", wrap=False)
        self.status = label("currentStatus", "", role="figure")
        self.details = label("currentDetails", "", wrap=False)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.card = label("cardCheck", "")
        top = QHBoxLayout()
        top.addWidget(self.number)
        top.addWidget(self.status, 1)
        current_layout.addLayout(top)
        current_layout.addWidget(self.details)
        current_layout.addWidget(self.card)
        current_layout.addWidget(self.forms)

        guide, guide_layout = panel("guidePanel", "办事指南与材料")
        self.guide_text = label("guideText", "")
        self.guide_text.setTextFormat(Qt.TextFormat.RichText)
        self.guide_text.setAlignment(Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setObjectName("guideScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.guide_text)
        guide_layout.addWidget(scroll, 1)

        queue, queue_layout = panel("queuePanel", "本窗口队列")
        self.queue_text = label("queueText", "")
        self.next_numbers = label("nextNumbers", "")
        queue_layout.addWidget(self.queue_text)
        queue_layout.addWidget(self.next_numbers)

        parked, self.parked_layout = panel("parkedPanel", "挂起的号")
        self.parked_empty = label("parkedEmpty", "无", role="hint")
        self.parked_layout.addWidget(self.parked_empty)

        day, day_layout = panel("dayPanel", "我的今日")
        self.day_text = label("dayText", "")
        self.rating_text = label("ratingText", "")
        day_layout.addWidget(self.day_text)
        day_layout.addWidget(self.rating_text)

        left = QVBoxLayout()
        left.addWidget(current)
        left.addWidget(guide, 1)
        right = QVBoxLayout()
        right.addWidget(queue)
        right.addWidget(parked)
        right.addWidget(day)
        right.addStretch(1)
        columns = QHBoxLayout()
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)

        actions = QHBoxLayout()
        self.intake_button = button("intakeButton", "收件受理 F9", self._intake, role="primary")
        actions.addWidget(self.intake_button)
        intake_key = QShortcut(QKeySequence("F9"), self)
        intake_key.setContext(Qt.ShortcutContext.WindowShortcut)
        intake_key.activated.connect(self._intake)
        for operation, words, key, role in ACTIONS:
            widget = button(
                f"{_camel(operation)}Button", f"{words} {key}", self._action(operation), role=role
            )
            self.action_buttons[operation] = widget
            actions.addWidget(widget)
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(self._action(operation))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.help_calls)
        layout.addLayout(columns, 1)
        layout.addLayout(actions)

    def _action(self, operation: str) -> Callable[[], None]:
        c = self.controller
        direct: dict[str, Callable[[], None]] = {
            "call-next": c.call_next,
            "recall": c.recall,
            "start": c.start_service,
            "complete": c.complete,
            "no-show": c.no_show,
        }
        forms = {"transfer": "transfer_form", "park": "park_form", "cancel": "cancel_form"}

        def run() -> None:
            if not self.isVisible() or not c.allowed(operation):
                return
            if operation in direct:
                direct[operation]()
            else:
                self.forms.open_form(getattr(self.forms, forms[operation]))

        return run

    def _intake(self) -> None:
        c = self.controller
        if self.isVisible() and c.can_act and c.current is not None:
            c.intake.show()

    def open_pause(self) -> None:
        self.forms.open_form(self.forms.pause_form)

    def open_complaint(self) -> None:
        if self.controller.allowed("complaint"):
            self.forms.open_form(self.forms.complaint_form)

    # -- rendering ----------------------------------------------------------------------------------------

    def refresh(self) -> None:
        c = self.controller
        for operation, words, key, _role in ACTIONS:
            widget = self.action_buttons[operation]
            widget.setEnabled(c.allowed(operation))
            busy = c.busy == operation
            set_text(widget, f"{words}中…" if busy else f"{words} {key}")
        self.intake_button.setEnabled(c.can_act and c.current is not None)
        self._render_current(c.current)
        self._render_guide()
        self._render_queue()
        self._render_parked()
        self._render_day()
        self._render_help()

    def _render_current(self, ticket: TicketOut | None) -> None:
        c = self.controller
        if ticket is None:
            self.number.setText("")
            self.status.setText("空闲：按 F1 叫号")
            self.details.setText("")
        else:
            self.number.setText(ticket.number)
            self.status.setText(_status_words(ticket))
            rows = [
                ("事项", ticket.matter_name or ticket.category_name),
                ("身份", _who(ticket)),
                ("优先", PRIORITY_NAMES.get(ticket.priority, ticket.priority.value)),
                ("已等候", minutes(c.waited_seconds(ticket))),
                ("办理用时", minutes(c.serving_seconds(ticket))),
            ]
            if ticket.transfer_note:
                rows.append(("转移说明", ticket.transfer_note))
            if ticket.park_note:
                rows.append(("挂起原因", ticket.park_note))
            if ticket.return_window_no:
                rows.append(("转办回流", f"办完后回到 {ticket.return_window_no} 号窗口"))
            self.details.setText(
                "<table>"
                + "".join(f"<tr><td>{escape(k)}：</td><td><b>{escape(str(v))}</b></td></tr>" for k, v in rows)
                + "</table>"
            )
        card = c.card
        if card is None:
            self.card.setText("")
            self.card.setVisible(False)
        else:
            lines = "；".join(card.tickets_today) or "今日无号票"
            self.card.setText(f"读卡：{card.visitor}。{card.message}。今日：{lines}")
            self.card.setProperty("role", "warning" if card.matches is False else "notice")
            self.card.style().polish(self.card)
            self.card.setVisible(True)
        about_the_visitor = (self.forms.transfer_form, self.forms.park_form, self.forms.cancel_form)
        if ticket is None and self.forms.currentWidget() in about_the_visitor:  # the visitor has gone
            self.forms.close_form()

    def _render_guide(self) -> None:
        guide, ticket = self.controller.guide, self.controller.current
        if guide is None:
            if ticket is not None and ticket.matter_id is None:
                words = f"取号时未选择具体事项（{ticket.category_name}），请询问办事人要办的事项"
            else:
                words = "叫号后显示该事项的材料清单与办事指南"
            self.guide_text.setText(f"<span>{escape(words)}</span>")
            return
        parts = [f"<h3>{escape(guide.name)}</h3>"]
        if guide.badges:
            parts.append(f"<p>{escape(' · '.join(guide.badges))}</p>")
        for section in guide.sections:
            lines = "<br>".join(escape(line) for line in section.lines)
            parts.append(f"<p><b>{escape(section.title)}</b><br>{lines}</p>")
        self.guide_text.setText("".join(parts))

    def _render_queue(self) -> None:
        c = self.controller
        rows = [f"{w.name}：等候 {w.waiting} 人，最长 {minutes(w.longest_wait_seconds)}" for w in c.waiting]
        self.queue_text.setText("\n".join(rows) or "无等候")
        numbers = " ".join(t.number for t in c.upcoming)
        self.next_numbers.setText(f"下一位：{numbers}" if numbers else "下一位：无")

    def tick(self) -> None:
        """Every second: the waited and serving times of the visitor go on."""
        if self.isVisible():
            self._render_current(self.controller.current)

    def _render_parked(self) -> None:
        c = self.controller
        shown = tuple((t.id, t.park_note) for t in c.parked)
        if shown == self._parked_shown:
            for widget in self.parked_buttons:
                widget.setEnabled(c.allowed("unpark"))
            return
        self._parked_shown = shown
        for widget in self.parked_buttons:
            self.parked_layout.removeWidget(widget)
            widget.deleteLater()
        self.parked_buttons = []
        for ticket in c.parked:
            note = f"（{ticket.park_note}）" if ticket.park_note else ""
            widget = button(
                f"resumeParked{ticket.number}",
                f"恢复 {ticket.number}{note}",
                partial(c.resume_parked, ticket.id),
                role="small",
            )
            widget.setEnabled(c.allowed("unpark"))
            self.parked_layout.addWidget(widget)
            self.parked_buttons.append(widget)
        self.parked_empty.setVisible(not c.parked)

    def _render_day(self) -> None:
        c = self.controller
        day = c.my_day
        if day is None:
            self.day_text.setText("")
        else:
            ratings = "，".join(f"{LEVEL_WORDS.get(k, k)} {v}" for k, v in day.ratings.items() if v) or "暂无"
            self.day_text.setText(
                f"已办结 {day.served} 件 · 平均办理 {minutes(day.avg_service_seconds)}\n"
                f"过号 {day.no_shows} · 转出 {day.transferred} · 挂起 {day.parked_now}\n"
                f"评价：{ratings}；未评价 {day.not_evaluated}"
            )
        rating = c.rating
        self.rating_text.setVisible(rating.state is not RatingState.NONE)
        self.rating_text.setText(f"{rating.ticket_no} {rating.words}")
        role = "error" if rating.state is RatingState.FAILED else "hint"
        self.rating_text.setProperty("role", role)
        self.rating_text.style().polish(self.rating_text)

    def _render_help(self) -> None:
        c = self.controller
        shown = tuple(call.help_id for call in c.help_calls)
        if shown != self._help_shown:
            self._help_shown = shown
            while (item := self.help_layout.takeAt(0)) is not None:
                if (row := item.widget()) is not None:
                    row.deleteLater()
            for call in c.help_calls:
                self.help_layout.addWidget(_help_row(call, partial(c.resolve_help, call.help_id)))
        self.help_calls.setVisible(bool(shown))
        for widget in self.help_calls.findChildren(QPushButton):
            widget.setEnabled(c.online)


def _help_row(call: HelpCall, resolve: Callable[[], None]) -> QWidget:
    row = QWidget()
    row.setObjectName(f"helpCall{call.help_id}")
    words = label(f"helpCallText{call.help_id}", call.text, role="warning")
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(words, 1)
    layout.addWidget(button(f"resolveHelp{call.help_id}", "已处理", resolve, role="action"))
    return row


def _status_words(ticket: TicketOut) -> str:
    words = {
        TicketStatus.CALLED: f"叫号中（第 {ticket.call_count} 次）",
        TicketStatus.SERVING: "办理中",
        TicketStatus.PARKED: "挂起",
    }
    return words.get(ticket.status, ticket.status.value)


def _who(ticket: TicketOut) -> str:
    visitor = ticket.visitor
    if visitor is None:
        return "未登记身份"
    return " ".join(part for part in (visitor.name_masked, visitor.number_masked) if part)


def _camel(operation: str) -> str:
    head, *rest = operation.split("-")
    return head + "".join(part.title() for part in rest)
