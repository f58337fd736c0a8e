"""The real GA 467 reader driver over pyserial, and the polling that turns it into card events.

`SamReader` opens a pyserial port (a device path such as /dev/ttyUSB0, a pty, or a pyserial URL such as
socket://host:port) and speaks the frames of protocol.py: one request, one response, each bounded by a
deadline. Its `poll()` runs one step of the read sequence (GA 467 §1.9 of the research notes)::

    no card  --find 9F-->  placed  --select 90, read 90-->  read  --find 80 and select 81-->  no card
                 CardPlaced          CardRead / CardReadFailed           CardRemoved

so each card yields CardPlaced, then CardRead (or CardReadFailed), then CardRemoved, once each however
often it is polled. Some readers stop answering find for a card they have already read while it still
lies on the antenna; a failed find is therefore confirmed with select before the card counts as removed.
`watch()` loops over `poll()`, reports a reader that stops answering or is unplugged once
(ReaderUnavailable), reopens the port until it is back (ReaderAvailable), and goes on.

Nothing personal is logged: commands and status bytes only.
"""

from __future__ import annotations

import logging
import termios
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from types import TracebackType

import serial

from devices.errors import DeviceError, DeviceTimeout, DeviceUnavailable, ProtocolError
from devices.idcard import protocol
from devices.idcard.errors import (
    BadResponseError,
    CardSelectError,
    CommandNotSupportedError,
    FrameChecksumError,
    IdCardError,
    SamUnusableError,
)
from devices.idcard.layouts import IdCardData, decode_address, decode_card
from devices.idcard.protocol import Cmd, CorruptFrame, FrameParser, Response, Sw3

log = logging.getLogger(__name__)

DEFAULT_BAUD = 115200
PORT_READ_SLICE = 0.05  # longest single pyserial read; each command keeps its own deadline
BAUD_SWITCH_PAUSE = 0.005  # the SAM listens at a new rate ≥ 5 ms after acknowledging it
SELECT_ATTEMPTS = 3
READ_FRAME_SIZE = 1295
READ_WITH_FINGERPRINT_FRAME_SIZE = 2321


class SamStatus(Enum):
    OK = "正常"
    SELFTEST_FAILED = "自检失败"
    UNAUTHORISED = "未经授权"


_SAM_STATUSES: dict[int, SamStatus] = {
    Sw3.SUCCESS: SamStatus.OK,
    Sw3.SAM_SELFTEST_FAILED: SamStatus.SELFTEST_FAILED,
    Sw3.SAM_UNAUTHORISED: SamStatus.UNAUTHORISED,
}


@dataclass(frozen=True)
class CardPlaced:
    pass


@dataclass(frozen=True)
class CardRead:
    card: IdCardData


@dataclass(frozen=True)
class CardReadFailed:
    error: DeviceError


@dataclass(frozen=True)
class CardRemoved:
    pass


@dataclass(frozen=True)
class ReaderUnavailable:
    error: DeviceError


@dataclass(frozen=True)
class ReaderAvailable:
    pass


CardEvent = CardPlaced | CardRead | CardReadFailed | CardRemoved
ReaderEvent = CardEvent | ReaderUnavailable | ReaderAvailable


class _Card(Enum):
    ABSENT = "absent"
    PLACED = "placed"  # found, not yet read
    DONE = "done"  # read (or failed): waiting for removal


class SamReader:
    """A GA 467 SAM_A reader on a serial port. Timeouts are in seconds; reads also get the wire time."""

    def __init__(
        self,
        port: str,
        *,
        baud: int = DEFAULT_BAUD,
        timeout: float = 1.0,
        read_timeout: float = 3.0,
        with_fingerprint: bool = False,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self.port_name = port
        self.baud = baud
        self.timeout = timeout
        self.read_timeout = read_timeout
        self.with_fingerprint = with_fingerprint
        self._on_close = on_close
        self._serial: serial.Serial | None = None
        self._parser = FrameParser()
        self._card = _Card.ABSENT
        self._select_failures = 0
        self.unsupported: set[Cmd] = set()  # optional commands this reader answered SW3 21 to

    # -- port ---------------------------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self._serial is not None

    def open(self) -> None:
        if self._serial is not None:
            return
        try:
            self._serial = serial.serial_for_url(self.port_name, baudrate=self.baud, timeout=PORT_READ_SLICE)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise DeviceUnavailable(
                "无法打开身份证阅读器端口", code="IDCARD_UNAVAILABLE", detail=f"{self.port_name}: {exc}"
            ) from exc
        self._card = _Card.ABSENT
        self.unsupported = set()  # the port may now lead to another reader

    def close(self) -> None:
        self._drop_port()
        on_close, self._on_close = self._on_close, None
        if on_close is not None:
            on_close()

    def __enter__(self) -> SamReader:
        self.open()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def _drop_port(self) -> None:
        port, self._serial = self._serial, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                log.debug("idcard: closing a port that had already gone")

    # -- commands -----------------------------------------------------------------------------------------

    def reset(self) -> None:
        self._command(protocol.RESET).expect()

    def sam_status(self) -> SamStatus:
        response = self._command(protocol.SAM_STATUS)
        status = _SAM_STATUSES.get(response.sw3)
        if status is None:
            raise response.error()
        return status

    def sam_id(self) -> bytes:
        """The 16 bytes of SAM management information; `protocol.format_sam_id` prints them."""
        data = self._command(protocol.SAM_ID).expect()
        if len(data) != protocol.SAM_ID_SIZE:
            raise BadResponseError("安全模块号长度错误", detail=f"{len(data)} bytes")
        return data

    def find_card(self) -> bool:
        response = self._command(protocol.FIND)
        if response.sw3 == Sw3.FIND_FAILED:
            return False
        response.expect(Sw3.FIND_OK)
        return True

    def select_card(self) -> bytes:
        return self._command(protocol.SELECT).expect()

    def read_card(self, *, with_fingerprint: bool | None = None) -> IdCardData:
        """Text and photo, and the fingerprint if asked for and the reader can: a reader without the
        fingerprint command (SW3 21) is read with 30 01 instead, and `unsupported` remembers it."""
        fingerprint = self.with_fingerprint if with_fingerprint is None else with_fingerprint
        if fingerprint and protocol.READ_WITH_FINGERPRINT not in self.unsupported:
            try:
                return self._read(protocol.READ_WITH_FINGERPRINT, READ_WITH_FINGERPRINT_FRAME_SIZE)
            except CommandNotSupportedError:
                self.unsupported.add(protocol.READ_WITH_FINGERPRINT)
                log.info("idcard: reader has no read-with-fingerprint (30 10); reading text and photo")
        return self._read(protocol.READ, READ_FRAME_SIZE)

    def _read(self, command: Cmd, frame_size: int) -> IdCardData:
        timeout = self.read_timeout + protocol.wire_seconds(frame_size, self.baud)
        data = self._command(command, timeout=timeout).expect()
        record = protocol.decode_card_record(data, with_fingerprint=command == protocol.READ_WITH_FINGERPRINT)
        return decode_card(record.text, record.photo, record.fingerprint)

    def read_new_address(self) -> str | None:
        """The latest address appended to the card (command 30 03), None if there is none. A reader without
        the command raises CommandNotSupportedError (and `unsupported` remembers it)."""
        response = self._command(protocol.READ_NEW_ADDRESS)
        if response.sw3 == Sw3.NO_SUCH_ITEM:
            return None
        if response.sw3 == Sw3.HOST_COMMAND:
            self.unsupported.add(protocol.READ_NEW_ADDRESS)
        return decode_address(response.expect())

    def set_baud(self, rate: int) -> None:
        """Switch the reader (which keeps the new rate across power cycles) and then our port."""
        self._command(protocol.set_baud_command(rate)).expect()
        time.sleep(BAUD_SWITCH_PAUSE)
        port = self._port()
        port.baudrate = rate
        self.baud = rate

    def set_rf_frame_size(self, size: int) -> None:
        self._command(protocol.SET_RF_FRAME_SIZE, bytes([size])).expect()

    def _port(self) -> serial.Serial:
        if self._serial is None:
            raise DeviceUnavailable(
                "身份证阅读器端口未打开", code="IDCARD_UNAVAILABLE", detail=self.port_name
            )
        return self._serial

    def _command(self, command: Cmd, data: bytes = b"", *, timeout: float | None = None) -> Response:
        port = self._port()
        name = protocol.COMMAND_NAMES.get(command, f"{command.cmd:02X} {command.para:02X}")
        log.debug("idcard → %s", name)
        self._parser.reset()
        try:
            port.reset_input_buffer()
            port.write(protocol.encode_request(command, data))
            response = self._receive(port, self.timeout if timeout is None else timeout)
        except (serial.SerialException, OSError, termios.error) as exc:  # termios: tcflush on a hung-up tty
            self._drop_port()
            raise DeviceUnavailable("身份证阅读器已断开", code="IDCARD_UNAVAILABLE", detail=str(exc)) from exc
        log.debug("idcard ← %s SW3 %02X", name, response.sw3)
        return response

    def _receive(self, port: serial.Serial, timeout: float) -> Response:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for item in self._parser.feed(port.read(port.in_waiting or 1)):
                if isinstance(item, CorruptFrame):
                    raise FrameChecksumError(
                        "阅读器应答校验和错误",
                        detail=f"CHK {item.received:02X}, expected {item.expected:02X}",
                    )
                return Response.from_frame(item)
        raise DeviceTimeout("身份证阅读器无应答", code="IDCARD_NO_ANSWER", detail=f"{timeout:.2f} s")

    # -- polling ------------------------------------------------------------------------------------------

    def poll(self) -> CardEvent | None:
        """One step of the read sequence; an event only when the card's state changed."""
        if self._card is _Card.ABSENT:
            return self._poll_absent()
        if self._card is _Card.PLACED:
            return self._poll_placed()
        return self._poll_done()

    def _poll_absent(self) -> CardEvent | None:
        if not self.find_card():
            return None
        self._card = _Card.PLACED
        self._select_failures = 0
        return CardPlaced()

    def _poll_placed(self) -> CardEvent | None:
        try:
            self.select_card()
            card = self.read_card()
        except CardSelectError as exc:
            return self._select_failed(exc)
        except SamUnusableError:
            raise
        except (IdCardError, ProtocolError) as exc:
            self._card = _Card.DONE
            log.info("idcard: read failed: %s", exc.code)
            return CardReadFailed(exc)
        self._card = _Card.DONE
        log.info("idcard: %s read", card.card_type.value)
        return CardRead(card)

    def _select_failed(self, error: CardSelectError) -> CardEvent | None:
        self._select_failures += 1
        if not self.find_card():
            self._card = _Card.ABSENT
            return CardRemoved()
        if self._select_failures < SELECT_ATTEMPTS:
            return None
        self._card = _Card.DONE
        return CardReadFailed(error)

    def _poll_done(self) -> CardEvent | None:
        if self.find_card():
            return None
        try:
            self.select_card()
        except CardSelectError:
            self._card = _Card.ABSENT
            return CardRemoved()
        return None

    def watch(
        self, stop: threading.Event, *, interval: float = 0.5, retry_interval: float = 1.0
    ) -> Iterator[ReaderEvent]:
        """Poll until `stop` is set. Right after an event it polls again at once (a placed card is read
        without waiting a period); a reader in trouble is reported once and retried every retry_interval."""
        trouble: DeviceError | None = None
        while not stop.is_set():
            try:
                self.open()
                event = self.poll()
            except DeviceError as exc:
                if trouble is None:
                    log.warning("idcard: reader unavailable: %s", exc.code)
                    yield ReaderUnavailable(exc)
                trouble = exc
                stop.wait(retry_interval)
                continue
            if trouble is not None:
                trouble = None
                yield ReaderAvailable()
            if event is not None:
                yield event
            else:
                stop.wait(interval)
