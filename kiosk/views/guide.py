"""One matter's guide in plain language, large and scrollable: the GUIDE screen, reached from the ticket
flow (确认取号) or from 办事指南 (打印办事指南)."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.controller.guide import Guide
from kiosk.controller.kiosk import KioskController
from kiosk.controller.matters import Mode, PrintState
from kiosk.texts import tr
from kiosk.views.scrolling import TouchList
from kiosk.views.widgets import button, label, set_text


class GuideView(TouchList):
    """The sections of a guide: a bold title each, then its sentences, one per line."""

    def __init__(self) -> None:
        super().__init__("guideSections")
        self._shown: Guide | None = None

    def show_guide(self, guide: Guide | None) -> None:
        if guide is self._shown:
            return
        self._shown = guide
        rows: list[QWidget] = []
        for section in guide.sections if guide is not None else ():
            rows.append(label(f"guideTitle_{section.key}", section.title, role="big"))
            rows.append(label(f"guideText_{section.key}", "\n".join(section.lines)))
        self.set_rows(rows)


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
