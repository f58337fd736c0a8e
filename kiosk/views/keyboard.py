"""The on-screen keyboard for search (a kiosk has no system keyboard): letters A–Z as big keys, in the
QWERTY rows that pinyin typists know, plus 清空 and 退格 on a row of their own."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtWidgets import QGridLayout, QPushButton, QWidget

from kiosk.config import Language
from kiosk.texts import tr
from kiosk.views.widgets import button, set_text

ROWS = ("QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM")


class LetterKeyboard(QWidget):
    def __init__(
        self,
        on_letter: Callable[[str], None],
        on_backspace: Callable[[], None],
        on_clear: Callable[[], None],
    ) -> None:
        super().__init__()
        self.setObjectName("letterKeyboard")
        grid = QGridLayout(self)
        grid.setSpacing(8)
        grid.setContentsMargins(0, 0, 0, 0)
        self.keys: dict[str, QPushButton] = {}
        for row, letters in enumerate(ROWS):
            for column, letter in enumerate(letters):
                key = button(f"letterKey{letter}", letter, partial(on_letter, letter), role="key")
                self.keys[letter] = key
                grid.addWidget(key, row, column * 2 + row, 1, 2)  # staggered like a real keyboard
        self.backspace = button("letterBackspace", "", on_backspace, role="key")
        self.clear = button("letterClear", "", on_clear, role="key")
        # a row of their own: wide enough for 退格 / 清空 in elder type however narrow the column
        grid.addWidget(self.clear, 3, 2, 1, 8)
        grid.addWidget(self.backspace, 3, 10, 1, 8)

    def retranslate(self, language: Language) -> None:
        set_text(self.backspace, tr("keyboard.backspace", language))
        set_text(self.clear, tr("keyboard.clear", language))
