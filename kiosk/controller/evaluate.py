"""评价: the visitor places the ID card, picks a service received today, rates it (five levels) and, for a
差评, says what went wrong by touching a reason. The rating goes to that service's evaluation opportunity
(channel KIOSK), so it is tied to the ticket, matter, window and clerk; a second rating of the same service
is its one 追评. The identity read from the card is not kept: only what the server returns, masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from hall_server.client import ApiError
from hall_server.contract.evaluation import (
    BAD_LEVELS,
    LEVEL_NAMES,
    EvalChannel,
    EvaluationIn,
    Level,
    OpportunityOut,
)
from hall_server.contract.identity import IdentityIn
from kiosk.config import Language
from kiosk.controller.cardstep import CardStep
from kiosk.controller.complaint import AboutTicket
from kiosk.texts import tr

if TYPE_CHECKING:
    from kiosk.controller.kiosk import KioskController

# What a visitor can say about a 差评 with one touch (sent as its text: a 差评 needs a reason)
BAD_REASONS = ("wait", "attitude", "unclear", "again", "other")
LEVELS = (Level.VERY_SATISFIED, Level.SATISFIED, Level.BASIC, Level.DISSATISFIED, Level.VERY_DISSATISFIED)


class RateStage(StrEnum):
    WAIT_CARD = "wait_card"
    READING = "reading"
    SEARCHING = "searching"
    CHOOSE = "choose"  # services received today that can be rated
    NONE = "none"  # nothing to rate today
    RATE = "rate"  # five levels
    REASON = "reason"  # a 差评: what went wrong
    SENDING = "sending"
    DONE = "done"
    FAILED = "failed"
    NO_READER = "no_reader"


@dataclass(frozen=True)
class Service:
    """A service the visitor received today, as the screen shows it: nothing personal."""

    opportunity_id: int
    ticket_id: int | None
    ticket_number: str
    what: str  # the matter, or the service's name
    window_no: int | None
    rated: bool  # a first evaluation exists: the next is the 追评

    @classmethod
    def of(cls, opportunity: OpportunityOut) -> Service:
        return cls(
            opportunity.id,
            opportunity.ticket_id,
            opportunity.ticket_number or "",
            opportunity.matter_name or opportunity.service_name,
            opportunity.window_no,
            bool(opportunity.evaluations),
        )


class EvaluateFlow(CardStep[RateStage]):
    def __init__(self, kiosk: KioskController) -> None:
        from kiosk.controller.kiosk import Screen

        super().__init__(kiosk, Screen.EVALUATE, RateStage, "rate")

    def reset(self) -> None:
        super().reset()
        self.services: list[Service] = []
        self.chosen: Service | None = None
        self.level: Level | None = None
        self.error = ""

    def look_up(self, identity: IdentityIn) -> None:
        def found(opportunities: list[OpportunityOut]) -> None:
            self.services = [Service.of(o) for o in opportunities]
            self.stage = RateStage.CHOOSE if self.services else RateStage.NONE
            if len(self.services) == 1:
                self.choose(0)
                return
            self.kiosk.changed()

        self.search(lambda client: client.opportunities_of_visitor(identity), found)

    def choose(self, index: int) -> None:
        self.kiosk.touch()
        self.chosen = self.services[index]
        self.level = None
        self.stage = RateStage.RATE
        self.kiosk.changed()

    def rate(self, level: Level) -> None:
        """A good or middling level is sent at once; a 差评 asks what went wrong first."""
        self.kiosk.touch()
        self.level = level
        if level in BAD_LEVELS:
            self.stage = RateStage.REASON
            self.kiosk.changed()
            return
        self._send(EvaluationIn(level=level, channel=EvalChannel.KIOSK))

    def give_reason(self, reason: str) -> None:
        self.kiosk.touch()
        if self.level is None or reason not in BAD_REASONS:
            return
        # the record is in Chinese whatever the screen's language
        text = tr(f"rate.reason.{reason}", Language.ZH)
        self._send(EvaluationIn(level=self.level, channel=EvalChannel.KIOSK, text=text))

    def _send(self, evaluation: EvaluationIn) -> None:
        chosen = self.chosen
        if chosen is None:
            return
        self.stage = RateStage.SENDING
        # what the screen showed: a first rating, or the 追评 of a service already rated
        evaluation = evaluation.model_copy(update={"follow_up": chosen.rated})

        def sent(_: object) -> None:
            self.stage = RateStage.DONE
            self.kiosk.changed()
            self.kiosk.speak(tr("rate.thanks", self.kiosk.language))

        self.ask(lambda client: client.evaluate(chosen.opportunity_id, evaluation), sent)

    def complain(self) -> None:
        """我要投诉 from here: about the service just rated when it was a ticket's, else from the start."""
        chosen = self.chosen if self.stage is RateStage.DONE else None
        about = None
        if chosen is not None and chosen.ticket_id is not None:
            about = AboutTicket(chosen.ticket_id, chosen.ticket_number, chosen.what, chosen.window_no)
        self.kiosk.complaint.start(about)

    def failed(self, error: Exception | None) -> None:
        self.stage = RateStage.FAILED
        self.error = error.message if isinstance(error, ApiError) else ""
        self.kiosk.changed()
        self.kiosk.speak(tr("rate.failed", self.kiosk.language))

    @staticmethod
    def level_words(level: Level, language: Language) -> str:
        return LEVEL_NAMES[level] if language is Language.ZH else tr(f"rate.level.{level.value}", language)
