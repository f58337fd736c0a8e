"""The card side of GA 467: a SAM_A module and its antenna, answering the real driver byte for byte.

It reads request frames from a BytePort (the master end of a pty pair, see devices.transport) with the
same FrameParser as the driver and answers as a reader would (protocol.py lists the commands)::

    11 FF → 90            12 FF → 90 + 16-byte SAM id       10 FF → 90 (forgets the selection)
    20 01 → 9F + 00×4 with a card on the antenna, 80 without
    20 02 → 90 + 00×8 with a card, 81 without
    30 01 / 30 10 → 90 + TLEN PLEN [FLEN] + text + photo [+ fingerprint] once selected, 41 otherwise
    30 03 → 90 + 70-byte address, 91 if the card has none
    (30 03 and 30 10 are optional: a simulator made with `optional` lacking them answers 21, as readers
    without the feature do)
    60 0n → 90 at the old rate, then the new rate     61 FF nn → 90
    bad CHK → 10, data where none belongs → 11, unknown command → 21

Output is paced like a UART at `baud` (10 bits a byte, after the request's own time on the line), so a
bench over a pty measures real timing; `pace=False` answers at once for fast tests. Cards are placed and
removed by the test (`place`, `remove`) or by a cycle; `faults` injects a failed SAM, select and read
failures, corrupt checksums, line noise before the preamble, byte-by-byte writes, delays and silence.
Unplugging is done by the RunningSimulator (`unplug()` closes the pty). Every byte in and out is kept in
`transcript`, as (direction, chunk) pairs; the newest 100 000 chunks.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from devices.idcard import protocol
from devices.idcard.cards import SimCard
from devices.idcard.layouts import encode_address
from devices.idcard.protocol import Cmd, CorruptFrame, Frame, FrameParser, Request, Sw3, encode_response
from devices.transport import BytePort

DEFAULT_BAUD = 115200
# 05.01-20230615-0000123456-0987654321: a fictitious SAM number
DEFAULT_SAM_ID = (
    bytes([5, 0, 1, 0])
    + (20230615).to_bytes(4, "little")
    + (123456).to_bytes(4, "little")
    + (987654321).to_bytes(4, "little")
)
PACE_CHUNK = 16  # bytes per write while pacing: 1.4 ms of line time at 115200
NOISE = bytes(b for b in range(256) if b != 0xAA)  # line noise that can never contain a preamble
READ_POLL = 0.02
TRANSCRIPT_CHUNKS = 100_000  # the newest chunks only: a standalone simulator may be polled for days

Answer = tuple[bytes, Callable[[], None] | None]


@dataclass
class Faults:
    """Faults to inject; counters apply to the next N occurrences and count down."""

    sam: Sw3 | None = None  # SAM_SELFTEST_FAILED or SAM_UNAUTHORISED: every command answers this
    select_failures: int = 0  # selects answer 81 although a card is there
    read_failures: int = 0  # reads answer 41
    corrupt_responses: int = 0  # responses carry a wrong CHK
    garbage_responses: int = 0  # responses are preceded by noise
    garbage_size: int = 24
    chunk_size: int = 0  # write responses this many bytes at a time (1: byte by byte); 0: default
    delay: float = 0.0  # seconds before every response
    mute: bool = False  # requests are read and never answered
    quiet_after_read: bool = False  # find answers 80 for a card already read while it stays on the antenna


class IdCardSimulator:
    def __init__(
        self,
        card: SimCard | None = None,
        *,
        baud: int = DEFAULT_BAUD,
        pace: bool = True,
        sam_id: bytes = DEFAULT_SAM_ID,
        faults: Faults | None = None,
        cycle: float | None = None,
        seed: int = 0,
        optional: frozenset[Cmd] = frozenset(protocol.OPTIONAL_COMMANDS.values()),
    ) -> None:
        self.pace = pace
        self.sam_id = sam_id
        self.faults = faults or Faults()
        self.transcript: deque[tuple[str, bytes]] = deque(maxlen=TRANSCRIPT_CHUNKS)
        self._baud = baud
        self._card = card
        self._selected = False
        self._read_done = False
        self._cycle = cycle
        self._cycle_card = card
        self._cycle_start = time.monotonic()
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._handlers: dict[Cmd, Callable[[bytes], bytes]] = {
            protocol.RESET: self._reset,
            protocol.SAM_STATUS: lambda data: encode_response(Sw3.SUCCESS),
            protocol.SAM_ID: lambda data: encode_response(Sw3.SUCCESS, self.sam_id),
            protocol.FIND: self._find,
            protocol.SELECT: self._select,
            protocol.READ: lambda data: self._read(with_fingerprint=False),
            protocol.READ_WITH_FINGERPRINT: lambda data: self._read(with_fingerprint=True),
            protocol.READ_NEW_ADDRESS: self._read_new_address,
            protocol.SET_RF_FRAME_SIZE: self._set_rf_frame_size,
        }
        for command in set(protocol.OPTIONAL_COMMANDS.values()) - optional:
            del self._handlers[command]  # → 21, unknown command

    # -- the scene ----------------------------------------------------------------------------------------

    @property
    def baud(self) -> int:
        return self._baud

    def place(self, card: SimCard) -> None:
        with self._lock:
            self._card, self._selected, self._read_done = card, False, False

    def remove(self) -> None:
        with self._lock:
            self._card, self._selected, self._read_done = None, False, False

    def rx_bytes(self) -> bytes:
        return b"".join(data for direction, data in list(self.transcript) if direction == "rx")

    def tx_bytes(self) -> bytes:
        return b"".join(data for direction, data in list(self.transcript) if direction == "tx")

    def requests(self) -> list[Request]:
        """Every well-formed request received so far, in order."""
        frames = FrameParser().feed(self.rx_bytes())
        return [Request.from_frame(frame) for frame in frames if isinstance(frame, Frame)]

    # -- the wire -----------------------------------------------------------------------------------------

    def serve(self, port: BytePort, stop: threading.Event) -> None:
        parser = FrameParser()
        while not stop.is_set():
            self._follow_cycle()
            chunk = port.read(4096, READ_POLL)
            if not chunk:
                continue
            self.transcript.append(("rx", chunk))
            for item in parser.feed(chunk):
                if self.faults.mute:
                    continue
                try:
                    self._reply(port, item, stop)
                except OSError:  # the other end is gone: nothing left to answer
                    return

    def _reply(self, port: BytePort, item: Frame | CorruptFrame, stop: threading.Event) -> None:
        if isinstance(item, CorruptFrame):
            answer: Answer = (encode_response(Sw3.HOST_CHECKSUM), None)
        else:
            answer = self._answer(item.body)
        response, after = answer
        request_size = protocol.HEADER_SIZE + len(item.body) + 1
        self._send(port, self._damage(response), request_size, stop)
        if after is not None:
            after()

    def _answer(self, body: bytes) -> Answer:
        command, data = Cmd(body[0], body[1]), body[2:]  # the parser passes no body shorter than 2
        with self._lock:
            if self.faults.sam is not None:
                return encode_response(self.faults.sam), None
            if command.cmd == protocol.SET_BAUD:
                return self._set_baud(command.para, data)
            handler = self._handlers.get(command)
            if handler is None:
                return encode_response(Sw3.HOST_COMMAND), None
            if data and command != protocol.SET_RF_FRAME_SIZE:
                return encode_response(Sw3.HOST_LENGTH), None
            return handler(data), None

    def _damage(self, frame: bytes) -> bytes:
        faults = self.faults
        if faults.corrupt_responses > 0:
            faults.corrupt_responses -= 1
            frame = frame[:-1] + bytes([frame[-1] ^ 0xFF])
        if faults.garbage_responses > 0:
            faults.garbage_responses -= 1
            frame = bytes(self._random.choice(NOISE) for _ in range(faults.garbage_size)) + frame
        return frame

    def _send(self, port: BytePort, frame: bytes, request_size: int, stop: threading.Event) -> None:
        if self.faults.delay:
            stop.wait(self.faults.delay)
        baud = self._baud
        start = time.monotonic()
        if self.pace:
            start += protocol.wire_seconds(request_size, baud)  # the request's own time on the line
        chunk = self.faults.chunk_size or (PACE_CHUNK if self.pace else len(frame))
        sent = 0
        for offset in range(0, len(frame), chunk):
            piece = frame[offset : offset + chunk]
            if self.pace:  # a byte reaches the other end once its 10 bits have gone over the line
                _sleep_until(start + protocol.wire_seconds(sent + len(piece), baud))
            self.transcript.append(("tx", piece))  # before writing: once read, it is in the transcript
            port.write(piece)
            sent += len(piece)

    # -- the card and the SAM -----------------------------------------------------------------------------

    def _reset(self, data: bytes) -> bytes:
        self._selected = False
        return encode_response(Sw3.SUCCESS)

    def _find(self, data: bytes) -> bytes:
        if self._card is None or (self.faults.quiet_after_read and self._read_done):
            return encode_response(Sw3.FIND_FAILED)
        return encode_response(Sw3.FIND_OK, bytes(4))

    def _select(self, data: bytes) -> bytes:
        if self._card is None:
            return encode_response(Sw3.SELECT_FAILED)
        if self.faults.select_failures > 0:
            self.faults.select_failures -= 1
            return encode_response(Sw3.SELECT_FAILED)
        self._selected = True
        return encode_response(Sw3.SUCCESS, bytes(protocol.SERIAL_NUMBER_SIZE))

    def _read(self, *, with_fingerprint: bool) -> bytes:
        card = self._card
        if card is None or not self._selected:
            return encode_response(Sw3.READ_FAILED)
        if self.faults.read_failures > 0:
            self.faults.read_failures -= 1
            return encode_response(Sw3.READ_FAILED)
        self._read_done = True
        record = protocol.CardRecord(card.text, card.photo, card.fingerprint)
        return encode_response(
            Sw3.SUCCESS, protocol.encode_card_record(record, with_fingerprint=with_fingerprint)
        )

    def _read_new_address(self, data: bytes) -> bytes:
        card = self._card
        if card is None or not self._selected:
            return encode_response(Sw3.READ_FAILED)
        if card.new_address is None:
            return encode_response(Sw3.NO_SUCH_ITEM)
        return encode_response(Sw3.SUCCESS, encode_address(card.new_address))

    def _set_rf_frame_size(self, data: bytes) -> bytes:
        return encode_response(Sw3.SUCCESS if len(data) == 1 else Sw3.HOST_LENGTH)

    def _set_baud(self, code: int, data: bytes) -> Answer:
        rate = protocol.BAUD_RATES.get(code)
        if rate is None:
            return encode_response(Sw3.HOST_COMMAND), None
        if data:
            return encode_response(Sw3.HOST_LENGTH), None

        def switch() -> None:
            self._baud = rate

        return encode_response(Sw3.SUCCESS), switch

    def _follow_cycle(self) -> None:
        if self._cycle is None or self._cycle_card is None:
            return
        present = int((time.monotonic() - self._cycle_start) // self._cycle) % 2 == 0
        if present and self._card is None:
            self.place(self._cycle_card)
        elif not present and self._card is not None:
            self.remove()


def _sleep_until(moment: float) -> None:
    remaining = moment - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)
