"""A scripted tablet pad speaking EvalPad/1 (see `jsonwire`) on loopback TCP, for tests and demos.

It follows the rules of the protocol (acks, repeated ids, replacement, acked finals, pings) and keeps its
state across connections, so a driver that reconnects finds the request it left. A scripted visitor
(`devices.evalpad.script`: `press`, `delay`) rates each request; a bad level comes with a comment and an
indicator code. Faults, each a count of connections or requests it spoils (sim:// URL options of the same
name):

    drop=N      after acking a request the connection is closed (Wi-Fi roaming), N times
    hang=N      after acking a request the pad stops answering on that connection (no pong, no result)
    garbage=N   on connect, after hello, a line that is not JSON and a message of version 2, N connections
    invalid=N   the first N results are sent without their level's required detail; after the hall's error the
                pad sends the result again, complete
    silent=1    the pad says hello and then never answers anything

`transcript` holds every line sent (tx) and received (rx) and notes on faults; `finished` every final message.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

from devices.evalpad.jsonwire import (
    Ack,
    ErrorMessage,
    EvalPadMessageError,
    FinalMessage,
    Hello,
    Message,
    Ping,
    Pong,
    RateCancel,
    RateCancelled,
    RateRequest,
    RateResult,
    RateTimeout,
    decode,
    encode,
)
from devices.evalpad.rating import RatingLevel
from devices.evalpad.script import Action, VisitorScript
from devices.transport import BytePort, SocketPort

BAD_COMMENT = "等候时间太长"
BAD_INDICATORS = ("502",)


@dataclass
class _Open:
    request: RateRequest
    action: Action
    press_at: float
    deadline: float
    final: FinalMessage | None = None
    final_acked: bool = False
    sent_invalid: bool = False


class ScriptedPad:
    def __init__(
        self,
        *,
        visitor: VisitorScript | None = None,
        pad_id: str = "SIM-PAD",
        drop: int = 0,
        hang: int = 0,
        garbage: int = 0,
        invalid: int = 0,
        silent: bool = False,
    ) -> None:
        self.visitor = visitor or VisitorScript()
        self.pad_id = pad_id
        self.faults = {"drop": drop, "hang": hang, "garbage": garbage, "invalid": invalid}
        self.silent = silent
        self.connections = 0
        self.transcript: list[tuple[str, str]] = []
        self.requests: dict[str, _Open] = {}
        self.lock = threading.Lock()
        self._current: str | None = None

    @classmethod
    def from_options(cls, options: Mapping[str, str]) -> ScriptedPad:
        def count(name: str) -> int:
            return int(options.get(name, "0"))

        return cls(
            visitor=VisitorScript.from_options(options),
            pad_id=options.get("pad_id", "SIM-PAD"),
            drop=count("drop"),
            hang=count("hang"),
            garbage=count("garbage"),
            invalid=count("invalid"),
            silent=bool(count("silent")),
        )

    @property
    def finished(self) -> list[FinalMessage]:
        with self.lock:
            return [entry.final for entry in self.requests.values() if entry.final is not None]

    def serve(self, port: BytePort, stop: threading.Event) -> None:
        if isinstance(port, SocketPort):  # as the protocol asks of every pad: small messages go out at once
            port.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.lock:
            self.connections += 1
            self._greet(port)
        buffer = b""
        hanging = False
        while not stop.is_set():
            data = port.read(4096, 0.02)
            buffer += data
            *lines, buffer = buffer.split(b"\n")
            with self.lock:
                for line in lines:
                    self._log("rx", line.decode("utf-8", errors="replace"))
                    if hanging or self.silent:
                        continue
                    outcome = self._on_line(port, line)
                    if outcome == "drop":
                        return
                    hanging = hanging or outcome == "hang"
                if not hanging and not self.silent:
                    self._tick(port)

    def _greet(self, port: BytePort) -> None:
        self._send(port, Hello("h-1", self.pad_id, "YM-PAD-SIM", "1.0"))
        if self._take("garbage"):
            self._write(port, b"\x00\xff{this is not json\n", "fault: garbage line")
            self._write(port, b'{"v":2,"type":"ping","id":"p-v2"}\n', "fault: version 2 message")
        for entry in self.requests.values():
            if entry.final is not None and not entry.final_acked:
                self._send(port, entry.final)

    def _on_line(self, port: BytePort, line: bytes) -> str:
        try:
            message = decode(line)
        except EvalPadMessageError as exc:
            self._send(port, ErrorMessage(exc.msg_id, exc.wire_code, exc.detail[:500]))
            return ""
        if isinstance(message, Ping):
            self._send(port, Pong(message.id))
        elif isinstance(message, RateRequest):
            return self._on_request(port, message)
        elif isinstance(message, RateCancel):
            self._on_cancel(port, message)
        elif isinstance(message, Ack) and message.id in self.requests:
            self.requests[message.id].final_acked = True
        elif isinstance(message, ErrorMessage) and message.id in self.requests:
            entry = self.requests[message.id]
            if entry.sent_invalid and entry.final is not None:
                self._send(port, entry.final)  # the visitor adds the missing detail
        return ""

    def _on_request(self, port: BytePort, request: RateRequest) -> str:
        known = self.requests.get(request.id)
        if known is not None:
            if known.final is not None:
                self._send(port, known.final)
            else:
                self._send(port, Ack(request.id))
            return ""
        if self._current is not None:
            self._finish(port, self.requests[self._current], RateCancelled(self._current, "replaced"))
        now = time.monotonic()
        self.requests[request.id] = _Open(
            request, self.visitor.next_action(), now + self.visitor.delay, now + request.timeout_s
        )
        self._current = request.id
        self._send(port, Ack(request.id))
        if self._take("drop"):
            self._log("tx", "", "fault: connection dropped")
            return "drop"
        if self._take("hang"):
            self._log("tx", "", "fault: pad hangs on this connection")
            return "hang"
        return ""

    def _on_cancel(self, port: BytePort, cancel: RateCancel) -> None:
        entry = self.requests.get(cancel.id)
        if entry is None:
            self._send(port, RateCancelled(cancel.id, "hall"))
        elif entry.final is None:
            self._finish(port, entry, RateCancelled(cancel.id, "hall"))
        else:
            self._send(port, entry.final)

    def _tick(self, port: BytePort) -> None:
        entry = self.requests.get(self._current) if self._current else None
        if entry is None:
            return
        now = time.monotonic()
        request_id = entry.request.id
        if entry.action != "none" and entry.press_at <= min(now, entry.deadline):
            if entry.action == "cancel":
                self._finish(port, entry, RateCancelled(request_id, "visitor"))
            elif isinstance(entry.action, RatingLevel):
                self._finish(port, entry, _result(request_id, entry.action))
        elif now >= entry.deadline:
            self._finish(port, entry, RateTimeout(request_id))

    def _finish(self, port: BytePort, entry: _Open, final: FinalMessage) -> None:
        entry.final = final
        self._current = None
        if isinstance(final, RateResult) and final.indicators and self._take("invalid"):
            entry.sent_invalid = True
            incomplete = encode(final).replace(b'"indicators":["502"]', b'"indicators":[]')
            self._write(port, incomplete, "fault: result without its detail")
            return
        self._send(port, final)

    def _take(self, fault: str) -> bool:
        if self.faults[fault] <= 0:
            return False
        self.faults[fault] -= 1
        return True

    def _send(self, port: BytePort, message: Message) -> None:
        self._write(port, encode(message))

    def _write(self, port: BytePort, line: bytes, note: str = "") -> None:
        self._log("tx", line.decode("utf-8", errors="replace").rstrip("\n"), note)
        port.write(line)

    def _log(self, direction: str, line: str, note: str = "") -> None:
        self.transcript.append((direction, f"{line}  # {note}" if note else line))


def _result(request_id: str, level: RatingLevel) -> RateResult:
    if level.is_bad:
        return RateResult(request_id, level, BAD_COMMENT, BAD_INDICATORS)
    return RateResult(request_id, level)
