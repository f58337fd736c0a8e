"""The IDENTIFY step, shared by every flow that needs to know who the visitor is (take a ticket, check in,
my tickets): the ID card on the reader, or the number typed on the on-screen keypad when the card is
forgotten or the reader does not work. A typed number is checked here, with the same check digits as the
server, before anything is sent. What was read stays in memory only until reset() (the idle wipe).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from hall_server.contract.devicehealth import PartState
from hall_server.contract.identity import IdentityIn, IdKind
from hall_server.contract.idnumbers import (
    InvalidIdNumber,
    classify_person_number,
    mask_name,
    mask_number,
    normalize,
    validate_uscc,
)
from hall_server.contract.privacy import normalize_width
from kiosk.config import Language
from kiosk.controller.devices import CardEvent
from kiosk.controller.kiosk import KioskController, Screen
from kiosk.texts import tr

DIGITS = "0123456789"
USCC_LETTERS = "ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
LATIN = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MAX_LENGTH = 18

# The kinds a visitor picks from, in this order; a 外国人永久居留身份证 may be the 2023 card (18 digits) or
# the older one (3 letters + 12 digits): both are accepted under the one choice.
PERSON_KINDS = (IdKind.RESIDENT, IdKind.HMT_PERMIT, IdKind.FOREIGN_PR_2023)
ACCEPTED = {
    IdKind.RESIDENT: {IdKind.RESIDENT},
    IdKind.HMT_PERMIT: {IdKind.HMT_PERMIT},
    IdKind.FOREIGN_PR_2023: {IdKind.FOREIGN_PR_2023, IdKind.FOREIGN_PR_OLD},
}
KEYS = {
    IdKind.RESIDENT: DIGITS + "X",
    IdKind.HMT_PERMIT: DIGITS + "X",
    IdKind.FOREIGN_PR_2023: DIGITS + LATIN,
    IdKind.USCC: DIGITS + USCC_LETTERS,
}


class Entry(StrEnum):
    CARD = "card"  # 请将身份证放在感应区
    KEYPAD = "keypad"  # the number typed


class IdentifyFlow:
    def __init__(self, controller: KioskController) -> None:
        self.controller = controller
        controller.flows[Screen.IDENTIFY] = self
        self.purpose_key = ""
        self.allow_company = False
        self._on_identity: Callable[[IdentityIn], None] | None = None
        self.reset()

    # -- state the view renders ---------------------------------------------------------------------------

    def reset(self) -> None:
        self.entry = Entry.CARD
        self.kind = IdKind.RESIDENT
        self.typed = ""
        self.message = ""  # why the last try did not work, for the screen
        self.reading = False  # a card is on the reader and being read
        self.card_present = False  # a card lies on the reader (read or not)
        self.identity: IdentityIn | None = None
        self._on_identity = None

    def kinds(self) -> tuple[IdKind, ...]:
        return (*PERSON_KINDS, IdKind.USCC) if self.allow_company else PERSON_KINDS

    def offered_keys(self) -> str:
        """The characters the keypad offers for the chosen kind."""
        return KEYS[self.kind]

    @property
    def masked_name(self) -> str:
        return mask_name(self.identity.name) if self.identity and self.identity.name else ""

    @property
    def masked_number(self) -> str:
        return mask_number(self.identity.number) if self.identity else ""

    def reader_usable(self) -> bool:
        """False when no reader is configured or it is absent/failing: the keypad is offered at once."""
        if not self.controller.config.idcard:
            return False
        part = self.controller.devices.part("reader")
        return part is None or part.state is PartState.OK  # None: still opening

    # -- taps ---------------------------------------------------------------------------------------------

    def start(
        self, purpose_key: str, on_identity: Callable[[IdentityIn], None], *, allow_company: bool = False
    ) -> None:
        """Ask for the visitor's identity; `on_identity` gets it once (card or typed number)."""
        self.reset()
        self.purpose_key = purpose_key
        self.allow_company = allow_company
        self._on_identity = on_identity
        if not self.reader_usable():
            self.entry = Entry.KEYPAD
            self.message = tr("identify.reader_unavailable", self._lang())
        self.controller.go(Screen.IDENTIFY)

    def use_keypad(self) -> None:
        self.entry = Entry.KEYPAD
        self.message = ""
        self._changed()

    def use_card(self) -> None:
        self.entry = Entry.CARD
        self.typed = ""
        self.message = "" if self.reader_usable() else tr("identify.reader_unavailable", self._lang())
        self._changed()

    def choose_kind(self, kind: IdKind) -> None:
        if kind not in self.kinds():
            return
        self.kind = kind
        allowed = set(self.offered_keys())
        self.typed = "".join(ch for ch in self.typed if ch in allowed)
        self.message = ""
        self._changed()

    def press(self, key: str) -> None:
        key = normalize(normalize_width(key))
        if len(key) != 1 or key not in self.offered_keys() or len(self.typed) >= MAX_LENGTH:
            return
        self.typed += key
        self.message = ""
        self._changed()

    def backspace(self) -> None:
        self.typed = self.typed[:-1]
        self.message = ""
        self._changed()

    def clear(self) -> None:
        self.typed = ""
        self.message = ""
        self._changed()

    def submit(self) -> None:
        """Check the typed number (check digits, kind); refused numbers are explained and never sent."""
        try:
            identity = self._typed_identity()
        except InvalidIdNumber as exc:
            self.message = str(exc)
            self._changed()
            self.controller.speak(self.message)
            return
        self._deliver(identity)

    def _typed_identity(self) -> IdentityIn:
        if self.kind is IdKind.USCC:
            return IdentityIn(kind=IdKind.USCC, number=validate_uscc(self.typed))
        found = classify_person_number(self.typed)
        if found not in ACCEPTED[self.kind]:
            raise InvalidIdNumber("ID_KIND_MISMATCH", "证件号码与所选证件类型不符，请核对证件类型")
        return IdentityIn(kind=found, number=normalize(self.typed))

    # -- the card reader ----------------------------------------------------------------------------------

    def on_card(self, event: CardEvent) -> bool:
        if self._on_identity is None:
            return False
        if event.kind in ("placed", "removed"):
            self.card_present = event.kind == "placed"
        if event.kind == "placed":
            self.reading, self.message = True, ""
        elif event.kind == "read" and event.identity is not None:
            self.reading = False
            self._deliver(event.identity)
        elif event.kind == "failed":
            self.reading = False
            self.message = tr("identify.read_failed", self._lang())
            self.controller.speak(self.message)
        elif event.kind == "removed":
            self.reading = False
        elif event.kind == "unavailable":
            self.reading = False
            self.entry = Entry.KEYPAD
            self.message = tr("identify.reader_unavailable", self._lang())
        elif event.kind == "available" and self.entry is Entry.KEYPAD and not self.typed:
            self.entry, self.message = Entry.CARD, ""
        return True

    # -- helpers ------------------------------------------------------------------------------------------

    def _deliver(self, identity: IdentityIn) -> None:
        callback, self._on_identity = self._on_identity, None  # once: a second read or tap does nothing
        if callback is None:
            return
        self.identity = identity
        self.message = ""
        self.typed = ""
        callback(identity)
        self._changed()

    def _lang(self) -> Language:
        return self.controller.language

    def _changed(self) -> None:
        self.controller.touch()
        self.controller.changed()
