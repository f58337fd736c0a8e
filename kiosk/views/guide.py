"""One matter's guide in plain language, large and scrollable: the GUIDE screen, reached from the ticket
flow (确认取号) or from 办事指南 (打印办事指南)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.controller.guide import Guide
from kiosk.controller.kiosk import KioskController
from kiosk.controller.matters import Mode, PrintState
from kiosk.texts import tr
from kiosk.views.scrolling import TouchList
from kiosk.views.widgets import button, label, set_text


class GuideView(TouchList):
    """The sections of a guide: a bold title each, then its sentences, one row per sentence.

    The list shows whole rows only: a row the viewport's edge would cut (half a line of a sentence, the
    glyphs sliced) is covered by a curtain of the page's colour until the visitor drags it fully in, so
    the last line shown is always readable, and scrolled to the end the guide's last line shows whole.
    """

    def __init__(self) -> None:
        super().__init__("guideSections")
        self._shown: Guide | None = None
        self._rows: list[QWidget] = []
        self.curtains = (
            _curtain("guideCurtainTop", self.viewport()),
            _curtain("guideCurtainBottom", self.viewport()),
        )
        self.verticalScrollBar().valueChanged.connect(lambda _value: self.cover_cut_rows())
        self.inner.installEventFilter(self)
        self.viewport().installEventFilter(self)

    def show_guide(self, guide: Guide | None) -> None:
        if guide is self._shown:
            return
        self._shown = guide
        rows: list[QWidget] = []
        for section in guide.sections if guide is not None else ():
            rows.append(label(f"guideTitle_{section.key}", section.title, role="big"))
            rows.extend(label(f"guideText_{section.key}_{i}", line) for i, line in enumerate(section.lines))
        self._rows = rows
        self.set_rows(rows)
        self.cover_cut_rows()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() in (QEvent.Type.Resize, QEvent.Type.LayoutRequest, QEvent.Type.Move):
            self.cover_cut_rows()
        return False

    def cover_cut_rows(self) -> None:
        """Curtain the strips of the viewport where a row is cut by its top or bottom edge."""
        height, offset = self.viewport().height(), self.inner.y()
        top_cut, bottom_cut = 0, height
        for row in self._rows:
            top, bottom = row.y() + offset, row.y() + offset + row.height()
            if row.height() >= height:
                continue  # taller than the list: shown cut rather than hidden
            if top < 0 < bottom:
                top_cut = max(top_cut, bottom)
            if top < height < bottom:
                bottom_cut = min(bottom_cut, top)
        top_curtain, bottom_curtain = self.curtains
        width = self.viewport().width()
        top_curtain.setGeometry(0, 0, width, top_cut)
        top_curtain.setVisible(top_cut > 0)
        bottom_curtain.setGeometry(0, bottom_cut, width, height - bottom_cut)
        bottom_curtain.setVisible(bottom_cut < height)
        for curtain in self.curtains:
            curtain.raise_()


def _curtain(name: str, parent: QWidget) -> QWidget:
    """A strip painted in the page's colour (the stylesheet's background), blind to touches."""
    curtain = QWidget(parent)
    curtain.setObjectName(name)
    curtain.setAccessibleName(name)
    curtain.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    curtain.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
    curtain.hide()
    return curtain


class GuidePage(QWidget):
    def __init__(self, controller: KioskController) -> None:
        super().__init__()
        self.setObjectName("guidePage")
        self.controller = controller
        flow = controller.matters
        self.name = label("guideMatterName", role="title")
        self.badges = label("guideBadges", role="notice")
        self.status = label("guideStatus", role="hint")
        self.sections = GuideView()
        self.print_result = label("guidePrintResult")
        self.back = button("guideBackButton", "", flow.back_to_list, role="secondary")
        self.confirm = button("confirmMatterButton", "", flow.confirm, role="primary")
        self.print = button("printGuideButton", "", flow.print_guide, role="primary")
        actions = QHBoxLayout()
        actions.setSpacing(24)
        actions.addWidget(self.back, 1)
        actions.addWidget(self.confirm, 2)
        actions.addWidget(self.print, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(16)
        layout.addWidget(self.name)
        layout.addWidget(self.badges)
        layout.addWidget(self.status)
        layout.addWidget(self.sections, 1)
        layout.addWidget(self.print_result)
        layout.addLayout(actions)

    def refresh(self) -> None:
        c = self.controller
        flow, language = c.matters, c.language
        guide = flow.guide
        self.name.setText(guide.name if guide else "")
        self.badges.setText("　".join(guide.badges) if guide else "")
        self.badges.setVisible(bool(guide and guide.badges))
        status = (
            ""
            if guide
            else tr("matters.unavailable" if flow.failed or not c.online else "guide.loading", language)
        )
        self.status.setText(status)
        self.status.setVisible(bool(status))
        self.sections.show_guide(guide)
        set_text(self.back, tr("common.back", language))
        set_text(self.confirm, tr("guide.confirm", language))
        set_text(self.print, tr("guide.print", language))
        choosing = flow.mode is Mode.CHOOSE
        self.confirm.setVisible(choosing)
        self.confirm.setEnabled(guide is not None and c.online)
        self.print.setVisible(not choosing)
        self.print.setEnabled(guide is not None and flow.print_state is not PrintState.PRINTING)
        words = {
            PrintState.IDLE: ("", ""),
            PrintState.PRINTING: (tr("guide.printing", language), "hint"),
            PrintState.PRINTED: (tr("guide.printed", language), "notice"),
            PrintState.FAILED: (tr("guide.print_failed", language, reason=flow.print_message), "error"),
        }
        text, role = words[flow.print_state]
        self.print_result.setText(text)
        self.print_result.setProperty("role", role)
        self.print_result.style().polish(self.print_result)
        self.print_result.setVisible(bool(text))
