"""Choosing a matter (事项): 高频事项 first, a category grid, and search by full pinyin or pinyin initials
typed on the on-screen keyboard; then the matter's guide in plain language.

Two uses: `choose(on_confirm)` for the ticket flow (MATTERS screen → GUIDE screen with 确认取号, which calls
on_confirm(matter)), and `browse()` for 办事指南 on the home screen (GUIDES screen → GUIDE screen with
打印办事指南, printed on the ticket printer as a one-time notice of materials).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from devices.errors import DeviceError
from devices.printer.driver import PrintResult
from devices.printer.layouts import GuideSheet, SheetSection
from hall_server.client import HallClient
from hall_server.contract.catalogue import CategoryOut, MatterOut, MatterSummary
from kiosk.config import Language
from kiosk.controller.devices import CardEvent
from kiosk.controller.guide import Guide, guide_of
from kiosk.texts import tr

if TYPE_CHECKING:
    from kiosk.controller.kiosk import KioskController

QUERY_LIMIT = 30  # letters: room for a matter's full pinyin, such as neidijuminjiehundengji (22)


class Mode(StrEnum):
    CHOOSE = "choose"  # taking a ticket: the guide ends with 确认取号
    BROWSE = "browse"  # 办事指南: the guide ends with 打印办事指南


class PrintState(StrEnum):
    IDLE = "idle"
    PRINTING = "printing"
    PRINTED = "printed"
    FAILED = "failed"


class MatterFlow:
    def __init__(self, kiosk: KioskController) -> None:
        from kiosk.controller.kiosk import Screen

        self.kiosk = kiosk
        self._screens = Screen
        for screen in (Screen.MATTERS, Screen.GUIDE, Screen.GUIDES):
            kiosk.flows[screen] = self
        self._generation = 0  # bumped by reset(): answers to an older visitor's requests are dropped
        self.reset()

    # -- state --------------------------------------------------------------------------------------------

    def reset(self) -> None:
        self._generation += 1
        self.mode = Mode.BROWSE
        self.on_confirm: Callable[[MatterOut], None] | None = None
        self.high_frequency: list[MatterSummary] = []
        self.categories: list[CategoryOut] = []
        self.category: CategoryOut | None = None
        self.category_matters: list[MatterSummary] = []
        self.query = ""
        self.results: list[MatterSummary] = []
        self.loading = False
        self.failed = False
        self.matter: MatterOut | None = None
        self.guide: Guide | None = None
        self.print_state = PrintState.IDLE
        self.print_message = ""

    def on_card(self, event: CardEvent) -> bool:
        return False  # choosing a matter needs no card

    def shown(self) -> list[MatterSummary]:
        """The list on screen: search results while letters are typed, else the category, else 高频."""
        if self.query:
            return self.results
        if self.category is not None:
            return self.category_matters
        return self.high_frequency

    @property
    def list_screen(self) -> Any:
        return self._screens.MATTERS if self.mode is Mode.CHOOSE else self._screens.GUIDES

    # -- entry points -------------------------------------------------------------------------------------

    def choose(self, on_confirm: Callable[[MatterOut], None]) -> None:
        self.reset()
        self.mode = Mode.CHOOSE
        self.on_confirm = on_confirm
        self._open()

    def browse(self) -> None:
        self.reset()
        self.mode = Mode.BROWSE
        self._open()

    def _open(self) -> None:
        self.kiosk.go(self.list_screen)
        self._ask(
            lambda client: (client.matters(high_frequency=True), client.categories()),
            self._loaded,
        )

    def _loaded(self, answer: tuple[list[MatterSummary], list[CategoryOut]]) -> None:
        self.high_frequency, self.categories = answer

    # -- the list: categories and search ------------------------------------------------------------------

    def pick_category(self, code: str) -> None:
        self.kiosk.touch()
        self.category = next((c for c in self.categories if c.code == code), None)
        self.category_matters = []
        self.query = ""
        self.changed()
        if self.category is not None:
            self._ask(lambda client: client.matters(category=code), self._category_loaded(code))

    def _category_loaded(self, code: str) -> Callable[[list[MatterSummary]], None]:
        def done(matters: list[MatterSummary]) -> None:
            if self.category is not None and self.category.code == code:
                self.category_matters = matters

        return done

    def show_high_frequency(self) -> None:
        self.kiosk.touch()
        self.category = None
        self.query = ""
        self.changed()

    def type_letter(self, letter: str) -> None:
        if len(self.query) < QUERY_LIMIT and len(letter) == 1 and letter.isascii() and letter.isalpha():
            self._search(self.query + letter.upper())

    def backspace(self) -> None:
        self._search(self.query[:-1])

    def clear(self) -> None:
        self._search("")

    def _search(self, query: str) -> None:
        self.kiosk.touch()
        self.query = query
        self.results = []
        self.changed()
        if query:
            self._ask(lambda client: client.matters(q=query), self._searched(query))

    def _searched(self, query: str) -> Callable[[list[MatterSummary]], None]:
        def done(matters: list[MatterSummary]) -> None:
            if self.query == query:  # an answer for letters since changed is stale
                self.results = matters

        return done

    # -- the guide ----------------------------------------------------------------------------------------

    def pick(self, matter_id: int) -> None:
        self.kiosk.touch()
        self.matter, self.guide = None, None
        self.print_state, self.print_message = PrintState.IDLE, ""
        self.kiosk.go(self._screens.GUIDE)
        self._ask(lambda client: client.matter(matter_id), self._matter_loaded)

    def _matter_loaded(self, matter: MatterOut) -> None:
        self.matter = matter
        self.guide = guide_of(matter, self.kiosk.language)

    def back_to_list(self) -> None:
        self.matter, self.guide = None, None
        self.print_state, self.print_message = PrintState.IDLE, ""
        self.kiosk.go(self.list_screen)

    def confirm(self) -> None:
        """确认取号: hand the matter to the ticket flow."""
        if self.mode is Mode.CHOOSE and self.matter is not None and self.on_confirm is not None:
            self.kiosk.touch()
            self.on_confirm(self.matter)

    def print_guide(self) -> None:
        """打印办事指南 on the ticket printer, in a worker; the result says whether it came out."""
        if self.guide is None or self.print_state is PrintState.PRINTING:
            return
        self.kiosk.touch()
        sheet = self.sheet()
        self.print_state, self.print_message = PrintState.PRINTING, ""
        self.changed()
        generation = self._generation
        devices = self.kiosk.devices

        def printed(_: PrintResult) -> None:
            if generation == self._generation:
                self.print_state = PrintState.PRINTED
                self.changed()

        def failed(error: Exception) -> None:
            if generation == self._generation:
                reason = error.message if isinstance(error, DeviceError) else str(error)
                self.print_state = PrintState.FAILED
                self.print_message = reason.rstrip("。")
                self.changed()

        self.kiosk.runner.submit(lambda: devices.print_with(lambda p: p.print_guide(sheet)), printed, failed)

    def sheet(self) -> GuideSheet:
        """The printed one-time notice (materials, time limit, fees, where), in Chinese whatever the
        screen's language."""
        assert self.matter is not None
        chinese = guide_of(self.matter)
        return GuideSheet(
            hall_name=self.kiosk.hall_name or "政务服务中心",
            matter=chinese.name,
            sections=tuple(SheetSection(s.title, s.lines) for s in chinese.printed()),
            printed_at=datetime.now().astimezone(),
            hall_contact=tr("guide.sheet_contact", Language.ZH),
        )

    # -- plumbing -----------------------------------------------------------------------------------------

    def changed(self) -> None:
        self.kiosk.changed()

    def _ask(self, work: Callable[[HallClient], Any], done: Callable[[Any], None]) -> None:
        """A server call whose answer is dropped if the visitor has gone (reset) in the meantime."""
        generation = self._generation
        self.loading, self.failed = True, False

        def answered(result: Any) -> None:
            if generation == self._generation:
                self.loading = False
                done(result)
                self.changed()

        def went_wrong(_: Exception) -> None:
            if generation == self._generation:
                self.loading, self.failed = False, True
                self.changed()

        if not self.kiosk.call_server(work, answered, went_wrong, lost=went_wrong):
            self.loading, self.failed = False, True
        self.changed()
