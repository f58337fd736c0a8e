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
from kiosk.controller.cardstep import CardStep
from kiosk.controller.casequery import CaseQuery
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

    ticket_id: int
    number: str
    category: str
    matter: str
    status: TicketStatus
    pending: bool  # issued at a kiosk, delivery not confirmed yet
    people_ahead: int | None
    open_windows: int | None  # open windows serving its category; 0: nobody will call it for now
    window_no: int | None

    @classmethod
    def of(cls, ticket: TicketOut) -> TicketLine:
        return cls(
            ticket_id=ticket.id,
            number=ticket.number,
            category=ticket.category_name,
            matter=ticket.matter_name or "",
            status=ticket.status,
            pending=ticket.delivery is TicketDelivery.PENDING,
            people_ahead=ticket.estimate.people_ahead if ticket.estimate else None,
            open_windows=ticket.estimate.open_windows if ticket.estimate else None,
            window_no=ticket.window_no or ticket.target_window_no,
        )

    @property
    def what(self) -> str:
        """Its category and matter: 社会事务 · 户口迁移."""
        return " · ".join(part for part in (self.category, self.matter) if part)

    def state_words(self, language: Language) -> str:
        if self.status is TicketStatus.WAITING:
            if self.pending:
                return tr("lookup.pending", language)
            if self.open_windows == 0:  # "you are next" would be untrue: no window calls it now
                if not self.people_ahead:
                    return tr("lookup.first_no_window", language)
                return tr("lookup.no_window", language, n=self.people_ahead)
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


class LookupFlow(CardStep[LookupStage]):
    def __init__(self, kiosk: KioskController) -> None:
        from kiosk.controller.kiosk import Screen

        self.case_query = CaseQuery(kiosk)  # 办件查询 on the same screen
        super().__init__(kiosk, Screen.LOOKUP, LookupStage, "lookup")

    def reset(self) -> None:
        super().reset()
        self.case_query.reset()
        self.number_masked = ""
        self.name_masked = ""
        self.tickets: list[TicketLine] = []

    def takes_cards(self) -> bool:
        """Another card may be placed once a card's tickets show."""
        return self.stage is not LookupStage.SEARCHING

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

        def found(tickets: list[TicketOut]) -> None:
            self.tickets = [TicketLine.of(t) for t in tickets]
            visitor = next((t.visitor for t in tickets if t.visitor is not None), None)
            if visitor is not None:
                self.number_masked, self.name_masked = visitor.number_masked, visitor.name_masked or ""
            self.stage = LookupStage.SHOWN
            self.kiosk.changed()
            self.kiosk.speak(self.summary(self.kiosk.language))

        self.search(lambda client: client.tickets_of(identity), found)

    def failed(self, error: Exception | None) -> None:
        self.stage = LookupStage.FAILED
        self.kiosk.changed()
        self.kiosk.speak(tr("lookup.failed", self.kiosk.language))
