"""The on-screen keypad for identity numbers: big keys, digits and X (or the letters a kind allows), delete,
clear and confirm. It only forwards taps; the controller decides what a key does."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from kiosk.config import Language
from kiosk.texts import tr
from kiosk.views.widgets import button, set_text

DIGIT_PAD = "123456789X0"  # the phone layout, X bottom left, 0 in the middle


def key_name(key: str, prefix: str = "key") -> str:
    return f"{prefix}{key}"


class Keypad(QWidget):
    def __init__(
        self,
        on_key: Callable[[str], None],
        on_backspace: Callable[[], None],
        on_clear: Callable[[], None],
        on_confirm: Callable[[], None],
        *,
        name: str = "keypad",
        key_prefix: str = "key",
    ) -> None:
        """`name` and `key_prefix` tell two keypads of one window apart (keyConfirm, complaintKeyConfirm)."""
        super().__init__()
        self.setObjectName(name)
        self._on_key = on_key
        self._prefix = key_prefix
        self._keys = ""
        self.key_buttons: dict[str, QPushButton] = {}
        self.grid = QGridLayout()
        self.grid.setSpacing(12)
        self.backspace = button(key_name("Backspace", key_prefix), "", on_backspace, role="key")
        self.clear = button(key_name("Clear", key_prefix), "", on_clear, role="key")
        self.confirm = button(key_name("Confirm", key_prefix), "", on_confirm, role="confirm")
        actions = QHBoxLayout()
        actions.setSpacing(12)
        actions.addWidget(self.clear, 1)
        actions.addWidget(self.backspace, 1)
        actions.addWidget(self.confirm, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addLayout(self.grid)
        layout.addLayout(actions)

    def show_keys(self, keys: str, language: Language) -> None:
        """Offer exactly `keys` (rebuilt only when they change) and label the actions in `language`."""
        set_text(self.backspace, tr("keypad.backspace", language))
        set_text(self.clear, tr("keypad.clear", language))
        set_text(self.confirm, tr("keypad.confirm", language))
        if keys == self._keys:
            return
        self._keys = keys
        for widget in self.key_buttons.values():
            self.grid.removeWidget(widget)
            widget.hide()
            widget.deleteLater()
        self.key_buttons.clear()
        for row, column, key in _positions(keys):
            widget = button(key_name(key, self._prefix), key, partial(self._on_key, key), role="key")
            self.key_buttons[key] = widget
            self.grid.addWidget(widget, row, column)
            widget.show()  # at once, not on the next event loop turn (a grab or a tap may come first)


def _positions(keys: str) -> list[tuple[int, int, str]]:
    """Digits and X as a phone keypad (0 in the middle of the last row, with or without X); with letters, a
    row of digits then the letters ten to a row."""
    if set(keys) <= set(DIGIT_PAD):
        return [(index // 3, index % 3, key) for index, key in enumerate(DIGIT_PAD) if key in keys]
    digits = [key for key in keys if key.isdigit()]
    letters = [key for key in keys if not key.isdigit()]
    digits = digits[1:] + digits[:1]  # 1…9 then 0, as on a keyboard
    placed = [(0, index, key) for index, key in enumerate(digits)]
    placed += [(1 + index // 10, index % 10, key) for index, key in enumerate(letters)]
    return placed
