"""Errors of the ID card reader. Every class carries a stable `code` and a Chinese `message` for the screen.

`SamError` and its subclasses are the reader's own answers (an SW3 status byte other than success; the table
that maps each SW3 value to one of them is `protocol.STATUSES`). The others are found on our side: a frame
that fails its XOR check, card text that does not decode, an identity number whose check digit is wrong.
"""

from __future__ import annotations

from devices.errors import DeviceError, DeviceFault, ProtocolError


class IdCardError(DeviceError):
    code = "IDCARD_ERROR"


class SamError(IdCardError):
    """The reader answered with status byte `sw3` (SW1/SW2: card APDU bytes the SAM forwards, kept)."""

    def __init__(self, message: str, *, code: str, sw3: int, sw1: int = 0, sw2: int = 0) -> None:
        super().__init__(message, code=code, detail=f"SW1 SW2 SW3 = {sw1:02X} {sw2:02X} {sw3:02X}")
        self.sw3 = sw3
        self.sw1 = sw1
        self.sw2 = sw2


class CommandRejectedError(SamError):
    """The reader refused our frame (checksum, length, unknown command): a wiring fault or a bug of ours."""


class CommandNotSupportedError(CommandRejectedError):
    """The reader does not know the command (SW3 21). For an optional command (appended address, read
    with fingerprint) that only means the reader lacks the feature."""


class SamUnusableError(SamError, DeviceFault):
    """The security module failed its self-test or is not authorised: the reader needs a technician."""


class NoCardError(SamError):
    """No card on the antenna."""


class CardSelectError(SamError):
    """A card was found but could not be selected (moved away, or a card of another kind)."""


class CardAuthError(SamError):
    """Card and SAM did not authenticate each other, or the card's data failed verification."""


class CardReadError(SamError):
    """The card could not be read (moved during the read, damaged, or of an unknown type)."""


class NoSuchItemError(SamError):
    """The card holds no such item (no fingerprint, no appended address)."""


class FrameChecksumError(ProtocolError):
    code = "IDCARD_FRAME_CHECKSUM"


class BadResponseError(ProtocolError):
    """A frame with a valid checksum whose content does not fit the command (lengths, missing bytes)."""

    code = "IDCARD_BAD_RESPONSE"


class CardDataError(IdCardError):
    """Text read from the card that does not decode: unknown layout flag, a date or code out of range."""

    code = "IDCARD_DATA_INVALID"


class IdNumberError(CardDataError):
    """A number of the wrong shape (IDCARD_NUMBER_FORMAT) or check digit (IDCARD_NUMBER_CHECKSUM)."""

    code = "IDCARD_NUMBER_CHECKSUM"


class PhotoDecoderUnavailableError(IdCardError):
    code = "IDCARD_PHOTO_DECODER_UNAVAILABLE"
