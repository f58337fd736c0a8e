"""收件受理: the intake page of the visitor being served. The matter (the ticket's, or one picked from the
catalogue), the application form (card and earlier-case values marked with their source, the rest typed),
the materials checklist (required / original or copy / count; 无需提交 with its source), and the ways to
conclude: 受理, 一次性告知, 不予受理 (with its reason), 重新打印. A 一件事 is picked from the same list, below
its own separator, each entry marked 一件事; its checklist lines name the member matters that need them.
State lives in IntakeController."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLayout,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from counter_client.controller.counter import CounterController
from counter_client.controller.intake import Outcome, PrintState
from counter_client.views.attachments import AttachmentControl, with_attachments
from counter_client.views.work import combo, line_edit, panel
from kiosk.views.widgets import button, label, set_text

# (action, words, role): the buttons that conclude the intake
ACTIONS = [
    ("accept", "受理", "primary"),
    ("correction", "一次性告知", "action"),
    ("refuse", "不予受理", "danger"),
    ("reprint", "重新打印", "action"),
    ("new", "新收件", "action"),
]
JOINT = "joint:"  # the matter list's data of a 一件事 entry: joint:{code}
BUSY_WORDS = {
    "open": "收件中…",
    "resume": "读取中…",
    "accept": "受理中…",
    "correction": "告知中…",
    "refuse": "提交中…",
}


def _scroll(name: str, inner: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setObjectName(name)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(inner)
    return area


class IntakePage(QWidget):
    def __init__(self, controller: CounterController) -> None:
        super().__init__()
        self.setObjectName("intakePage")
        self.controller = controller
        self.intake = controller.intake
        self._shown_case: tuple[object, ...] = ()
        self._matters_shown = 0
        self.field_edits: dict[str, QLineEdit] = {}
        self.material_boxes: dict[int, QCheckBox] = {}
        self.attachment_controls: list[AttachmentControl] = []
        # Never shown: the lines of a form or checklist drawn anew wait here to be deleted, out of the page.
        self._retired = QWidget()

        self.matter_pick = combo("intakeMatter", "办理事项")
        self.open_button = button("intakeOpenButton", "收件", self._open, role="action")
        self.resume_number = line_edit("intakeResumeNumber", "补正续办：收件编号或受理编号")
        self.resume_number.returnPressed.connect(self._resume)
        self.resume_button = button("intakeResumeButton", "续办", self._resume, role="action")
        self.back_button = button("intakeBackButton", "返回叫号", self.intake.hide)
        top = QHBoxLayout()
        top.addWidget(label("intakeTitle", "收件受理", role="title", wrap=False))
        top.addWidget(self.matter_pick, 3)
        top.addWidget(self.open_button)
        top.addWidget(self.resume_number, 2)
        top.addWidget(self.resume_button)
        top.addWidget(self.back_button)

        self.case_text = label("intakeCase", "", role="figure")
        self.message = label("intakeMessage", "")
        self.print_text = label("printStatus", "")

        form, form_layout = panel("formPanel", "申请表（一表申请）")
        self.form_body = QWidget()
        self.form_grid = QGridLayout(self.form_body)
        self.form_grid.setContentsMargins(0, 0, 0, 0)
        self.form_grid.setColumnStretch(1, 1)
        form_layout.addWidget(_scroll("formScroll", self.form_body), 1)

        materials, materials_layout = panel("materialsPanel", "材料清单（勾选已收取）")
        self.materials_body = QWidget()
        self.materials_list = QVBoxLayout(self.materials_body)
        self.materials_list.setContentsMargins(0, 0, 0, 0)
        self.missing_text = label("missingText", "", role="hint")
        materials_layout.addWidget(_scroll("materialsScroll", self.materials_body), 1)
        materials_layout.addWidget(self.missing_text)

        columns = QHBoxLayout()
        columns.addWidget(form, 2)
        columns.addWidget(materials, 3)

        self.reason = line_edit("refuseReason", "不予受理理由（不予受理时必填）")
        self.action_buttons = {
            action: button(f"{action}CaseButton", words, partial(self._act, action), role=role)
            for action, words, role in ACTIONS
        }
        actions = QHBoxLayout()
        actions.addWidget(self.reason, 2)
        for widget in self.action_buttons.values():
            actions.addWidget(widget)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.case_text)
        layout.addWidget(self.message)
        layout.addWidget(self.print_text)
        layout.addLayout(columns, 1)
        layout.addLayout(actions)

    # -- the clerk's actions ------------------------------------------------------------------------------

    def _open(self) -> None:
        matter_id = self.matter_pick.currentData()
        if isinstance(matter_id, str) and matter_id.startswith(JOINT):
            self.intake.open_joint(matter_id.removeprefix(JOINT))
            return
        self.intake.open(matter_id if isinstance(matter_id, int) else None)

    def _resume(self) -> None:
        self.intake.resume(self.resume_number.text())
        self.resume_number.clear()

    def _act(self, action: str) -> None:
        intake = self.intake
        for key, edit in self.field_edits.items():
            if not edit.isReadOnly():
                intake.set_value(key, edit.text())
        if action == "accept":
            intake.accept()
        elif action == "correction":
            intake.require_correction()
        elif action == "refuse":
            intake.refuse(self.reason.text())
        elif action == "reprint":
            intake.reprint()
        else:
            self.reason.clear()
            intake.new_case()

    # -- rendering ----------------------------------------------------------------------------------------

    def refresh(self) -> None:
        intake, c = self.intake, self.controller
        self._fill_matters()
        free = c.online and not intake.busy
        opening = intake.can("open")
        self.matter_pick.setEnabled(free and opening)
        self.open_button.setEnabled(free and opening and c.current is not None)
        self.resume_number.setEnabled(free and opening)
        self.resume_button.setEnabled(free and opening)
        set_text(self.open_button, BUSY_WORDS["open"] if intake.busy == "open" else "收件")
        for action, words, _role in ACTIONS:
            widget = self.action_buttons[action]
            widget.setEnabled(intake.can(action))
            set_text(widget, BUSY_WORDS.get(action, words) if intake.busy == action else words)
        self.reason.setEnabled(intake.can("refuse"))
        self._render_case()
        self._render_message()

    def _fill_matters(self) -> None:
        intake = self.intake
        wanted = intake.default_matter_id()
        listed = len(intake.matters) + len(intake.joint_matters)
        if listed != self._matters_shown:
            self._matters_shown = listed
            self.matter_pick.clear()
            for matter in intake.matters:
                self.matter_pick.addItem(matter.name, matter.id)
            if intake.joint_matters:
                self.matter_pick.insertSeparator(self.matter_pick.count())
            for joint in intake.joint_matters:
                self.matter_pick.addItem(f"【一件事】{joint.name}", JOINT + joint.code)
        if wanted is not None and intake.can("open") and not intake.busy:
            index = self.matter_pick.findData(wanted)
            if index >= 0 and self.matter_pick.property("ticketMatter") != wanted:
                self.matter_pick.setCurrentIndex(index)
                self.matter_pick.setProperty("ticketMatter", wanted)

    def _render_case(self) -> None:
        intake = self.intake
        case = intake.subject
        if case is None:
            ticket = self.controller.current
            who = "已读卡" if intake.identity is not None else "未读卡：请办事人将身份证放在读卡器上"
            number = f"{ticket.number} 号 · " if ticket else ""
            self.case_text.setText(f"{number}{who}；选择事项（或一件事）后按“收件”")
        else:
            self.case_text.setText(intake.heading())
        lines = tuple((m.material_id, m.needless, m.received_before) for m in intake.material_lines())
        shown = (type(case).__name__, case.id, case.status, lines) if case else ()
        if shown != self._shown_case:
            self._shown_case = shown
            self._build_form()
            self._build_materials()
        for control in self.attachment_controls:
            control.refresh()
        editable = intake.can("accept") and not intake.busy
        for box in self.material_boxes.values():
            if box.property("needless") is False:
                box.setEnabled(editable)
        for edit in self.field_edits.values():
            if edit.property("editable"):
                edit.setReadOnly(not editable)
        missing = intake.missing()
        if case is None or intake.outcome in (Outcome.ACCEPTED, Outcome.CONCLUDED, Outcome.REFUSED):
            self.missing_text.setText("")  # concluded: nothing more to receive
        elif missing:
            self.missing_text.setText("尚缺：" + "、".join(missing))
        else:
            self.missing_text.setText("必交材料已齐全，可以受理")

    def _retire(self, layout: QLayout) -> None:
        """Empty `layout`. Its widgets leave the page at once: deleteLater alone would keep them the page's
        children until the event loop comes round, drawn over the new lines, found by their names (which
        the new lines share) and still wired to the controller. Deleted later all the same: the signal
        being handled may be one of theirs."""
        while (item := layout.takeAt(0)) is not None:
            if (widget := item.widget()) is not None:
                widget.hide()
                widget.setParent(self._retired)
                widget.deleteLater()

    def _build_form(self) -> None:
        self._retire(self.form_grid)
        self.field_edits = {}
        for row, line in enumerate(self.intake.form_lines()):
            name = "".join(part.title() for part in line.key.split("_"))
            self.form_grid.addWidget(label(f"formLabel{name}", f"{line.label}：", wrap=False), row, 0)
            edit = line_edit(f"formField{name}", line.label)
            edit.setText(line.value)
            edit.setReadOnly(not line.editable)
            edit.setProperty("editable", line.editable)
            edit.textEdited.connect(partial(self.intake.set_value, line.key))
            self.form_grid.addWidget(edit, row, 1)
            self.form_grid.addWidget(label(f"formSource{name}", line.source, role="hint", wrap=False), row, 2)
            self.field_edits[line.key] = edit
        self.form_grid.setRowStretch(len(self.field_edits), 1)

    def _build_materials(self) -> None:
        self._retire(self.materials_list)
        self.material_boxes, self.attachment_controls = {}, []
        intake = self.intake
        for line in intake.material_lines():
            row = QWidget()
            row.setObjectName(f"materialRow{line.material_id}")
            box = QCheckBox()
            box.setObjectName(f"material{line.material_id}")
            box.setAccessibleName(line.name)
            needless = bool(line.needless) or line.received_before
            box.setChecked(needless or line.material_id in intake.ticked)
            box.setEnabled(not needless)
            box.setProperty("needless", needless)
            box.toggled.connect(partial(intake.tick, line.material_id))
            state = line.needless or ("已收取" if line.received_before else "")
            text = f"<b>{line.name}</b><br>{line.words}" + (f"　<i>{state}</i>" if state else "")
            if line.matters:
                text += f"<br>{line.matters} 需要"
            words = label(f"materialText{line.material_id}", text, role="hint" if needless else "")
            words.setTextFormat(Qt.TextFormat.RichText)
            words.setBuddy(box)
            layout = QHBoxLayout(row)
            layout.setContentsMargins(0, 2, 0, 2)
            layout.addWidget(box, 0, Qt.AlignmentFlag.AlignTop)
            column, control = with_attachments(words, intake.attachments, line, shown=not line.needless)
            layout.addLayout(column, 1)
            if control is not None:
                self.attachment_controls.append(control)
            self.materials_list.addWidget(row)
            self.material_boxes[line.material_id] = box
        self.materials_list.addStretch(1)

    def _render_message(self) -> None:
        intake = self.intake
        self.message.setText(intake.message)
        self.message.setVisible(bool(intake.message))
        role = "error" if intake.error else "notice"
        if intake.outcome in (Outcome.ACCEPTED, Outcome.CONCLUDED) and not intake.error:
            role = "figure"
        if self.message.property("role") != role:
            self.message.setProperty("role", role)
            self.message.style().polish(self.message)
        self.print_text.setText(intake.print_message)
        self.print_text.setVisible(intake.print_state is not PrintState.NONE)
        print_role = "error" if intake.print_state is PrintState.FAILED else "hint"
        if self.print_text.property("role") != print_role:
            self.print_text.setProperty("role", print_role)
            self.print_text.style().polish(self.print_text)
