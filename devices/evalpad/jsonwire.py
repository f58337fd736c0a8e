"""EvalPad/1: JSON Lines over TCP for tablet evaluation pads (评价器), pure codec and validation.

Connection. The pad listens on a TCP port; the hall side (the counter PC's driver, URL `tcp://pad-host:port`)
connects to it. The counter PC is the one that knows which window it serves and which pad sits there, so a pad
needs no hall address, a pad's IP is configured like every other device's (a URL, DHCP reservation), and the
reconnect logic lives in one place, ours; a pad app is a small server like a network printer. The hall keeps
one connection open, reconnects with exponential backoff (0.1 s doubling to 5 s, with jitter) when it drops,
and sends the open rating request again after reconnecting.

Both sides set TCP_NODELAY: messages are small and answered at once, and Nagle's algorithm meeting delayed
ACKs would hold the second of two quick messages (ack, then result) for 40 ms.

Lines. One JSON object per line, UTF-8, ended by LF (a CR before it is tolerated), at most 16 KiB. Every
message has `"v": 1` (the protocol version; another version is refused with an `error`), `"type"` and `"id"`
(1-64 of A-Z a-z 0-9 . _ : -). An answer repeats the id of the message it answers. Unknown fields are ignored
(a newer minor revision may add some); an unknown type is answered with `error`.

    pad -> hall  {"v":1,"type":"hello","id":"h-1","pad_id":"W05","model":"YM-T10","fw":"1.2.0"}  on connect
    hall -> pad  {"v":1,"type":"rate.request","id":"r-7f3a","ticket_no":"A012","window_no":"5",
                  "staff":{"staff_id":"1024","name":"李*"},"matter":"居住证签注","timeout_s":60}
    pad -> hall  {"v":1,"type":"ack","id":"r-7f3a"}                     the rating page is shown
    pad -> hall  {"v":1,"type":"rate.result","id":"r-7f3a","level":"DISSATISFIED","comment":"等候时间太长",
                  "indicators":["502"]}
    hall -> pad  {"v":1,"type":"ack","id":"r-7f3a"}                     stored; the pad may say 谢谢
    pad -> hall  {"v":1,"type":"rate.timeout","id":"r-7f3a"}            nobody rated within timeout_s
    pad -> hall  {"v":1,"type":"rate.cancelled","id":"r-7f3a","by":"visitor"}   by: visitor | hall | replaced
    hall -> pad  {"v":1,"type":"rate.cancel","id":"r-7f3a"}             answered by rate.cancelled, by "hall"
    either       {"v":1,"type":"ping","id":"p-12"}  ->  {"v":1,"type":"pong","id":"p-12"}
    either       {"v":1,"type":"error","id":"r-7f3a","code":"invalid","message":"rate.result.indicators: ..."}

Fields. `ticket_no`: 1-16 of A-Z a-z 0-9 -. `window_no`: 1-16 characters. `staff.name` is already masked by
the hall (李*, 张*丰; at most 16 characters) and `staff.staff_id` is 0-16 characters. `matter`: at most 200
characters. `timeout_s`: a number, 0 < timeout_s <= 3600. `level`: one of VERY_SATISFIED, SATISFIED,
BASIC_SATISFIED, DISSATISFIED, VERY_DISSATISFIED (非常满意, 满意, 基本满意, 不满意, 非常不满意) - the name,
never a number, because the two official code tables number the levels in opposite directions (see `rating`).
`comment`: at most 500 characters. `indicators`: the national indicator (指标) codes the visitor ticked, up to
20 strings of 1-16 of A-Z a-z 0-9 _ -; at least one is required with DISSATISFIED and VERY_DISSATISFIED (差评
must carry detail). Error codes: `invalid`, `unsupported_version`, `unknown_type`.

Rules. The hall has at most one open request per pad. A new rate.request replaces an open one (the pad sends
rate.cancelled with by "replaced" for the old id). A rate.request whose id the pad already knows is not a new
request: the pad acks it again if it is still open, or sends its final message (rate.result / rate.timeout /
rate.cancelled) again if it is finished. The hall acks every final message, also repeated ones; on connect the
pad sends, after hello, every final message the hall has not acked yet. Heartbeat: the hall sends a ping when
it has sent nothing for 10 s and drops the connection when it has heard nothing for 30 s; the pad answers
pings at once (and may send its own).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, Literal, cast

from devices.errors import ProtocolError
from devices.evalpad.rating import RatingLevel

VERSION = 1
MAX_LINE = 16 * 1024
ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,64}")
TICKET_PATTERN = re.compile(r"[A-Za-z0-9-]{1,16}")
INDICATOR_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,16}")
CANCELLERS = ("visitor", "hall", "replaced")
Canceller = Literal["visitor", "hall", "replaced"]


class EvalPadMessageError(ProtocolError):
    """A line that is not a valid EvalPad/1 message; `detail` says exactly what is wrong, `wire_code` is the
    error code sent back to the peer, `msg_id` the offending message's id when it could be read."""

    code = "EVALPAD_BAD_MESSAGE"

    def __init__(self, detail: str, *, wire_code: str = "invalid", msg_id: str = "") -> None:
        super().__init__("评价器消息格式错误", detail=detail)
        self.wire_code = wire_code
        self.msg_id = msg_id


@dataclass(frozen=True)
class Hello:
    id: str
    pad_id: str
    model: str = ""
    fw: str = ""


@dataclass(frozen=True)
class RateRequest:
    id: str
    ticket_no: str
    window_no: str
    staff_id: str
    staff_name: str
    matter: str
    timeout_s: float


@dataclass(frozen=True)
class Ack:
    id: str


@dataclass(frozen=True)
class RateResult:
    id: str
    level: RatingLevel
    comment: str = ""
    indicators: tuple[str, ...] = ()


@dataclass(frozen=True)
class RateTimeout:
    id: str


@dataclass(frozen=True)
class RateCancel:
    id: str


@dataclass(frozen=True)
class RateCancelled:
    id: str
    by: Canceller = "visitor"


@dataclass(frozen=True)
class Ping:
    id: str


@dataclass(frozen=True)
class Pong:
    id: str


@dataclass(frozen=True)
class ErrorMessage:
    id: str
    code: str
    message: str


Message = (
    Hello
    | RateRequest
    | Ack
    | RateResult
    | RateTimeout
    | RateCancel
    | RateCancelled
    | Ping
    | Pong
    | ErrorMessage
)
FinalMessage = RateResult | RateTimeout | RateCancelled

TYPES: dict[type, str] = {
    Hello: "hello",
    RateRequest: "rate.request",
    Ack: "ack",
    RateResult: "rate.result",
    RateTimeout: "rate.timeout",
    RateCancel: "rate.cancel",
    RateCancelled: "rate.cancelled",
    Ping: "ping",
    Pong: "pong",
    ErrorMessage: "error",
}


def encode(message: Message) -> bytes:
    body: dict[str, Any] = {"v": VERSION, "type": TYPES[type(message)]}
    if isinstance(message, RateRequest):
        body |= {
            "id": message.id,
            "ticket_no": message.ticket_no,
            "window_no": message.window_no,
            "staff": {"staff_id": message.staff_id, "name": message.staff_name},
            "matter": message.matter,
            "timeout_s": message.timeout_s,
        }
    elif isinstance(message, RateResult):
        body |= {
            "id": message.id,
            "level": message.level.value,
            "comment": message.comment,
            "indicators": list(message.indicators),
        }
    else:
        body |= vars(message)
    line = json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n"
    encoded = line.encode("utf-8")
    if len(encoded) > MAX_LINE:
        raise ValueError(f"{body['type']} message of {len(encoded)} bytes exceeds {MAX_LINE}")
    return encoded


def decode(line: bytes) -> Message:
    """One received line (with or without its LF) -> a validated message, or EvalPadMessageError."""
    if len(line) > MAX_LINE:
        raise EvalPadMessageError(f"line of {len(line)} bytes exceeds {MAX_LINE}")
    try:
        body = json.loads(line.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise EvalPadMessageError(f"not a JSON line: {exc}") from None
    if not isinstance(body, dict):
        raise EvalPadMessageError(f"a message is a JSON object, got {type(body).__name__}")
    raw_id = body.get("id")
    msg_id = raw_id if isinstance(raw_id, str) and ID_PATTERN.fullmatch(raw_id) else ""
    if body.get("v") != VERSION:
        raise EvalPadMessageError(
            f"v={body.get('v')!r}: this side speaks EvalPad/{VERSION}",
            wire_code="unsupported_version",
            msg_id=msg_id,
        )
    kind = body.get("type")
    try:
        return _read(_Fields(body, str(kind)), kind, msg_id)
    except EvalPadMessageError as exc:
        exc.msg_id = msg_id
        raise


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _read(fields: _Fields, kind: object, msg_id: str) -> Message:
    if kind == "error":
        return ErrorMessage(
            fields.text("id", 64, empty_ok=True),
            fields.text("code", 32),
            fields.text("message", 500, empty_ok=True),
        )
    message_id = fields.text("id", 64, pattern=ID_PATTERN)
    if kind == "hello":
        return Hello(
            message_id, fields.text("pad_id", 64), fields.text("model", 64, ""), fields.text("fw", 32, "")
        )
    if kind == "rate.request":
        ticket_no = fields.text("ticket_no", 16, pattern=TICKET_PATTERN)
        window_no = fields.text("window_no", 16)
        staff = _Fields(fields.mapping("staff"), "rate.request.staff")
        return RateRequest(
            message_id,
            ticket_no,
            window_no,
            staff.text("staff_id", 16, "", empty_ok=True),
            staff.text("name", 16, "", empty_ok=True),
            fields.text("matter", 200, "", empty_ok=True),
            fields.number("timeout_s", 3600),
        )
    if kind == "rate.result":
        level = fields.level("level")
        indicators = fields.codes("indicators", 20)
        if level.is_bad and not indicators:
            raise EvalPadMessageError(
                f"rate.result.indicators: {level.value} ({level.label}) needs at least one indicator code"
            )
        return RateResult(message_id, level, fields.text("comment", 500, "", empty_ok=True), indicators)
    if kind == "rate.cancelled":
        by = fields.text("by", 16, "visitor")
        if by not in CANCELLERS:
            raise EvalPadMessageError(f"rate.cancelled.by: {by!r} is not one of {', '.join(CANCELLERS)}")
        return RateCancelled(message_id, cast(Canceller, by))
    simple: dict[object, type[Ack | RateTimeout | RateCancel | Ping | Pong]] = {
        "ack": Ack,
        "rate.timeout": RateTimeout,
        "rate.cancel": RateCancel,
        "ping": Ping,
        "pong": Pong,
    }
    if kind in simple:
        return simple[kind](message_id)
    raise EvalPadMessageError(f"type {kind!r} is not an EvalPad/{VERSION} message", wire_code="unknown_type")


class _Fields:
    """Reads the fields of one JSON object, with errors that name the message type and the field."""

    _MISSING = object()

    def __init__(self, body: dict[str, Any], where: str) -> None:
        self.body = body
        self.where = where

    def _get(self, name: str, default: object) -> object:
        value = self.body.get(name, default)
        if value is self._MISSING:
            raise EvalPadMessageError(f"{self.where}.{name}: missing")
        return value

    def text(
        self,
        name: str,
        max_len: int,
        default: str | None = None,
        *,
        pattern: re.Pattern[str] | None = None,
        empty_ok: bool = False,
    ) -> str:
        value = self._get(name, self._MISSING if default is None else default)
        if not isinstance(value, str):
            raise EvalPadMessageError(f"{self.where}.{name}: expected a string, got {type(value).__name__}")
        if len(value) > max_len or (not value and not empty_ok and default is None):
            raise EvalPadMessageError(f"{self.where}.{name}: {len(value)} characters, allowed 1-{max_len}")
        if pattern is not None and not pattern.fullmatch(value):
            raise EvalPadMessageError(f"{self.where}.{name}: {value!r} does not match {pattern.pattern}")
        return value

    def number(self, name: str, maximum: float) -> float:
        value = self._get(name, self._MISSING)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise EvalPadMessageError(f"{self.where}.{name}: expected a number, got {value!r}")
        if not 0 < value <= maximum:
            raise EvalPadMessageError(f"{self.where}.{name}: {value} is not in (0, {maximum}]")
        return float(value)

    def mapping(self, name: str) -> dict[str, Any]:
        value = self._get(name, self._MISSING)
        if not isinstance(value, dict):
            raise EvalPadMessageError(f"{self.where}.{name}: expected an object, got {type(value).__name__}")
        return value

    def level(self, name: str) -> RatingLevel:
        value = self._get(name, self._MISSING)
        if not isinstance(value, str) or value not in RatingLevel.__members__:
            names = ", ".join(level.value for level in RatingLevel)
            raise EvalPadMessageError(f"{self.where}.{name}: {value!r} is not one of {names}")
        return RatingLevel[value]

    def codes(self, name: str, max_items: int) -> tuple[str, ...]:
        value = self._get(name, [])
        if not isinstance(value, list) or len(value) > max_items:
            raise EvalPadMessageError(f"{self.where}.{name}: expected a list of at most {max_items} codes")
        for code in value:
            if not isinstance(code, str) or not INDICATOR_PATTERN.fullmatch(code):
                raise EvalPadMessageError(
                    f"{self.where}.{name}: {code!r} does not match {INDICATOR_PATTERN.pattern}"
                )
        return tuple(value)
