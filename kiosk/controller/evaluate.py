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
from kiosk.controller.devices import CardEvent
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
    ticket_number: str
    what: str  # the matter, or the service's name
    window_no: int | None
    rated: bool  # a first evaluation exists: the next is the 追评

    @classmethod
    def of(cls, opportunity: OpportunityOut) -> Service:
        return cls(
            opportunity.id,
            opportunity.ticket_number or "",
            opportunity.matter_name or opportunity.service_name,
            opportunity.window_no,
            bool(opportunity.evaluations),
        )


class EvaluateFlow:
    def __init__(self, kiosk: KioskController) -> None:
        from kiosk.controller.kiosk import Screen

        self.kiosk = kiosk
        self._screen = Screen.EVALUATE
        kiosk.flows[Screen.EVALUATE] = self
        self._generation = 0
        self.reset()

    def reset(self) -> None:
        self._generation += 1
        self.stage = RateStage.WAIT_CARD
        self.services: list[Service] = []
        self.chosen: Service | None = None
        self.level: Level | None = None
        self.error = ""
        self.card_failed = False

    def start(self) -> None:
        self.reset()
        if self.kiosk.devices.part("reader") is not None and not self.kiosk.devices.works("reader"):
            self.stage = RateStage.NO_READER
        self.kiosk.go(self._screen)

    def type_number(self) -> None:
        """没带身份证: the number typed on the identify step's keypad (check digits checked there)."""
        self.kiosk.identify.start("rate.title", self._typed)
        self.kiosk.identify.use_keypad()

    def _typed(self, identity: IdentityIn) -> None:
        self.reset()
        self.kiosk.go(self._screen)
        self.look_up(identity)

    def on_card(self, event: CardEvent) -> bool:
        if event.kind == "unavailable":
            self.stage = RateStage.NO_READER
            return False
        if event.kind == "available" and self.stage is RateStage.NO_READER:
            self.stage = RateStage.WAIT_CARD
            return False
        if self.stage not in (RateStage.WAIT_CARD, RateStage.READING):
            return False
        if event.kind == "placed":
            self.stage, self.card_failed = RateStage.READING, False
            return True
        if event.kind == "failed":
            self.stage, self.card_failed = RateStage.WAIT_CARD, True
            return True
        if event.kind == "read" and event.identity is not None:
            self.look_up(event.identity)
            return True
        return False

    def look_up(self, identity: IdentityIn) -> None:
        self.stage = RateStage.SEARCHING
        generation = self._generation

        def found(opportunities: list[OpportunityOut]) -> None:
            if generation != self._generation:
                return
            self.services = [Service.of(o) for o in opportunities]
            self.stage = RateStage.CHOOSE if self.services else RateStage.NONE
            if len(self.services) == 1:
                self.choose(0)
                return
            self.kiosk.changed()

        if not self.kiosk.call_server(
            lambda client: client.opportunities_of_visitor(identity), found, self._failed, lost=self._failed
        ):
            self.stage = RateStage.FAILED
        self.kiosk.changed()

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
        generation = self._generation

        def sent(_: object) -> None:
            if generation != self._generation:
                return
            self.stage = RateStage.DONE
            self.kiosk.changed()
            self.kiosk.speak(tr("rate.thanks", self.kiosk.language))

        if not self.kiosk.call_server(
            lambda client: client.evaluate(chosen.opportunity_id, evaluation),
            sent,
            self._failed,
            self._failed,
        ):
            self.stage = RateStage.FAILED
        self.kiosk.changed()

    def _failed(self, error: Exception) -> None:
        self.stage = RateStage.FAILED
        self.error = error.message if isinstance(error, ApiError) else ""
        self.kiosk.changed()
        self.kiosk.speak(tr("rate.failed", self.kiosk.language))

    @staticmethod
    def level_words(level: Level, language: Language) -> str:
        return LEVEL_NAMES[level] if language is Language.ZH else tr(f"rate.level.{level.value}", language)
