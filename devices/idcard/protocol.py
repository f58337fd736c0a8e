"""GA 467 (GA/T 467-2019) SAM_A frames: pure bytes ⇄ values, no I/O.

UART 8N1, 115200 baud by default. Every frame, in both directions::

    AA AA AA 96 69 | LEN_H LEN_L | BODY ...                | CHK
    preamble (5)   | length (2)  | request:  CMD PARA DATA | XOR
                   |   big-end.  | response: SW1 SW2 SW3 DATA

    LEN = len(BODY) + 1 (the bytes after LEN, CHK included)
    CHK = XOR of LEN_H, LEN_L and every BODY byte (the preamble is not included)

Requests (CMD PARA [DATA])::

    10 FF  reset SAM_A                   → 90
    11 FF  SAM_A status                  → 90 (60: self-test failed)
    12 FF  SAM_A management info (id)    → 90 + 16 bytes
    20 01  find card                     → 9F + 4 bytes (80: no card)
    20 02  select card                   → 90 + 8 bytes serial number (81: failed)
    30 01  read text + photo             → 90 + TLEN(2) PLEN(2) + text + photo
    30 03  read appended (new) address   → 90 + 70 bytes (91: none) [unverified on hardware]
    30 10  read text + photo + fingerprint → 90 + TLEN PLEN FLEN + text + photo + fingerprint
    60 0n  set baud rate n = 0..4 for 115200/57600/38400/19200/9600 → 90 (the SAM keeps the new rate)
    61 FF  set the RF frame size, DATA = 1 byte (e.g. 50) → 90

A successful text+photo read is 1295 bytes on the wire: header `AA AA AA 96 69 05 08 00 00 90 01 00 04 00`,
256 bytes of UCS-2LE text (see layouts.py), 1024 bytes of WLT photo, CHK. TLEN/PLEN/FLEN are big-endian and
are used as sent, never assumed.
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass
from enum import IntEnum
from typing import NamedTuple

from devices.idcard import errors

PREAMBLE = bytes.fromhex("AAAAAA9669")
HEADER_SIZE = len(PREAMBLE) + 2
MIN_LENGTH = 3  # CMD PARA CHK
MAX_LENGTH = 0x1000  # the longest real frame (read with fingerprint) has LEN 0x090A
SAM_ID_SIZE = 16
SERIAL_NUMBER_SIZE = 8
ADDRESS_SIZE = 70


class Cmd(NamedTuple):
    cmd: int
    para: int


RESET = Cmd(0x10, 0xFF)
SAM_STATUS = Cmd(0x11, 0xFF)
SAM_ID = Cmd(0x12, 0xFF)
FIND = Cmd(0x20, 0x01)
SELECT = Cmd(0x20, 0x02)
READ = Cmd(0x30, 0x01)
READ_NEW_ADDRESS = Cmd(0x30, 0x03)
READ_WITH_FINGERPRINT = Cmd(0x30, 0x10)
SET_BAUD = 0x60
SET_RF_FRAME_SIZE = Cmd(0x61, 0xFF)
# Commands not every reader implements (a reader without them answers SW3 21): by option name.
OPTIONAL_COMMANDS = {"address": READ_NEW_ADDRESS, "fingerprint": READ_WITH_FINGERPRINT}

BAUD_CODES = {115200: 0, 57600: 1, 38400: 2, 19200: 3, 9600: 4}
BAUD_RATES = {code: rate for rate, code in BAUD_CODES.items()}

COMMAND_NAMES = {
    RESET: "reset",
    SAM_STATUS: "sam-status",
    SAM_ID: "sam-id",
    FIND: "find",
    SELECT: "select",
    READ: "read",
    READ_NEW_ADDRESS: "read-new-address",
    READ_WITH_FINGERPRINT: "read-with-fingerprint",
    SET_RF_FRAME_SIZE: "set-rf-frame-size",
    **{Cmd(SET_BAUD, code): f"set-baud-{rate}" for rate, code in BAUD_CODES.items()},
}


def set_baud_command(rate: int) -> Cmd:
    try:
        return Cmd(SET_BAUD, BAUD_CODES[rate])
    except KeyError:
        raise ValueError(f"baud rate {rate} is not one of {sorted(BAUD_CODES)}") from None


class Sw3(IntEnum):
    """The status byte of every response (GA 467 table; softs.im and JNISDTReader copies)."""

    SUCCESS = 0x90
    NO_SUCH_ITEM = 0x91
    FIND_OK = 0x9F
    HOST_CHECKSUM = 0x10
    HOST_LENGTH = 0x11
    HOST_COMMAND = 0x21
    NOT_PERMITTED = 0x23
    UNRECOGNISED_ERROR = 0x24
    CARD_AUTH_SAM_FAILED = 0x31
    SAM_AUTH_CARD_FAILED = 0x32
    INFO_VERIFY_FAILED = 0x33
    FINGERPRINT_VERIFY_FAILED = 0x37
    INFO_LENGTH = 0x3F
    UNKNOWN_CARD_TYPE = 0x40
    READ_FAILED = 0x41
    RANDOM_FAILED = 0x47
    SAM_SELFTEST_FAILED = 0x60
    SAM_UNAUTHORISED = 0x66
    FIND_FAILED = 0x80
    SELECT_FAILED = 0x81


class Status(NamedTuple):
    error: type[errors.SamError]
    code: str
    message: str


STATUSES: dict[Sw3, Status] = {
    Sw3.NO_SUCH_ITEM: Status(errors.NoSuchItemError, "IDCARD_NO_SUCH_ITEM", "证件中无此项内容"),
    Sw3.HOST_CHECKSUM: Status(
        errors.CommandRejectedError, "IDCARD_HOST_CHECKSUM", "阅读器收到的命令校验和错误，请检查连接线"
    ),
    Sw3.HOST_LENGTH: Status(errors.CommandRejectedError, "IDCARD_HOST_LENGTH", "阅读器收到的命令长度错误"),
    Sw3.HOST_COMMAND: Status(errors.CommandNotSupportedError, "IDCARD_HOST_COMMAND", "阅读器不支持该命令"),
    Sw3.NOT_PERMITTED: Status(
        errors.CommandRejectedError, "IDCARD_NOT_PERMITTED", "越权操作，阅读器拒绝执行"
    ),
    Sw3.UNRECOGNISED_ERROR: Status(
        errors.CommandRejectedError, "IDCARD_UNRECOGNISED_ERROR", "阅读器报告无法识别的错误"
    ),
    Sw3.CARD_AUTH_SAM_FAILED: Status(
        errors.CardAuthError, "IDCARD_CARD_AUTH_SAM_FAILED", "证件认证安全模块失败，请重新放置证件"
    ),
    Sw3.SAM_AUTH_CARD_FAILED: Status(
        errors.CardAuthError, "IDCARD_SAM_AUTH_CARD_FAILED", "安全模块认证证件失败，证件可能无效"
    ),
    Sw3.INFO_VERIFY_FAILED: Status(errors.CardAuthError, "IDCARD_INFO_VERIFY_FAILED", "证件信息验证失败"),
    Sw3.FINGERPRINT_VERIFY_FAILED: Status(
        errors.CardAuthError, "IDCARD_FINGERPRINT_VERIFY_FAILED", "指纹信息验证错误"
    ),
    Sw3.INFO_LENGTH: Status(errors.CardReadError, "IDCARD_INFO_LENGTH", "证件信息长度错误，请重新放置证件"),
    Sw3.UNKNOWN_CARD_TYPE: Status(errors.CardReadError, "IDCARD_UNKNOWN_CARD_TYPE", "无法识别的证件类型"),
    Sw3.READ_FAILED: Status(errors.CardReadError, "IDCARD_READ_FAILED", "读证件失败，请重新放置证件"),
    Sw3.RANDOM_FAILED: Status(errors.CardReadError, "IDCARD_RANDOM_FAILED", "取随机数失败，请重新放置证件"),
    Sw3.SAM_SELFTEST_FAILED: Status(
        errors.SamUnusableError,
        "IDCARD_SAM_SELFTEST_FAILED",
        "阅读器安全模块自检失败，无法使用，请联系技术人员",
    ),
    Sw3.SAM_UNAUTHORISED: Status(
        errors.SamUnusableError, "IDCARD_SAM_UNAUTHORISED", "阅读器安全模块未经授权，无法使用，请联系技术人员"
    ),
    Sw3.FIND_FAILED: Status(errors.NoCardError, "IDCARD_NO_CARD", "未找到证件，请将证件放在阅读区"),
    Sw3.SELECT_FAILED: Status(errors.CardSelectError, "IDCARD_SELECT_FAILED", "选取证件失败，请重新放置证件"),
}


def checksum(data: bytes | bytearray) -> int:
    return functools.reduce(operator.xor, data, 0)


def encode_frame(body: bytes) -> bytes:
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes([checksum(length + body)])


def encode_request(command: Cmd, data: bytes = b"") -> bytes:
    return encode_frame(bytes(command) + data)


def encode_response(sw3: int, data: bytes = b"", *, sw1: int = 0, sw2: int = 0) -> bytes:
    return encode_frame(bytes([sw1, sw2, sw3]) + data)


@dataclass(frozen=True)
class Frame:
    """A frame whose checksum matched; `body` is what lies between LEN and CHK."""

    body: bytes


@dataclass(frozen=True)
class CorruptFrame:
    """A frame whose checksum did not match (the parser resumes the hunt one byte after its preamble)."""

    body: bytes
    received: int
    expected: int


@dataclass(frozen=True)
class Request:
    command: Cmd
    data: bytes

    @classmethod
    def from_frame(cls, frame: Frame) -> Request:
        if len(frame.body) < 2:
            raise errors.BadResponseError("阅读器命令帧过短", detail=f"{len(frame.body)} bytes")
        return cls(Cmd(frame.body[0], frame.body[1]), frame.body[2:])


@dataclass(frozen=True)
class Response:
    sw1: int
    sw2: int
    sw3: int
    data: bytes

    @classmethod
    def from_frame(cls, frame: Frame) -> Response:
        if len(frame.body) < 3:
            raise errors.BadResponseError("阅读器应答帧过短", detail=f"{len(frame.body)} bytes")
        return cls(frame.body[0], frame.body[1], frame.body[2], frame.body[3:])

    def error(self) -> errors.SamError:
        """The exception this response's SW3 stands for (for a status other than the one expected)."""
        try:
            status = STATUSES[Sw3(self.sw3)]
        except (ValueError, KeyError):
            return errors.SamError(
                f"阅读器返回未知状态 {self.sw3:02X}", code=f"IDCARD_SW3_{self.sw3:02X}", sw3=self.sw3
            )
        return status.error(status.message, code=status.code, sw3=self.sw3, sw1=self.sw1, sw2=self.sw2)

    def expect(self, sw3: Sw3 = Sw3.SUCCESS) -> bytes:
        if self.sw3 != sw3:
            raise self.error()
        return self.data


class FrameParser:
    """Incremental frame hunter: feed it whatever the line delivered, in any split, with any noise between.

    Bytes before a preamble are dropped. A candidate with an impossible LEN, or whose checksum fails, is
    taken for noise that happened to look like a preamble: the hunt resumes one byte after it (a corrupt
    frame is still reported, so that the caller knows its answer was lost).
    """

    def __init__(self) -> None:
        self._buffer = bytearray()

    @property
    def pending(self) -> int:
        return len(self._buffer)

    def reset(self) -> None:
        self._buffer.clear()

    def feed(self, data: bytes) -> list[Frame | CorruptFrame]:
        self._buffer += data
        found: list[Frame | CorruptFrame] = []
        while (item := self._next()) is not None:
            found.append(item)
        return found

    def _next(self) -> Frame | CorruptFrame | None:
        """The next frame in the buffer, or None when more bytes are needed."""
        buffer = self._buffer
        while True:
            start = buffer.find(PREAMBLE)
            if start < 0:
                del buffer[: len(buffer) - _partial_preamble_length(buffer)]
                return None
            del buffer[:start]
            if len(buffer) < HEADER_SIZE:
                return None
            length = int.from_bytes(buffer[len(PREAMBLE) : HEADER_SIZE], "big")
            if MIN_LENGTH <= length <= MAX_LENGTH:
                break
            del buffer[:1]
        end = HEADER_SIZE + length
        if len(buffer) < end:
            return None
        body = bytes(buffer[HEADER_SIZE : end - 1])
        received, expected = buffer[end - 1], checksum(buffer[len(PREAMBLE) : end - 1])
        if received != expected:
            del buffer[:1]
            return CorruptFrame(body, received, expected)
        del buffer[:end]
        return Frame(body)


def _partial_preamble_length(buffer: bytearray) -> int:
    """How many trailing bytes could be the start of a preamble cut by the line."""
    for size in range(len(PREAMBLE) - 1, 0, -1):
        if buffer.endswith(PREAMBLE[:size]):
            return size
    return 0


@dataclass(frozen=True)
class CardRecord:
    """The payload of a successful read: text block, WLT photo and (30 10 only) fingerprint data."""

    text: bytes
    photo: bytes
    fingerprint: bytes | None = None


def encode_card_record(record: CardRecord, *, with_fingerprint: bool) -> bytes:
    sizes = [len(record.text), len(record.photo)]
    parts = [record.text, record.photo]
    if with_fingerprint:
        fingerprint = record.fingerprint or b""
        sizes.append(len(fingerprint))
        parts.append(fingerprint)
    return b"".join(size.to_bytes(2, "big") for size in sizes) + b"".join(parts)


def decode_card_record(data: bytes, *, with_fingerprint: bool) -> CardRecord:
    fields = 3 if with_fingerprint else 2
    if len(data) < 2 * fields:
        raise errors.BadResponseError("读证件应答不完整", detail=f"{len(data)} data bytes")
    sizes = [int.from_bytes(data[2 * i : 2 * i + 2], "big") for i in range(fields)]
    if 2 * fields + sum(sizes) != len(data):
        raise errors.BadResponseError(
            "读证件应答长度与声明不符", detail=f"sizes {sizes}, {len(data)} data bytes"
        )
    offset = 2 * fields
    parts = []
    for size in sizes:
        parts.append(data[offset : offset + size])
        offset += size
    fingerprint = parts[2] if with_fingerprint and parts[2] else None
    return CardRecord(parts[0], parts[1], fingerprint)


def format_sam_id(raw: bytes) -> str:
    """The SAM number as printed on reader labels, e.g. 05.01-20101019-0010062538-2066720134.

    Bytes 0 and 2 as two-digit numbers, then three little-endian 32-bit numbers at 4, 8 and 12 (layout as
    in HslCommunication's SAMSerial.ExtractSafeModuleNumber; the zero padding of the last two is
    [unverified]).
    """
    if len(raw) != SAM_ID_SIZE:
        raise errors.BadResponseError("安全模块号长度错误", detail=f"{len(raw)} bytes")
    a, b, c = (int.from_bytes(raw[i : i + 4], "little") for i in (4, 8, 12))
    return f"{raw[0]:02d}.{raw[2]:02d}-{a:08d}-{b:010d}-{c:010d}"


def wire_seconds(byte_count: int, baud: int) -> float:
    """Time the line needs for `byte_count` bytes at 8N1 (start + 8 data + stop = 10 bits a byte)."""
    return byte_count * 10 / baud
