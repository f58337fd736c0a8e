"""Touch scrolling: a list a finger drags (QScroller), no thin scroll bar to aim at."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QScroller, QVBoxLayout, QWidget


class TouchList(QScrollArea):
    """A vertical list of widgets in a scroll area that scrolls by dragging; rows are replaced at once."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.inner = QWidget()
        self.rows = QVBoxLayout(self.inner)
        self.rows.setContentsMargins(0, 0, 12, 0)
        self.rows.setSpacing(12)
        self.rows.addStretch(1)
        self.setWidget(self.inner)
        QScroller.grabGesture(self.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture)

    def set_rows(self, widgets: list[QWidget]) -> None:
        while self.rows.count() > 1:
            item = self.rows.takeAt(0)
            old = item.widget() if item is not None else None
            if old is not None:
                old.hide()
                old.setParent(None)  # out of the window at once (a visitor's data), deleted when Qt may
                old.deleteLater()
        for index, widget in enumerate(widgets):
            self.rows.insertWidget(index, widget)
            widget.show()
        self.verticalScrollBar().setValue(0)
