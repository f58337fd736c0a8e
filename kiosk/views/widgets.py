"""Small helpers every page uses: every actionable control gets a stable objectName and accessibleName."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

ROW_MARGIN = 14
ROW_MIN_HEIGHT = 100  # a big touch target even for a one-line row, in both modes


def button(
    name: str, text: str, on_click: Callable[[], None], *, role: str = "", parent: QWidget | None = None
) -> QPushButton:
    widget = QPushButton(text, parent)
    widget.setObjectName(name)
    widget.setAccessibleName(text)
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a touch screen: no focus rectangles
    if role:
        widget.setProperty("role", role)
    widget.clicked.connect(lambda: on_click())
    return widget


def set_text(widget: QPushButton, text: str) -> None:
    """Change a control's words and what a screen reader says of it together."""
    widget.setText(text)
    widget.setAccessibleName(text)


def label(name: str, text: str = "", *, role: str = "", wrap: bool = True) -> QLabel:
    widget = QLabel(text)
    widget.setObjectName(name)
    widget.setAccessibleName(name)
    widget.setWordWrap(wrap)
    if role:
        widget.setProperty("role", role)
    return widget


def set_selected(widget: QPushButton, selected: bool) -> None:
    """A choice shown as chosen (styled by the `selected` property; checked for a screen reader)."""
    widget.setCheckable(True)
    widget.setChecked(selected)
    if widget.property("selected") == selected:
        return
    widget.setProperty("selected", selected)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def wrapping_row(name: str, words_name: str, text: str, on_pick: Callable[[], None]) -> QPushButton:
    """A tappable row of a list whose words wrap (a QPushButton's own text never does)."""
    row = button(name, "", on_pick)
    row.setAccessibleName(text)
    words = label(words_name, text)
    words.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
    words.setStyleSheet("background: transparent; border: none;")
    inner = QVBoxLayout(row)
    inner.setContentsMargins(ROW_MARGIN, ROW_MARGIN, ROW_MARGIN, ROW_MARGIN)
    inner.addWidget(words)
    row.installEventFilter(_GrowToText(row, words))
    return row


class _GrowToText(QObject):
    """Keeps a row as tall as its wrapped label needs at the row's current width."""

    def __init__(self, row: QPushButton, words: QLabel) -> None:
        super().__init__(row)
        self.row, self.words = row, words

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() in (QEvent.Type.Resize, QEvent.Type.StyleChange, QEvent.Type.FontChange):
            text = self.words.heightForWidth(self.row.width() - 2 * ROW_MARGIN)
            # never below the style's own minimum (elder mode's taller touch target)
            needed = max(ROW_MIN_HEIGHT, text + 2 * ROW_MARGIN, self.row.minimumSizeHint().height())
            if self.row.minimumHeight() != needed:
                self.row.setMinimumHeight(needed)
        return False
