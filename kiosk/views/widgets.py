"""Small helpers every page uses: every actionable control gets a stable objectName and accessibleName."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QWidget


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
