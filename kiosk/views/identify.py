"""The IDENTIFY page: 请将身份证放在感应区, or the number typed on the keypad with the kind chosen."""

from __future__ import annotations

from functools import partial

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from hall_server.contract.identity import IdKind
from kiosk.config import Orientation
from kiosk.controller.identify import Entry, IdentifyFlow
from kiosk.controller.kiosk import KioskController
from kiosk.texts import tr
from kiosk.views.keypad import Keypad
from kiosk.views.widgets import button, label, set_selected, set_text

KIND_BUTTONS = {
    IdKind.RESIDENT: "kindResident",
    IdKind.HMT_PERMIT: "kindHmtPermit",
    IdKind.FOREIGN_PR_2023: "kindForeign",
    IdKind.USCC: "kindCompany",
}


def grouped(typed: str) -> str:
    """An 18-character number as it is read aloud: 6 · 8 · 4 (address, birth date, the rest)."""
    return " ".join(part for part in (typed[:6], typed[6:14], typed[14:]) if part)


class IdentifyPage(QWidget):
    def __init__(self, controller: KioskController) -> None:
        super().__init__()
        self.setObjectName("identifyPage")
        self.controller = controller
        flow: IdentifyFlow = controller.identify
        self.flow = flow
        self.purpose = label("identifyPurpose", role="hint")
        self.title = label("identifyTitle", role="title")
        self.hint = label("identifyHint", role="callout")
        self.message = label("identifyMessage", role="error")
        self.done = label("identityRead", role="title")
        self.use_keypad = button("useKeypadButton", "", flow.use_keypad)
        self.use_card = button("useCardButton", "", flow.use_card)

        self.kind_buttons = {
            kind: button(name, "", partial(flow.choose_kind, kind), role="choice")
            for kind, name in KIND_BUTTONS.items()
        }
        kinds = QGridLayout()
        kinds.setSpacing(12)
        for index, widget in enumerate(self.kind_buttons.values()):
            kinds.addWidget(widget, index // 2, index % 2)
        self.kind_prompt = label("kindPrompt", role="hint")
        self.typed = label("typedNumber", role="typed", wrap=False)
        self.keypad = Keypad(flow.press, flow.backspace, flow.clear, flow.submit)
        self.keypad_box = QWidget()
        landscape = controller.config.orientation is Orientation.LANDSCAPE
        box = QHBoxLayout(self.keypad_box) if landscape else QVBoxLayout(self.keypad_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(24 if landscape else 16)
        choice = QVBoxLayout()  # beside the keypad in landscape, above it in portrait
        choice.setSpacing(16)
        choice.addWidget(self.kind_prompt)
        choice.addLayout(kinds)
        choice.addWidget(self.typed)
        choice.addStretch(1)
        if landscape:  # no room for one more row under the keypad
            choice.addWidget(self.use_card)
        box.addLayout(choice, 1)
        box.addWidget(self.keypad, 1)

        layout = QVBoxLayout(self)
        layout.setSpacing(20)
        layout.addWidget(self.purpose)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        layout.addWidget(self.done)
        layout.addWidget(self.message)
        layout.addWidget(self.keypad_box)
        layout.addStretch(1)
        layout.addWidget(self.use_keypad)
        if not landscape:
            layout.addWidget(self.use_card)

    def refresh(self) -> None:
        flow, language = self.flow, self.controller.language
        typing = flow.entry is Entry.KEYPAD
        self.purpose.setText(tr(flow.purpose_key, language) if flow.purpose_key else "")
        if typing:
            title = "identify.company_title" if flow.allow_company else "identify.keypad_title"
        else:
            title = "identify.title"
        self.title.setText(tr(title, language))
        self.hint.setVisible(not typing)
        self.hint.setText(tr("identify.reading" if flow.reading else "identify.hint", language))
        self.done.setVisible(flow.identity is not None)
        who = " ".join(part for part in (flow.masked_name, flow.masked_number) if part)
        self.done.setText(tr("identify.read_done", language, who=who))
        self.message.setVisible(bool(flow.message))
        self.message.setText(flow.message)
        self.keypad_box.setVisible(typing)
        self.use_keypad.setVisible(not typing)
        self.use_card.setVisible(typing and flow.reader_usable())
        set_text(self.use_keypad, tr("identify.use_keypad", language))
        set_text(self.use_card, tr("identify.use_card", language))
        if typing:
            self._refresh_keypad()

    def _refresh_keypad(self) -> None:
        flow, language = self.flow, self.controller.language
        self.kind_prompt.setText(tr("identify.kind_prompt", language))
        offered = flow.kinds()
        for kind, widget in self.kind_buttons.items():
            widget.setVisible(kind in offered)
            set_text(widget, tr(f"identify.kind.{kind.value}", language))
            set_selected(widget, kind is flow.kind)
        self.typed.setText(grouped(flow.typed) if flow.typed else tr("identify.typed_empty", language))
        self.keypad.show_keys(flow.offered_keys(), language)
