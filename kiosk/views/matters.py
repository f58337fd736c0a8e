"""Choosing a matter (MATTERS when taking a ticket, GUIDES for 办事指南): 常办事项, the category grid, and
search by pinyin or its initials on the on-screen keyboard. Rows are big, wrap long names, scroll by touch."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from hall_server.contract.catalogue import MatterSummary
from kiosk.config import Orientation
from kiosk.controller.kiosk import KioskController
from kiosk.controller.matters import Mode
from kiosk.texts import tr
from kiosk.views.keyboard import LetterKeyboard
from kiosk.views.scrolling import TouchList
from kiosk.views.widgets import button, label, set_text, wrapping_row


def matter_row(matter: MatterSummary, on_pick: Callable[[], None]) -> QPushButton:
    return wrapping_row(f"matter{matter.id}", f"matterName{matter.id}", matter.name, on_pick)


class MattersPage(QWidget):
    def __init__(self, controller: KioskController) -> None:
        super().__init__()
        self.setObjectName("mattersPage")
        self.controller = controller
        flow = controller.matters
        self.title = label("mattersTitle", role="title")
        self.list_title = label("matterListTitle", role="big")
        self.status = label("matterListStatus", role="hint")
        self.list = TouchList("matterList")
        self.categories_title = label("categoriesTitle", role="big")
        self.high_frequency = button("highFrequencyButton", "", flow.show_high_frequency, role="choice")
        self.category_grid = QGridLayout()
        self.category_grid.setSpacing(12)
        self.category_buttons: dict[str, QPushButton] = {}
        self.search_title = label("searchTitle", role="big")
        self.query = label("searchQuery")
        self.search_hint = label("searchHint", role="hint")
        self.keyboard = LetterKeyboard(flow.type_letter, flow.backspace, flow.clear)
        self._shown_ids: tuple[int, ...] | None = None

        landscape = controller.config.orientation is Orientation.LANDSCAPE
        categories = QVBoxLayout()
        categories.setSpacing(14)
        categories.addWidget(self.categories_title)
        categories.addLayout(self.category_grid)
        search = QVBoxLayout()
        search.setSpacing(14)
        search.addWidget(self.search_title)
        search.addWidget(self.search_hint)
        search.addWidget(self.query)
        search.addWidget(self.keyboard)
        listing = QVBoxLayout()
        listing.setSpacing(14)
        listing.addWidget(self.list_title)
        listing.addWidget(self.status)
        listing.addWidget(self.list, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        if landscape:
            # Too short for categories, list and keyboard in one column: the categories and the scrolling
            # list on the left, the keyboard on the right, always whole and at the same place.
            left = QVBoxLayout()
            left.setSpacing(14)
            left.addLayout(categories)
            left.addLayout(listing, 1)
            search.addStretch(1)
            columns = QHBoxLayout()
            columns.setSpacing(32)
            columns.addLayout(left, 1)
            columns.addLayout(search, 1)
            layout.addLayout(columns, 1)
        else:
            layout.addLayout(listing, 1)
            layout.addLayout(categories)
            layout.addLayout(search)

    def refresh(self) -> None:
        c = self.controller
        flow, language = c.matters, c.language
        self.title.setText(
            tr("matters.title_choose" if flow.mode is Mode.CHOOSE else "matters.title_browse", language)
        )
        self._refresh_categories()
        self.categories_title.setText(tr("matters.categories", language))
        set_text(self.high_frequency, tr("matters.high_frequency", language))
        self.search_title.setText(tr("matters.search", language))
        self.search_hint.setText(tr("matters.search_hint", language))
        self.query.setText(tr("matters.query", language, q=flow.query) if flow.query else "")
        self.query.setVisible(bool(flow.query))
        self.keyboard.retranslate(language)
        if flow.query:
            heading = tr("matters.query", language, q=flow.query)
        elif flow.category is not None:
            heading = flow.category.name
        else:
            heading = tr("matters.high_frequency", language)
        self.list_title.setText(heading)
        shown = flow.shown()
        if not c.online or flow.failed:
            status = tr("matters.unavailable", language)
        elif flow.loading:
            status = tr("matters.loading", language)
        elif not shown:
            status = tr("matters.none", language)
        else:
            status = ""
        self.status.setText(status)
        self.status.setVisible(bool(status))
        ids = tuple(m.id for m in shown)
        if ids != self._shown_ids:
            self._shown_ids = ids
            self.list.set_rows([matter_row(m, partial(flow.pick, m.id)) for m in shown])

    def _refresh_categories(self) -> None:
        flow = self.controller.matters
        codes = [category.code for category in flow.categories]
        if codes == list(self.category_buttons):
            return
        for widget in self.category_buttons.values():
            widget.deleteLater()
        self.category_buttons = {}
        self.category_grid.removeWidget(self.high_frequency)
        columns = 4
        self.category_grid.addWidget(self.high_frequency, 0, 0)
        for index, category in enumerate(flow.categories, start=1):
            widget = button(
                f"category{category.code}",
                category.name,
                partial(flow.pick_category, category.code),
                role="choice",  # the smaller type: four in a row fit beside the keyboard in landscape
            )
            self.category_buttons[category.code] = widget
            self.category_grid.addWidget(widget, index // columns, index % columns)
            widget.show()  # at once, not on the next event loop turn (a tap may come first)
