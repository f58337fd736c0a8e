"""我要投诉 at the kiosk, by touch only (no Chinese typing: visitors may be 80): optionally about a ticket of
today (the ID card → one of the card's tickets) or a window number on the keypad, then a subject, one or more
preset phrases of that subject (sent as the text, joined with "；"), optionally a phone number for the call
back (checked here with the contract's pattern), a last look with the phone masked, and the complaint is
recorded with channel KIOSK. The answer's number and due day are shown. Neither the identity read from the
card nor the phone number is kept once the visitor has gone (reset).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from hall_server.client import ApiError
from hall_server.contract.complaints import CONTACT_PATTERN, ComplaintIn, ComplaintOut, ComplaintSubject
from hall_server.contract.identity import IdentityIn
from hall_server.contract.privacy import mask_contact
from hall_server.contract.queue import TicketOut
from kiosk.config import Language
from kiosk.controller.cardstep import CardStep
from kiosk.controller.lookup import TicketLine
from kiosk.texts import tr

if TYPE_CHECKING:
    from kiosk.controller.kiosk import KioskController

SUBJECTS = tuple(ComplaintSubject)
# What a visitor can say with one touch, per subject (texts `complaint.phrase.<key>`, sent in Chinese)
PHRASES: dict[ComplaintSubject, tuple[str, ...]] = {
    ComplaintSubject.ATTITUDE: ("curt", "materials", "absent", "shirk"),
    ComplaintSubject.EFFICIENCY: ("wait", "paused", "slow", "again"),
    ComplaintSubject.POLICY: ("extra", "fees", "result", "unclear"),
    ComplaintSubject.FACILITIES: ("device", "seats", "clean", "access"),
    ComplaintSubject.OTHER: ("order", "guide", "online", "call_me"),
}
JOIN = "；"
WINDOW_DIGITS = 3  # WindowNo ≤ 999
PHONE_DIGITS = 12  # 0 + a 3-digit area code + 8 digits: the longest landline without an extension
_CONTACT = re.compile(CONTACT_PATTERN)


class ComplaintStage(StrEnum):
    BIND = "bind"  # about a service received today (the ID card), or not
    WAIT_CARD = "wait_card"
    READING = "reading"
    SEARCHING = "searching"
    NO_READER = "no_reader"
    TICKETS = "tickets"  # today's tickets of the card: pick one
    NO_TICKETS = "no_tickets"  # the card has none today
    WINDOW = "window"  # the window's number on the keypad, optional
    SUBJECT = "subject"
    PHRASES = "phrases"  # one or more preset phrases
    CONTACT = "contact"  # a phone number for the call back, optional
    CONFIRM = "confirm"
    SENDING = "sending"
    DONE = "done"  # 已登记: number and due day
    FAILED = "failed"  # the lookup or the recording failed: 上一步 goes back to it


@dataclass(frozen=True)
class AboutTicket:
    """The ticket a complaint is about, as the screen shows it: nothing personal."""

    ticket_id: int
    number: str
    what: str  # category · matter
    window_no: int | None

    @classmethod
    def of(cls, line: TicketLine) -> AboutTicket:
        return cls(line.ticket_id, line.number, line.what, line.window_no)


class ComplaintFlow(CardStep[ComplaintStage]):
    def __init__(self, kiosk: KioskController) -> None:
        from kiosk.controller.kiosk import Screen

        super().__init__(kiosk, Screen.COMPLAINT, ComplaintStage, "complaint")

    def reset(self) -> None:
        super().reset()
        self.stage = ComplaintStage.BIND
        self._history: list[ComplaintStage] = []  # the steps 上一步 goes back through
        self.tickets: list[TicketLine] = []
        self.ticket: AboutTicket | None = None
        self.window_typed = ""
        self.window_no: int | None = None
        self.subject: ComplaintSubject | None = None
        self.phrases: list[str] = []  # keys, in the order the screen offers them
        self.phone_typed = ""
        self.contact = ""  # the confirmed phone ("" none)
        self.message = ""  # why the typed window or phone was refused
        self.error = ""  # the hall server's sentence when it refused
        self.failed_while = ComplaintStage.SENDING
        self.recorded: ComplaintOut | None = None

    def start(self, about: AboutTicket | None = None) -> None:
        """From home (the first question: about a service of today?) or from 评价, about the ticket just
        rated (straight to the subject)."""
        self.reset()
        self.kiosk.go(self._screen)
        if about is not None:
            self.ticket = about
            self._forward(ComplaintStage.SUBJECT)

    # -- what it is about ---------------------------------------------------------------------------------

    def bind_by_card(self) -> None:
        self._history.append(self.stage)
        self.wait_for_card()
        self._changed()
        self.kiosk.speak(tr(f"complaint.prompt.{self.stage.value}", self.kiosk.language))

    def skip_binding(self) -> None:
        """不关联办件: the window's number instead, if the visitor knows it."""
        self.ticket = None
        self._forward(ComplaintStage.WINDOW)

    def look_up(self, identity: IdentityIn) -> None:
        def found(tickets: list[TicketOut]) -> None:
            self.tickets = [TicketLine.of(t) for t in tickets]
            self.stage = ComplaintStage.TICKETS if self.tickets else ComplaintStage.NO_TICKETS
            self._changed()

        self.search(lambda client: client.tickets_of(identity), found)

    def choose_ticket(self, index: int) -> None:
        if self.stage is not ComplaintStage.TICKETS or not 0 <= index < len(self.tickets):
            return
        self.ticket = AboutTicket.of(self.tickets[index])
        self.window_no = None
        self._forward(ComplaintStage.SUBJECT)

    # -- the keypad: a window number, then a phone number -------------------------------------------------

    @property
    def typed(self) -> str:
        return self.phone_typed if self.stage is ComplaintStage.CONTACT else self.window_typed

    def press(self, key: str) -> None:
        limit = {ComplaintStage.WINDOW: WINDOW_DIGITS, ComplaintStage.CONTACT: PHONE_DIGITS}.get(self.stage)
        if limit is None or len(key) != 1 or not key.isdigit() or len(self.typed) >= limit:
            return
        self._set_typed(self.typed + key)

    def backspace(self) -> None:
        self._set_typed(self.typed[:-1])

    def clear(self) -> None:
        self._set_typed("")

    def _set_typed(self, value: str) -> None:
        if self.stage is ComplaintStage.CONTACT:
            self.phone_typed = value
        elif self.stage is ComplaintStage.WINDOW:
            self.window_typed = value
        self.message = ""
        self._changed()

    def confirm_typed(self) -> None:
        """确定 on the keypad; nothing typed is the same as skipping the step."""
        if self.stage is ComplaintStage.WINDOW:
            self._confirm_window()
        elif self.stage is ComplaintStage.CONTACT:
            self._confirm_phone()

    def _confirm_window(self) -> None:
        if not self.window_typed:
            self.skip_window()
            return
        number = int(self.window_typed)
        known = self.kiosk.window_numbers
        if number < 1 or (known and number not in known):
            self._refuse(tr("complaint.window_unknown", self.kiosk.language, n=number))
            return
        self.window_no = number
        self._forward(ComplaintStage.SUBJECT)

    def skip_window(self) -> None:
        self.window_typed, self.window_no = "", None
        self._forward(ComplaintStage.SUBJECT)

    def _confirm_phone(self) -> None:
        if not self.phone_typed:
            self.skip_contact()
            return
        if not _CONTACT.match(self.phone_typed):
            self._refuse(tr("complaint.contact_bad", self.kiosk.language))
            return
        self.contact = self.phone_typed
        self._forward(ComplaintStage.CONFIRM)

    def skip_contact(self) -> None:
        self.phone_typed = self.contact = ""
        self._forward(ComplaintStage.CONFIRM)

    def _refuse(self, message: str) -> None:
        self.message = message
        self._changed()
        self.kiosk.speak(message)

    # -- what happened ------------------------------------------------------------------------------------

    def choose_subject(self, subject: ComplaintSubject) -> None:
        if self.stage is not ComplaintStage.SUBJECT:
            return
        if subject is not self.subject:
            self.phrases = []
        self.subject = subject
        self._forward(ComplaintStage.PHRASES)

    def offered_phrases(self) -> tuple[str, ...]:
        return PHRASES[self.subject] if self.subject is not None else ()

    def toggle(self, phrase: str) -> None:
        offered = self.offered_phrases()
        if self.stage is not ComplaintStage.PHRASES or phrase not in offered:
            return
        chosen = set(self.phrases) ^ {phrase}
        self.phrases = [key for key in offered if key in chosen]
        self._changed()

    def phrases_done(self) -> None:
        if self.stage is ComplaintStage.PHRASES and self.phrases:
            self._forward(ComplaintStage.CONTACT)

    def text(self) -> str:
        """The complaint's text as recorded: the chosen phrases in Chinese, whatever the screen's language."""
        return JOIN.join(tr(f"complaint.phrase.{key}", Language.ZH) for key in self.phrases)

    # -- confirm and record -------------------------------------------------------------------------------

    @property
    def contact_masked(self) -> str:
        return mask_contact(self.contact) if self.contact else ""

    def summary(self, language: Language) -> list[str]:
        """The confirm step's lines: what it is about, the subject, the text, the phone (masked)."""
        if self.ticket is not None:
            about = tr("complaint.summary.ticket", language, number=self.ticket.number, what=self.ticket.what)
        elif self.window_no is not None:
            about = tr("complaint.summary.window", language, n=self.window_no)
        else:
            about = tr("complaint.summary.none", language)
        subject = tr(f"complaint.subject.{self.subject.value}", language) if self.subject else ""
        separator = JOIN if language is Language.ZH else "; "
        words = separator.join(tr(f"complaint.phrase.{key}", language) for key in self.phrases)
        if self.contact:
            contact = tr("complaint.summary.contact", language, contact=self.contact_masked)
        else:
            contact = tr("complaint.summary.no_contact", language)
        return [
            about,
            tr("complaint.summary.subject", language, subject=subject),
            tr("complaint.summary.text", language, text=words),
            contact,
        ]

    @property
    def can_submit(self) -> bool:
        return self.stage is ComplaintStage.CONFIRM and self.subject is not None and bool(self.phrases)

    def submit(self) -> None:
        subject = self.subject
        if not self.can_submit or subject is None:
            return
        body = ComplaintIn(
            subject=subject,
            text=self.text(),
            ticket_id=self.ticket.ticket_id if self.ticket else None,
            window_no=None if self.ticket else self.window_no,
            contact=self.contact or None,
        )
        self._history.append(self.stage)
        self.stage = ComplaintStage.SENDING
        self.ask(lambda client: client.record_complaint(body), self._recorded)

    def _recorded(self, complaint: ComplaintOut) -> None:
        self.recorded = complaint
        self.stage = ComplaintStage.DONE
        self._history = []
        self.kiosk.changed()
        language = self.kiosk.language
        self.kiosk.speak(
            tr("complaint.say_done", language, id=complaint.id, date=day_words(complaint.due_date, language))
        )

    def failed(self, error: Exception | None) -> None:
        self.failed_while = self.stage
        self.stage = ComplaintStage.FAILED
        self.error = error.message if isinstance(error, ApiError) else ""
        self.kiosk.changed()
        self.kiosk.speak(self.error or tr(self.failure_key(), self.kiosk.language))

    def failure_key(self) -> str:
        searching = self.failed_while is ComplaintStage.SEARCHING
        return "complaint.search_failed" if searching else "complaint.send_failed"

    # -- moving between steps -----------------------------------------------------------------------------

    def back(self) -> None:
        """上一步: what was chosen there stays chosen (the visitor changes it or goes on)."""
        if not self._history or self.stage in (ComplaintStage.SEARCHING, ComplaintStage.SENDING):
            return
        self.stage = self._history.pop()
        self.message = self.error = ""
        self._changed()

    def _forward(self, stage: ComplaintStage) -> None:
        self._history.append(self.stage)
        self.stage = stage
        self.message = ""
        self._changed()
        self.kiosk.speak(tr(f"complaint.prompt.{stage.value}", self.kiosk.language))

    def _changed(self) -> None:
        self.kiosk.touch()
        self.kiosk.changed()


def day_words(day: date, language: Language) -> str:
    if language is Language.ZH:
        return f"{day.year}年{day.month}月{day.day}日"
    return day.strftime("%d %b %Y")
