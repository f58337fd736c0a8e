"""Keypad rater commands of HallBus/1 (device type 0x4B 'K'): payload layouts, pure bytes <-> values.

A keypad rater has five keys (非常满意 ... 非常不满意) and a small display for the ticket and staff. RS-485
lets only the master talk first, so the keypad never reports a key press by itself: the master asks it to
collect a rating and then polls STATUS (every 0.25 s by default: about 30 bytes, 31 ms of line time at 9600
baud). The frame around every payload is in `devices.hallbus.codec`.

    0x20 REQUEST_RATING  request [timeout u16, tenths of a second, 1-65535]
                                 [ticket length u8 1-16][ticket ASCII letters, digits, '-']
                                 [staff id length u8 0-16][staff id ASCII]
                                 [name length u8 0-32][staff name, masked, GB18030]
                         answer  [00]  NAK 02 BAD_LENGTH, 04 BAD_PARAM. Replaces any open request.
    0x21 CANCEL_RATING   request []    answer [00]; an open request becomes CANCELLED
    0x02 STATUS          request []
                         answer  [00][state u8][stars u8][ticket length u8][ticket ASCII]

    state  0 IDLE (never asked)  1 WAITING  2 RATED  3 TIMED_OUT (nobody pressed in time)  4 CANCELLED
    stars  0 while no key was pressed, else the key: 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意
           (the national interface's `satisfaction` numbering, NOT GB/T 39046 A.8, which runs the other way)

A result stays readable (state and ticket) until the next REQUEST_RATING or CANCEL_RATING, so a poll whose
answer was lost can simply be repeated.

Examples
    REQUEST_RATING ticket A012, 30 s, staff 1024 李*  (payload)
        01 2C 04 41 30 31 32 04 31 30 32 34 03 C0 EE 2A
    the same to address 4, SEQ 0x20 (frame)
        02 01 04 20 20 00 10 01 2C 04 41 30 31 32 04 31 30 32 34 03 C0 EE 2A 78 6D
    STATUS answer: RATED 4 stars (满意) for A012
        00 02 04 04 41 30 31 32
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum

from devices.evalpad.rating import RatingLevel
from devices.hallbus.codec import PayloadError, Result, decode_text, encode_text

TICKET_PATTERN = re.compile(r"[A-Za-z0-9-]{1,16}")
STAFF_ID_PATTERN = re.compile(r"[A-Za-z0-9-]{0,16}")
MAX_NAME_BYTES = 32


class KeypadState(IntEnum):
    IDLE = 0
    WAITING = 1
    RATED = 2
    TIMED_OUT = 3
    CANCELLED = 4


@dataclass(frozen=True)
class RatingRequest:
    ticket_no: str
    timeout_s: float
    staff_id: str = ""
    staff_name: str = ""


@dataclass(frozen=True)
class KeypadStatus:
    state: KeypadState
    level: RatingLevel | None = None
    ticket_no: str = ""


def encode_request(request: RatingRequest) -> bytes:
    tenths = round(request.timeout_s * 10)
    if not 1 <= tenths <= 0xFFFF:
        raise ValueError(f"timeout {request.timeout_s} s is not 0.1-6553.5 s")
    if not TICKET_PATTERN.fullmatch(request.ticket_no):
        raise ValueError(f"ticket number {request.ticket_no!r} is not 1-16 letters, digits or '-'")
    if not STAFF_ID_PATTERN.fullmatch(request.staff_id):
        raise ValueError(f"staff id {request.staff_id!r} is not 0-16 letters, digits or '-'")
    name = encode_text(request.staff_name)
    if len(name) > MAX_NAME_BYTES:
        raise ValueError(f"staff name is {len(name)} bytes in GB18030, at most {MAX_NAME_BYTES}")
    return (
        tenths.to_bytes(2, "big")
        + _field(request.ticket_no.encode("ascii"))
        + _field(request.staff_id.encode("ascii"))
        + _field(name)
    )


def decode_request(payload: bytes) -> RatingRequest:
    if len(payload) < 3:
        raise PayloadError(Result.BAD_LENGTH, "REQUEST_RATING is at least 3 bytes")
    tenths = int.from_bytes(payload[:2], "big")
    ticket, at = _take(payload, 2, "ticket")
    staff_id, at = _take(payload, at, "staff id")
    name, at = _take(payload, at, "staff name")
    if at != len(payload):
        raise PayloadError(Result.BAD_LENGTH, f"{len(payload) - at} bytes after the staff name")
    ticket_no, staff = ticket.decode("ascii", errors="replace"), staff_id.decode("ascii", errors="replace")
    if tenths == 0 or not TICKET_PATTERN.fullmatch(ticket_no) or not STAFF_ID_PATTERN.fullmatch(staff):
        raise PayloadError(Result.BAD_PARAM, "timeout, ticket or staff id out of range")
    if len(name) > MAX_NAME_BYTES:
        raise PayloadError(Result.BAD_PARAM, f"staff name of {len(name)} bytes")
    try:
        staff_name = decode_text(name)
    except UnicodeDecodeError:
        raise PayloadError(Result.BAD_PARAM, "staff name is not GB18030") from None
    return RatingRequest(ticket_no, tenths / 10, staff, staff_name)


def encode_status(status: KeypadStatus) -> bytes:
    stars = status.level.stars if status.level is not None else 0
    return bytes([status.state, stars]) + _field(status.ticket_no.encode("ascii"))


def decode_status(data: bytes) -> KeypadStatus:
    if len(data) < 3 or len(data) != 3 + data[2]:
        raise PayloadError(Result.BAD_LENGTH, f"keypad STATUS answer of {len(data)} bytes")
    try:
        state = KeypadState(data[0])
        level = RatingLevel.from_stars(data[1]) if data[1] else None
    except ValueError as exc:
        raise PayloadError(Result.BAD_PARAM, str(exc)) from None
    if (state == KeypadState.RATED) != (level is not None):
        raise PayloadError(Result.BAD_PARAM, f"state {state.name} with {data[1]} stars")
    return KeypadStatus(state, level, data[3:].decode("ascii", errors="replace"))


def _field(data: bytes) -> bytes:
    return bytes([len(data)]) + data


def _take(payload: bytes, at: int, what: str) -> tuple[bytes, int]:
    if at >= len(payload) or at + 1 + payload[at] > len(payload):
        raise PayloadError(Result.BAD_LENGTH, f"REQUEST_RATING ends inside the {what}")
    end = at + 1 + payload[at]
    return payload[at + 1 : end], end
