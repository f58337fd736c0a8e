"""办件查询 on the 我的排队/办件 page: two fields (case number, query password) typed on one keypad of
digits, letters and '-', the answer in the contract's words. Widgets only: CaseQuery holds the state."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.config import Language
from kiosk.controller.casequery import CaseQuery, QueryField, QueryStage
from kiosk.texts import tr
from kiosk.views.keypad import Keypad
from kiosk.views.widgets import button, label, set_text

NUMBER_KEYS = "0123456789-ABCDEFGHIJKLMNOPQRSTUVWXYZ"
PASSWORD_KEYS = "0123456789"  # noqa: S105 (the keys offered, not a secret)


class CaseQueryPanel(QWidget):
    def __init__(self, query: CaseQuery) -> None:
        super().__init__()
        self.setObjectName("caseQueryPanel")
        self.setAccessibleName("caseQueryPanel")
        self.query = query
        self.title = label("caseQueryTitle")
        self.number = button("caseNumberField", "", lambda: query.select(QueryField.NUMBER), role="secondary")
        self.password = button(
            "casePasswordField", "", lambda: query.select(QueryField.PASSWORD), role="secondary"
        )
        self.keypad = Keypad(
            query.press,
            query.backspace,
            query.clear,
            query.submit,
            name="caseQueryKeypad",
            key_prefix="caseKey",
        )
        self.keypad.setAccessibleName("caseQueryKeypad")
        self.answer = label("caseQueryAnswer", role="big")
        fields = QHBoxLayout()
        fields.addWidget(self.number, 3)
        fields.addWidget(self.password, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(self.title)
        layout.addLayout(fields)
        layout.addWidget(self.keypad)
        layout.addWidget(self.answer)

    def refresh(self, language: Language, online: bool) -> None:
        q = self.query
        self.title.setText(tr("casequery.title", language))
        set_text(self.number, tr("casequery.number", language, value=q.number or "—"))
        set_text(self.password, tr("casequery.password", language, value="●" * len(q.password) or "—"))
        for field, widget in ((QueryField.NUMBER, self.number), (QueryField.PASSWORD, self.password)):
            widget.setProperty("role", "primary" if q.field is field else "secondary")
            widget.style().polish(widget)
        self.keypad.show_keys(NUMBER_KEYS if q.field is QueryField.NUMBER else PASSWORD_KEYS, language)
        set_text(self.keypad.confirm, tr("casequery.submit", language))
        self.keypad.confirm.setEnabled(online and q.complete and q.stage is not QueryStage.SEARCHING)
        text = q.answer(language)
        self.answer.setText(text)
        self.answer.setVisible(bool(text))
        error = q.stage in (QueryStage.WRONG, QueryStage.LOCKED, QueryStage.FAILED)
        self.answer.setProperty("role", "error" if error else "big")
        self.answer.style().polish(self.answer)
