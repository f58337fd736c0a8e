"""HallBus/1: the framed serial protocol of Yimen's window LED screens and keypad raters (pure codec).

No public standard exists for either device class (devices.md §4.1), so Yimen defines its own. HallBus/1 runs
over RS-232 point to point or over RS-485 multi-drop: one master (the hall PC) and up to 254 addressed devices
on one pair of wires. Default line settings 9600 baud 8N1 (115200 where the devices allow it).

Frame (all multi-byte integers big-endian, except the CRC, which goes low byte first as in Modbus RTU)

    offset  size  field
    0       1     SOF      0x02 (STX)
    1       1     VER      0x01 = HallBus/1. A receiver ignores frames of another version.
    2       1     ADDR     0x01-0xFE: the device spoken to (requests) or speaking (replies);
                           0xFF = broadcast: every device executes, none replies; 0x00 is reserved
    3       1     SEQ      0-255, chosen by the master per request; the reply repeats it
    4       1     CMD      request command (0x00-0x7F); a reply carries CMD | 0x80
    5       2     LEN      payload length, 0-1024
    7       LEN   PAYLOAD
    7+LEN   2     CRC      CRC-16/MODBUS over VER..PAYLOAD (bytes 1 .. 6+LEN), low byte first

CRC-16/MODBUS: poly 0x8005 reflected (0xA001), init 0xFFFF, refin/refout true, xorout 0x0000; check value
crc16(b"123456789") == 0x4B37. Because the CRC is sent low byte first, running the CRC over VER..CRC of a good
frame gives 0x0000, so any Modbus CRC routine in device firmware can check a frame.

Framing: length-based, no byte escaping. Every field except SOF can hold any byte (binary numbers, CRCs), so
escaping (SLIP/HDLC style) would make frame sizes depend on content (up to double), wire times unpredictable,
for no gain: a receiver finds frames by SOF, checks VER and LEN <= 1024 at once, and accepts a frame only when
its CRC matches. After a bad header or a bad CRC it drops the one SOF byte and searches again from the next
byte, so a real frame swallowed by a false SOF inside garbage is found again. A sender never pauses inside a
frame; a receiver that has heard nothing for the line-idle gap (default 50 ms) gives up on a partial frame and
rescans what it holds (like Modbus RTU's 3.5-character silence), so a false header whose LEN points past the
end of the data cannot stall the line.

Replies. A device answers a request addressed to it with a frame of its own ADDR, the request's SEQ, CMD|0x80
and a payload whose first byte is the result:

    0x00 OK              ACK; any further payload bytes are the command's answer
    0x01 (reserved)      a request with a bad CRC is never answered: its ADDR cannot be trusted on a bus
    0x02 BAD_LENGTH      payload length does not fit the command
    0x03 UNKNOWN_COMMAND command not known to this device type
    0x04 BAD_PARAM       a field out of range (line number, mode, brightness, timeout, bad text encoding ...)
    0x05 TEXT_TOO_LONG   text longer than the device accepts (240 bytes a line)

Any result but 0x00 is a NAK. Broadcasts (ADDR 0xFF) are never answered.

Retransmission. The master waits for the reply (timeout from the end of its transmission; default 200 ms plus
the wire time of the reply it is receiving). On silence, on a reply with a bad CRC, or on a reply from another
address it sends the same frame again with the same SEQ, after the line has been idle for the gap, at most
`retries` times (default 2). A device remembers the last SEQ/CMD/PAYLOAD it answered and answers a repetition
that comes within 5 s from that memory without executing it again, so a retransmitted REQUEST_RATING does not
restart a rating. The window bounds the memory: after 256 requests SEQ comes round again, and a restarted
master starts SEQ at a random value.

Commands (device types: 0x4C 'L' LED window screen, 0x4B 'K' keypad rater; payloads in the device modules,
`devices.ledscreen.commands` and `devices.evalpad.keypad_commands`)

    0x01 IDENTIFY        any        -> [00, device type, fw major, fw minor, model ASCII ...]
    0x02 STATUS          any        -> [00, device-type-specific status]
    0x10 SHOW_TEXT       screen     [line, mode, text GB18030 ...]
    0x11 CLEAR           screen     []
    0x12 BRIGHTNESS      screen     [level 0-15]
    0x20 REQUEST_RATING  keypad     [timeout, ticket, staff ...]
    0x21 CANCEL_RATING   keypad     []

Text is GB18030. LED controllers and keypad displays carry GB2312/GBK font ROMs indexed by the GB code of a
character; UTF-8 would need a Unicode-to-GB table in every device's firmware. GB18030 is a superset of both,
so every Unicode string encodes; characters beyond the device's font show as a blank box on the device.

Golden frames (also checked by tests/devices/ledscreen/test_hallbus_codec.py)

    IDENTIFY to 3, SEQ 0x10        02 01 03 10 01 00 00 10 CA
    ACK from 3 to that             02 01 03 10 81 00 01 00 E3 9C
    CLEAR broadcast, SEQ 0x01      02 01 FF 01 11 00 00 44 27
    BRIGHTNESS 8 to 3, SEQ 0x11    02 01 03 11 12 00 01 08 F2 DE
    SHOW_TEXT "请 A012 号", line 0, static, to 3, SEQ 0x12
                                   02 01 03 12 10 00 0C 00 00 C7 EB 20 41 30 31 32 20 BA C5 C4 FE
    SHOW_TEXT "欢迎光临", line 1, scroll, to 3, SEQ 0x13
                                   02 01 03 13 10 00 0A 01 01 BB B6 D3 AD B9 E2 C1 D9 5B B8
    NAK UNKNOWN_COMMAND from 4, SEQ 0x14, to SHOW_TEXT
                                   02 01 04 14 90 00 01 03 56 D6
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

SOF = 0x02
VERSION = 0x01
BROADCAST = 0xFF
MAX_PAYLOAD = 1024
HEADER_LEN = 7
CRC_LEN = 2
OVERHEAD = HEADER_LEN + CRC_LEN
MAX_FRAME = OVERHEAD + MAX_PAYLOAD
REPLY_BIT = 0x80
MAX_TEXT_BYTES = 240
REPEAT_WINDOW = 5.0
TEXT_ENCODING = "gb18030"


class Command(IntEnum):
    IDENTIFY = 0x01
    STATUS = 0x02
    SHOW_TEXT = 0x10
    CLEAR = 0x11
    BRIGHTNESS = 0x12
    REQUEST_RATING = 0x20
    CANCEL_RATING = 0x21


class Result(IntEnum):
    OK = 0x00
    BAD_LENGTH = 0x02
    UNKNOWN_COMMAND = 0x03
    BAD_PARAM = 0x04
    TEXT_TOO_LONG = 0x05


class DeviceType(IntEnum):
    LED_SCREEN = 0x4C
    KEYPAD_RATER = 0x4B


class PayloadError(ValueError):
    """A payload that does not fit its command; `result` is the NAK a device answers with."""

    def __init__(self, result: Result, reason: str) -> None:
        super().__init__(reason)
        self.result = result


@dataclass(frozen=True)
class Identity:
    """The IDENTIFY answer: [device type, fw major, fw minor, model ASCII (at most 32 bytes)]."""

    device_type: int
    firmware: tuple[int, int]
    model: str

    @property
    def type_name(self) -> str:
        try:
            return DeviceType(self.device_type).name
        except ValueError:
            return f"unknown type {self.device_type:#04x}"


def encode_identity(identity: Identity) -> bytes:
    major, minor = identity.firmware
    return bytes([identity.device_type, major, minor]) + identity.model.encode("ascii")[:32]


def decode_identity(data: bytes) -> Identity:
    if len(data) < 3:
        raise PayloadError(Result.BAD_LENGTH, f"IDENTIFY answer of {len(data)} bytes, need at least 3")
    return Identity(data[0], (data[1], data[2]), data[3:].decode("ascii", errors="replace"))


def crc16_modbus(data: bytes | bytearray, crc: int = 0xFFFF) -> int:
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def is_device_address(address: int) -> bool:
    return 0x01 <= address <= 0xFE


@dataclass(frozen=True)
class Frame:
    address: int
    seq: int
    command: int
    payload: bytes = b""

    @property
    def is_reply(self) -> bool:
        return bool(self.command & REPLY_BIT)

    @property
    def request_command(self) -> int:
        return self.command & ~REPLY_BIT


def encode_frame(frame: Frame) -> bytes:
    if not (is_device_address(frame.address) or frame.address == BROADCAST):
        raise ValueError(f"address {frame.address:#04x} is not 0x01-0xFE or broadcast 0xFF")
    if not 0 <= frame.seq <= 0xFF or not 0 <= frame.command <= 0xFF:
        raise ValueError("seq and command are single bytes")
    if len(frame.payload) > MAX_PAYLOAD:
        raise ValueError(f"payload of {len(frame.payload)} bytes exceeds {MAX_PAYLOAD}")
    body = bytes([VERSION, frame.address, frame.seq, frame.command]) + len(frame.payload).to_bytes(2, "big")
    body += frame.payload
    return bytes([SOF]) + body + crc16_modbus(body).to_bytes(2, "little")


def reply_frame(request: Frame, address: int, result: Result, data: bytes = b"") -> Frame:
    return Frame(address, request.seq, request.command | REPLY_BIT, bytes([result]) + data)


def wire_time(n_bytes: int, baud: int) -> float:
    """Seconds n_bytes take on an 8N1 line (10 bits a byte)."""
    return n_bytes * 10 / baud


def encode_text(text: str) -> bytes:
    return text.encode(TEXT_ENCODING)


def decode_text(data: bytes) -> str:
    return data.decode(TEXT_ENCODING)


class FrameDecoder:
    """Turns a byte stream into frames: feed it whatever arrives, in any split, with any garbage in between.

    `crc_errors` counts candidate frames whose CRC failed (a corrupted frame, or a false SOF in garbage) and
    `skipped` the bytes thrown away while searching; `line_idle()` is called when the line has been silent for
    the idle gap and returns any frame hidden behind a partial candidate that will never complete.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self.crc_errors = 0
        self.skipped = 0

    @property
    def pending(self) -> bool:
        return bool(self._buf)

    def feed(self, data: bytes) -> list[Frame]:
        self._buf += data
        return self._drain()

    def line_idle(self) -> list[Frame]:
        frames: list[Frame] = []
        while self._buf:
            self._drop(1)
            frames += self._drain()
        return frames

    def reset(self) -> None:
        self.skipped += len(self._buf)
        self._buf.clear()

    def _drop(self, count: int) -> None:
        del self._buf[:count]
        self.skipped += count

    def _drain(self) -> list[Frame]:
        frames: list[Frame] = []
        while True:
            start = self._buf.find(SOF)
            if start < 0:
                self._drop(len(self._buf))
                return frames
            self._drop(start)
            if len(self._buf) < HEADER_LEN:
                return frames
            length = int.from_bytes(self._buf[5:7], "big")
            if self._buf[1] != VERSION or length > MAX_PAYLOAD:
                self._drop(1)
                continue
            end = HEADER_LEN + length
            if len(self._buf) < end + CRC_LEN:
                return frames
            if crc16_modbus(self._buf[1:end]) != int.from_bytes(self._buf[end : end + CRC_LEN], "little"):
                self.crc_errors += 1
                self._drop(1)
                continue
            header = self._buf[:HEADER_LEN]
            frames.append(Frame(header[2], header[3], header[4], bytes(self._buf[HEADER_LEN:end])))
            del self._buf[: end + CRC_LEN]
