"""我的排队/办件: the visitor places the ID card and sees today's tickets with their state in plain words.

Only what the server returns masked is kept (ticket number, masked ID and name); the identity read from the
card goes to the server in a worker and is not stored. Cases will be listed here once the case issue lands.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from hall_server.contract.identity import IdentityIn
from hall_server.contract.idnumbers import mask_name
from hall_server.contract.privacy import mask_number
from hall_server.contract.queue import TicketDelivery, TicketOut, TicketStatus
from kiosk.config import Language
from kiosk.controller.devices import CardEvent
from kiosk.texts import tr

if TYPE_CHECKING:
    from kiosk.controller.kiosk import KioskController


class LookupStage(StrEnum):
    WAIT_CARD = "wait_card"  # 请将身份证放在感应区
    READING = "reading"  # card placed, being read
    SEARCHING = "searching"  # asking the hall server
    SHOWN = "shown"  # today's tickets (maybe none)
    FAILED = "failed"  # the server could not answer
    NO_READER = "no_reader"  # the reader is absent or faulty


@dataclass(frozen=True)
class TicketLine:
    """A ticket as this screen shows it: number and state, nothing personal."""

    number: str
    category: str
    matter: str
    status: TicketStatus
    pending: bool  # issued at a kiosk, delivery not confirmed yet
    people_ahead: int | None
    window_no: int | None

    @classmethod
    def of(cls, ticket: TicketOut) -> TicketLine:
        return cls(
            number=ticket.number,
            category=ticket.category_name,
            matter=ticket.matter_name or "",
            status=ticket.status,
            pending=ticket.delivery is TicketDelivery.PENDING,
            people_ahead=ticket.estimate.people_ahead if ticket.estimate else None,
            window_no=ticket.window_no or ticket.target_window_no,
        )

    def state_words(self, language: Language) -> str:
        if self.status is TicketStatus.WAITING:
            if self.pending:
                return tr("lookup.pending", language)
            if not self.people_ahead:
                return tr("lookup.waiting_next", language)
            return tr("lookup.waiting", language, n=self.people_ahead)
        if self.status is TicketStatus.CALLED:
            if self.window_no is None:
                return tr("lookup.called_no_window", language)
            return tr("lookup.called", language, window=self.window_no)
        if self.status is TicketStatus.SERVING:
            return tr("lookup.serving", language, window=self.window_no or "-")
        words = {
            TicketStatus.DONE: "lookup.done",
            TicketStatus.NO_SHOW: "lookup.no_show",
            TicketStatus.CANCELLED: "lookup.cancelled",
        }
        return tr(words[self.status], language)


class LookupFlow:
    def __init__(self, kiosk: KioskController) -> None:
        from kiosk.controller.kiosk import Screen

        self.kiosk = kiosk
        self._screen = Screen.LOOKUP
        kiosk.flows[Screen.LOOKUP] = self
        self._generation = 0
        self.reset()

    def reset(self) -> None:
        self._generation += 1
        self.stage = LookupStage.WAIT_CARD
        self.number_masked = ""
        self.name_masked = ""
        self.tickets: list[TicketLine] = []
        self.card_failed = False  # the last card could not be read: place it again

    def start(self) -> None:
        self.reset()
        if self.kiosk.devices.part("reader") is not None and not self.kiosk.devices.works("reader"):
            self.stage = LookupStage.NO_READER
        self.kiosk.go(self._screen)

    def type_number(self) -> None:
        """没带身份证: the number typed on the identify step's keypad (check digits checked there)."""
        self.kiosk.identify.start("lookup.title", self._typed)
        self.kiosk.identify.use_keypad()

    def _typed(self, identity: IdentityIn) -> None:
        self.reset()
        self.kiosk.go(self._screen)
        self.look_up(identity)

    def on_card(self, event: CardEvent) -> bool:
        if event.kind == "unavailable":
            self.stage = LookupStage.NO_READER
            return False
        if event.kind == "available" and self.stage is LookupStage.NO_READER:
            self.stage = LookupStage.WAIT_CARD
            return False
        if self.stage is LookupStage.SEARCHING:
            return False
        if event.kind == "placed":
            self.stage, self.card_failed = LookupStage.READING, False
            return True
        if event.kind == "failed":
            self.stage, self.card_failed = LookupStage.WAIT_CARD, True
            self.kiosk.speak(tr("lookup.read_failed", self.kiosk.language))
            return True
        if event.kind == "read" and event.identity is not None:
            self.look_up(event.identity)
            return True
        return False

    def summary(self, language: Language) -> str:
        """The result in one spoken paragraph: each ticket's number and where it stands."""
        if not self.tickets:
            return tr("say.lookup_none", language)
        return "".join(
            tr("say.lookup_ticket", language, number=t.number, what=t.state_words(language))
            for t in self.tickets
        )

    def look_up(self, identity: IdentityIn) -> None:
        """Today's tickets of this identity (from the card, or typed); the identity itself is not kept."""
        self.tickets = []
        self.number_masked = mask_number(identity.number)
        self.name_masked = mask_name(identity.name) if identity.name else ""
        self.stage, self.card_failed = LookupStage.SEARCHING, False
        generation = self._generation

        def found(tickets: list[TicketOut]) -> None:
            if generation != self._generation:
                return
            self.tickets = [TicketLine.of(t) for t in tickets]
            visitor = next((t.visitor for t in tickets if t.visitor is not None), None)
            if visitor is not None:
                self.number_masked, self.name_masked = visitor.number_masked, visitor.name_masked or ""
            self.stage = LookupStage.SHOWN
            self.kiosk.changed()
            self.kiosk.speak(self.summary(self.kiosk.language))

        def failed(_: Exception) -> None:
            if generation == self._generation:
                self.stage = LookupStage.FAILED
                self.kiosk.changed()
                self.kiosk.speak(tr("lookup.failed", self.kiosk.language))

        if not self.kiosk.call_server(lambda client: client.tickets_of(identity), found, failed, lost=failed):
            self.stage = LookupStage.FAILED
        self.kiosk.changed()
