"""The real tablet-pad driver: an EvaluationPad over EvalPad/1 (message layouts in `jsonwire`) on TCP.

A link thread owns the connection. It connects, and after a drop or a failed connect tries again after a
backoff that doubles from `backoff_min` to `backoff_max` (with +-20 % jitter, so the pads of a hall do not all
come back in the same instant; it starts afresh after a connection on which the pad said something); it reads
lines, answers pings, acks every final message, sends a ping when it has sent nothing for `heartbeat_s`, drops
a connection that has been silent for `dead_after_s`, and on every new connection sends the open rating
request again (the pad recognises its id). Messages are handed to the caller waiting for their id.
`request_rating` runs in the caller's thread (never the GUI thread: it blocks).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import random
import select
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator

from devices.errors import DeviceTimeout, DeviceUnavailable, ProtocolError
from devices.evalpad.jsonwire import (
    MAX_LINE,
    Ack,
    ErrorMessage,
    EvalPadMessageError,
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
from devices.evalpad.rating import PadStatus, Rating, Staff
from devices.transport import RunningSimulator

log = logging.getLogger(__name__)
KIND = "EvalPad/1 平板评价器"


def backoff_delays(first: float, limit: float) -> Iterator[float]:
    """Seconds to wait before each reconnect attempt: first, doubling up to limit, each with +-20 % jitter."""
    delay = first
    while True:
        yield delay * random.uniform(0.8, 1.2)
        delay = min(delay * 2, limit)


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class JsonEvalPad:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        window_no: str = "",
        connect_timeout: float = 2.0,
        ack_timeout: float = 2.0,
        grace_s: float = 2.0,
        heartbeat_s: float = 10.0,
        dead_after_s: float = 30.0,
        backoff_min: float = 0.1,
        backoff_max: float = 5.0,
        simulator: RunningSimulator | None = None,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self.address = (host, port)
        self.window_no = window_no
        self.connect_timeout = connect_timeout
        self.ack_timeout = ack_timeout
        self.grace_s = grace_s
        self.heartbeat_s = heartbeat_s
        self.dead_after_s = dead_after_s
        self.backoff_min = backoff_min
        self.backoff_max = backoff_max
        self.simulator = simulator
        self.hello: Hello | None = None
        self.connects = 0
        self.errors_sent = 0
        self.last_error = ""
        self._on_close = on_close
        self._sock: socket.socket | None = None
        self._send_lock = threading.Lock()
        self._connected = threading.Event()
        self._closed = threading.Event()
        self._pending: RateRequest | None = None
        self._sent_at: float | None = None
        self._waiters: dict[str, queue.Queue[Message]] = {}
        self._last_tx = self._last_rx = time.monotonic()
        self._heard_on_link = False
        self._thread = threading.Thread(target=self._run, name=f"evalpad-{host}:{port}", daemon=True)
        self._thread.start()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def request_rating(
        self, ticket_no: str, staff: Staff, timeout_s: float, *, window_no: str = "", matter: str = ""
    ) -> Rating | None:
        request = RateRequest(
            new_id("r"),
            ticket_no,
            window_no or self.window_no,
            staff.staff_id,
            staff.masked_name,
            matter,
            float(timeout_s),
        )
        try:
            decode(encode(request))  # the pad would refuse what our own validator refuses: say so here
        except (EvalPadMessageError, ValueError) as exc:
            raise ValueError(f"cannot ask for a rating: {getattr(exc, 'detail', exc)}") from None
        inbox = self._expect(request.id)
        started = time.monotonic()
        self._pending, self._sent_at = request, None
        try:
            if self._send(request):
                self._sent_at = time.monotonic()
            return self._await_final(request, inbox, started + timeout_s + self.grace_s, started)
        finally:
            self._pending = None
            self._forget(request.id)

    def cancel(self) -> None:
        pending = self._pending
        if pending is not None:
            self._send(RateCancel(pending.id))

    def ping(self, timeout: float = 2.0) -> float:
        """Round-trip time of a ping, in seconds; DeviceTimeout when no pong comes."""
        message = Ping(new_id("p"))
        inbox = self._expect(message.id)
        try:
            started = time.monotonic()
            if not self._send(message):
                raise DeviceUnavailable("评价器未连接", code="EVALPAD_OFFLINE", detail=self._where())
            try:
                inbox.get(timeout=timeout)
            except queue.Empty:
                raise DeviceTimeout("评价器无应答", code="EVALPAD_NO_PONG", detail=self._where()) from None
            return time.monotonic() - started
        finally:
            self._forget(message.id)

    def status(self) -> PadStatus:
        hello, pending = self.hello, self._pending
        return PadStatus(
            self.connected,
            KIND,
            model=f"{hello.model} fw {hello.fw}".strip() if hello else "",
            pad_id=hello.pad_id if hello else "",
            waiting_for=pending.ticket_no if pending else "",
            detail=f"{self._where()}, {self.connects} connection(s)"
            + (f", {self.last_error}" if self.last_error else ""),
        )

    def close(self) -> None:
        self._closed.set()
        with self._send_lock:
            if self._sock is not None:
                with contextlib.suppress(OSError):
                    self._sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=2)
        on_close, self._on_close = self._on_close, None
        if on_close is not None:
            on_close()

    def _await_final(
        self, request: RateRequest, inbox: queue.Queue[Message], deadline: float, started: float
    ) -> Rating | None:
        acked = False
        while True:
            now = time.monotonic()
            if not acked:
                sent_at = self._sent_at
                if now >= (sent_at or started) + self.ack_timeout:
                    if sent_at is None:
                        raise DeviceUnavailable("评价器未连接", code="EVALPAD_OFFLINE", detail=self._where())
                    raise DeviceTimeout("评价器无应答", code="EVALPAD_NO_ACK", detail=self._where())
            if now >= deadline:
                if not self.connected:
                    raise DeviceUnavailable("评价器连接中断", code="EVALPAD_OFFLINE", detail=self._where())
                self._send(RateCancel(request.id))
                return None
            try:
                message = inbox.get(timeout=min(0.05, deadline - now))
            except queue.Empty:
                continue
            if isinstance(message, Ack):
                acked = True
            elif isinstance(message, ErrorMessage):
                raise ProtocolError(
                    "评价器拒绝了评价请求",
                    code="EVALPAD_REJECTED",
                    detail=f"{message.code}: {message.message}",
                )
            elif isinstance(message, RateResult):
                return Rating(request.ticket_no, message.level, message.comment, message.indicators)
            elif isinstance(message, RateTimeout | RateCancelled):
                return None

    def _where(self) -> str:
        host, port = self.address
        return f"tcp://{host}:{port}"

    def _expect(self, message_id: str) -> queue.Queue[Message]:
        inbox: queue.Queue[Message] = queue.Queue()
        self._waiters[message_id] = inbox
        return inbox

    def _forget(self, message_id: str) -> None:
        self._waiters.pop(message_id, None)

    def _send(self, message: Message) -> bool:
        """Write one message if connected; False when there is no connection (the link thread reconnects)."""
        with self._send_lock:
            if self._sock is None:
                return False
            try:
                self._sock.sendall(encode(message))
            except OSError as exc:
                self.last_error = f"send failed: {exc}"
                with contextlib.suppress(OSError):
                    self._sock.shutdown(socket.SHUT_RDWR)
                return False
            self._last_tx = time.monotonic()
            return True

    # The link thread.

    def _run(self) -> None:
        delays = backoff_delays(self.backoff_min, self.backoff_max)
        while not self._closed.is_set():
            try:
                sock = socket.create_connection(self.address, timeout=self.connect_timeout)
            except OSError as exc:
                self.last_error = f"connect failed: {exc}"
                self._closed.wait(next(delays))
                continue
            self.connects += 1
            self._heard_on_link = False
            try:
                self._serve(sock)
            except OSError as exc:
                self.last_error = f"connection lost: {exc}"
            finally:
                with self._send_lock:
                    self._sock = None
                    self._connected.clear()
                sock.close()
            if self._heard_on_link:  # a pad that talked was healthy: start the backoff afresh
                delays = backoff_delays(self.backoff_min, self.backoff_max)
            self._closed.wait(next(delays))

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(self.connect_timeout)  # bounds sendall on a stuck peer; reads wait in select
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._send_lock:
            self._sock = sock
            self._last_rx = self._last_tx = time.monotonic()
            self._connected.set()
        pending = self._pending
        if pending is not None and self._send(pending):
            self._sent_at = time.monotonic()
        lines = _LineSplitter()
        while not self._closed.is_set():
            readable, _, _ = select.select([sock], [], [], 0.05)
            now = time.monotonic()
            if readable:
                data = sock.recv(65536)
                if not data:
                    self.last_error = "pad closed the connection"
                    return
                self._last_rx = now
                self._heard_on_link = True
                for line in lines.feed(data):
                    self._on_line(line)
                if lines.overflowed:
                    self._reject(EvalPadMessageError(f"line longer than {MAX_LINE} bytes"))
                    lines.overflowed = False
            if now - self._last_tx >= self.heartbeat_s:
                self._send(Ping(new_id("p")))
            if now - self._last_rx >= self.dead_after_s:
                self.last_error = f"pad silent for {self.dead_after_s:g} s"
                return

    def _on_line(self, line: bytes) -> None:
        try:
            message = decode(line)
        except EvalPadMessageError as exc:
            self._reject(exc)
            return
        if isinstance(message, Ping):
            self._send(Pong(message.id))
        elif isinstance(message, Hello):
            self.hello = message
        elif isinstance(message, RateRequest | RateCancel):
            self._reject(
                EvalPadMessageError(f"{type(message).__name__} is sent by the hall", msg_id=message.id)
            )
            return
        elif isinstance(message, RateResult | RateTimeout | RateCancelled):
            self._send(Ack(message.id))
        waiter = self._waiters.get(message.id)
        if waiter is not None:
            waiter.put(message)

    def _reject(self, exc: EvalPadMessageError) -> None:
        self.errors_sent += 1
        log.warning("evalpad %s: rejected a message: %s", self._where(), exc.detail)
        self._send(ErrorMessage(exc.msg_id, exc.wire_code, exc.detail[:500]))


class _LineSplitter:
    """LF-separated lines from a byte stream; a line longer than MAX_LINE is dropped up to its LF."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._skipping = False
        self.overflowed = False

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        lines = []
        while (end := self._buffer.find(b"\n")) >= 0:
            line = bytes(self._buffer[:end]).rstrip(b"\r")
            del self._buffer[: end + 1]
            if self._skipping:
                self._skipping = False
            elif line.strip():
                lines.append(line)
        if len(self._buffer) > MAX_LINE:
            self._buffer.clear()
            self.overflowed = self.overflowed or not self._skipping
            self._skipping = True
        return lines
