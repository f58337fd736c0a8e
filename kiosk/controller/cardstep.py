"""The ID-card step that opens the flows finding the visitor's own records of today (我的排队, 评价,
投诉): 请将身份证放在感应区, the card being read or failing, the reader out of order, the number typed on the
identify step's keypad instead; then a call to the hall server whose answer counts only while this visitor
is still here (the idle wipe or 返回首页 may come first). The identity itself is never kept.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Generic, TypeVar

from hall_server.client import HallClient
from hall_server.contract.identity import IdentityIn
from kiosk.controller.devices import CardEvent
from kiosk.texts import tr

if TYPE_CHECKING:
    from kiosk.controller.kiosk import KioskController, Screen

S = TypeVar("S", bound=StrEnum)
T = TypeVar("T")


class CardStep(Generic[S]):
    """Base of such a flow. Its stages (`stages`) have WAIT_CARD, READING, SEARCHING and NO_READER; the texts
    `<texts>.title` (the keypad's purpose) and `<texts>.read_failed` exist. Subclasses say what to look up
    (`look_up`) and what a failed call shows (`failed`)."""

    stage: S

    def __init__(self, kiosk: KioskController, screen: Screen, stages: type[S], texts: str) -> None:
        self.kiosk = kiosk
        self._screen = screen
        self._texts = texts
        self._wait_card, self._reading, self._searching, self._no_reader = (
            stages[name] for name in ("WAIT_CARD", "READING", "SEARCHING", "NO_READER")
        )
        self._generation = 0
        kiosk.flows[screen] = self
        self.reset()

    def reset(self) -> None:
        self._generation += 1  # answers to calls made for the visitor before are dropped
        self.stage = self._wait_card
        self.card_failed = False  # the last card could not be read: place it again

    def start(self) -> None:
        self.reset()
        self.wait_for_card()
        self.kiosk.go(self._screen)

    def wait_for_card(self) -> None:
        """请将身份证放在感应区, or the reader's fault at once (the keypad is offered then)."""
        devices = self.kiosk.devices
        broken = devices.part("reader") is not None and not devices.works("reader")
        self.stage = self._no_reader if broken else self._wait_card
        self.card_failed = False

    def type_number(self) -> None:
        """没带身份证: the number typed on the identify step's keypad (check digits checked there)."""
        self.kiosk.identify.start(f"{self._texts}.title", self._typed)
        self.kiosk.identify.use_keypad()

    def _typed(self, identity: IdentityIn) -> None:
        self.kiosk.go(self._screen)
        self.look_up(identity)

    def takes_cards(self) -> bool:
        """Whether a card placed now is read for this flow; else the reader's events are ignored."""
        return self.stage in (self._wait_card, self._reading)

    def on_card(self, event: CardEvent) -> bool:
        if event.kind == "unavailable":
            if self.stage in (self._wait_card, self._reading):
                self.stage = self._no_reader
            return False
        if event.kind == "available":
            if self.stage is self._no_reader:
                self.stage = self._wait_card
            return False
        if not self.takes_cards():
            return False
        if event.kind == "placed":
            self.stage, self.card_failed = self._reading, False
        elif event.kind == "failed":
            self.stage, self.card_failed = self._wait_card, True
            self.kiosk.speak(tr(f"{self._texts}.read_failed", self.kiosk.language))
        elif event.kind == "read" and event.identity is not None:
            self.look_up(event.identity)
        else:
            return False
        return True

    def look_up(self, identity: IdentityIn) -> None:
        """Ask the hall server about this visitor (with `search`)."""
        raise NotImplementedError

    def failed(self, error: Exception | None) -> None:
        """A call went wrong: an ApiError (4xx, or 503 HALL_OFFLINE), a transport error, or None when the
        kiosk is offline and nothing was sent."""
        raise NotImplementedError

    def search(self, work: Callable[[HallClient], T], found: Callable[[T], None]) -> None:
        self.stage, self.card_failed = self._searching, False
        self.ask(work, found)

    def ask(self, work: Callable[[HallClient], T], answered: Callable[[T], None]) -> None:
        """Call the hall server in a worker; `answered` or `failed` run only if the visitor is still here."""
        if not self.kiosk.call_server(
            work, self._current(answered), self._current(self.failed), lost=self._current(self.failed)
        ):
            self.failed(None)
        self.kiosk.changed()

    def _current(self, then: Callable[[T], None]) -> Callable[[T], None]:
        generation = self._generation

        def call(value: T) -> None:
            if generation == self._generation:
                then(value)

        return call
