"""The kiosk's own devices, opened by URL through devices.registry, each allowed to be missing or failing.

A kiosk must keep working with a dead reader (typed entry), printer (screen-only tickets) or camera (card
or typed code): every part's latest state is kept in `parts` for the health report and the screens, and
every call that touches a device runs in a worker (see runner.py), never on the UI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from devices import registry
from devices.errors import DeviceError
from devices.idcard.layouts import CardType, IdCardData
from devices.idcard.reader import (
    CardPlaced,
    CardRead,
    CardReadFailed,
    CardRemoved,
    ReaderAvailable,
    ReaderEvent,
    ReaderUnavailable,
)
from devices.printer.driver import PrintResult, raise_unless_printable
from devices.transport import RunningSimulator, parse_device_url
from hall_server.contract.devicehealth import PartReport, PartState
from hall_server.contract.identity import IdentityIn, IdKind
from kiosk.config import KioskConfig

log = logging.getLogger(__name__)

URL_ERROR = "BAD_DEVICE_URL"  # a part whose URL cannot be understood: opening it again cannot help

ID_KINDS = {
    CardType.RESIDENT: IdKind.RESIDENT,
    CardType.HMT_PERMIT: IdKind.HMT_PERMIT,
    CardType.FOREIGN_PR_2023: IdKind.FOREIGN_PR_2023,
    CardType.FOREIGN_PR_OLD: IdKind.FOREIGN_PR_OLD,
}


def identity_of(card: IdCardData) -> IdentityIn:
    """What the hall server needs of a card: kind, number, name (never the photo, address or birth)."""
    name = card.name or card.name_en or None
    return IdentityIn(kind=ID_KINDS[card.card_type], number=card.id_number, name=name)


@dataclass(frozen=True)
class CardEvent:
    """A reader event as the controllers see it: placed / read (with the identity) / failed / removed /
    reader lost / reader back."""

    kind: str  # placed | read | failed | removed | unavailable | available
    identity: IdentityIn | None = None
    message: str = ""


def card_event(event: ReaderEvent) -> CardEvent:
    if isinstance(event, CardRead):
        return CardEvent("read", identity_of(event.card))
    if isinstance(event, CardPlaced):
        return CardEvent("placed")
    if isinstance(event, CardRemoved):
        return CardEvent("removed")
    if isinstance(event, CardReadFailed):
        return CardEvent("failed", message=str(event.error))
    if isinstance(event, ReaderUnavailable):
        return CardEvent("unavailable", message=str(event.error))
    assert isinstance(event, ReaderAvailable)
    return CardEvent("available")


class DeviceHub:
    """Opens the kiosk's devices and keeps each part's state. Thread-safe: workers update `parts`, and one
    printer job or status query at a time holds the printer (the health check and a print share its port).
    `on_change(kind)` listeners hear, from the thread that noticed, when a part's state or fault changes."""

    def __init__(self, config: KioskConfig) -> None:
        self.config = config
        self.reader: Any = None
        self.printer: Any = None
        self.simulators: dict[str, RunningSimulator] = {}  # sim:// devices: the simulator panel's handles
        self._parts: dict[str, PartReport] = {}
        self._lock = threading.Lock()
        self._printer_lock = threading.Lock()
        self._stop = threading.Event()
        self._watch_over = threading.Event()  # the card loop has let go of the reader
        self._watch_over.set()
        self._change_listeners: list[Callable[[str], None]] = []

    def on_change(self, listener: Callable[[str], None]) -> None:
        self._change_listeners.append(listener)

    # -- parts --------------------------------------------------------------------------------------------

    def set_part(
        self, kind: str, url: str, state: PartState, code: str | None = None, message: str = ""
    ) -> None:
        report = PartReport(
            kind=kind, url_or_name=_without_query(url), state=state, code=code, message=message[:200]
        )
        with self._lock:
            before = self._parts.get(kind)
            self._parts[kind] = report
        if before is None or (before.state, before.code) != (state, code):
            for listener in list(self._change_listeners):
                listener(kind)

    def part(self, kind: str) -> PartReport | None:
        with self._lock:
            return self._parts.get(kind)

    def parts(self) -> list[PartReport]:
        with self._lock:
            return list(self._parts.values())

    def works(self, kind: str) -> bool:
        part = self.part(kind)
        return part is not None and part.state is PartState.OK

    # -- opening ------------------------------------------------------------------------------------------

    def open_reader(self) -> None:
        reader = self._open("idcard", "reader", self.config.idcard)
        with self._lock:  # close() may have run meanwhile (a retry in wait_for_reader): it missed this one
            if reader is not None and self._stop.is_set():
                _close_quietly(reader)
                reader = None
            self.reader = reader

    def wait_for_reader(self, retry_seconds: float) -> bool:
        """Open the reader again every `retry_seconds` while it could not be opened: a reader plugged in
        after the start, or its USB port not yet there when the kiosk started with the PC. True once it is
        open; False when stopped first, or when retrying cannot help (no reader configured, a URL that
        cannot be understood, a simulator)."""
        url = self.config.idcard
        if not url or url.startswith("sim://"):
            return self.reader is not None
        while self.reader is None:
            part = self.part("reader")
            if part is not None and part.code == URL_ERROR:
                return False
            if self._stop.wait(retry_seconds):
                return False
            self.open_reader()
        return True

    def open_printer(self) -> None:
        self.printer = self._open("printer", "printer", self.config.printer)
        if self.printer is not None:
            self.check_printer()

    def _open(self, kind: str, part: str, url: str) -> Any:
        if not url:
            return None
        try:
            device = registry.open_device(kind, self._simulated(kind, url))
        except (DeviceError, OSError, ValueError) as exc:
            before = self.part(part)
            self.part_unavailable(
                part, url, exc, quiet=before is not None and before.state is PartState.ABSENT
            )
            return None
        self.set_part(part, url, PartState.OK)
        return device

    def part_unavailable(self, part: str, url: str, exc: Exception, *, quiet: bool = False) -> None:
        """A part that could not be opened: ABSENT, with the driver's code and words (logged once, not at
        every retry)."""
        if isinstance(exc, DeviceError):
            code, message = exc.code, exc.message
        else:
            code, message = (URL_ERROR if isinstance(exc, ValueError) else "UNAVAILABLE"), str(exc)
        self.set_part(part, url, PartState.ABSENT, code, message)
        (log.debug if quiet else log.warning)("kiosk: %s %s unavailable: %s", part, _without_query(url), code)

    def _simulated(self, kind: str, url: str) -> str:
        """A sim:// device: start its simulator here and keep the handle (the simulator panel places cards
        and empties the printer through it); the unchanged driver opens the simulator's serial end."""
        if not url.startswith("sim://"):
            return url
        options = dict(parse_device_url(url).options)
        running = registry.start_simulator(kind, options)
        self.simulators[kind] = running
        if running.endpoint.startswith("tcp://"):  # sim://printer?link=tcp
            return running.endpoint
        driver = {"baud": options.get("baud", "115200")}
        if "profile" in options:
            driver["profile"] = options["profile"]
        return f"serial://{running.endpoint}?" + "&".join(f"{k}={v}" for k, v in driver.items())

    # -- the card reader ----------------------------------------------------------------------------------

    def watch_cards(self, report: Callable[[CardEvent], None]) -> None:
        """Blocking loop (run it in a thread): every reader event goes to `report`, from this thread."""
        with self._lock:  # close() may have run already: then the reader is closed, not to be read
            if self.reader is None or self._stop.is_set():
                return
            self._watch_over.clear()
        try:
            self._watch(report)
        except (DeviceError, OSError, TypeError, ValueError):
            if not self._stop.is_set():
                raise
            # close() shut the port under a poll in flight: the kiosk is stopping, nothing to report
        finally:
            self._watch_over.set()

    def _watch(self, report: Callable[[CardEvent], None]) -> None:
        for event in self.reader.watch(self._stop, interval=0.2):
            if isinstance(event, ReaderUnavailable):
                self.set_part(
                    "reader", self.config.idcard, PartState.FAULT, event.error.code, event.error.message
                )
            elif isinstance(event, ReaderAvailable):
                self.set_part("reader", self.config.idcard, PartState.OK)
            report(card_event(event))

    # -- the printer --------------------------------------------------------------------------------------

    def check_printer(self) -> bool:
        """Ask the printer how it is (in a worker); True when it can print."""
        if self.printer is None:
            return False
        with self._printer_lock:
            return self._check_printer()

    def _check_printer(self) -> bool:
        try:
            status = self.printer.status()
        except DeviceError as exc:
            self.set_part("printer", self.config.printer, PartState.FAULT, exc.code, exc.message)
            return False
        if not status.queryable:  # a write-only link: printing is possible, confirming it is not
            self.set_part("printer", self.config.printer, PartState.OK, message=status.words())
            return True
        try:
            raise_unless_printable(status)
        except DeviceError as exc:
            self.set_part("printer", self.config.printer, PartState.FAULT, exc.code, exc.message)
            return False
        self.set_part("printer", self.config.printer, PartState.OK)
        return True

    def print_with(self, job: Callable[[Any], PrintResult]) -> PrintResult:
        """Run one print job (in a worker) and record how the printer came out of it; raises DeviceError
        (PaperOut, CoverOpen, PrinterUnavailable...) when the job could not be confirmed."""
        if self.printer is None:
            raise DeviceError("打印机不可用", code="PRINTER_ABSENT")
        try:
            with self._printer_lock:
                result = job(self.printer)
        except DeviceError as exc:
            self.set_part("printer", self.config.printer, PartState.FAULT, exc.code, exc.message)
            raise
        self.set_part("printer", self.config.printer, PartState.OK)
        return result

    def stop_watching(self) -> None:
        """Ends watch_cards (within one poll interval); call before close()."""
        self._stop.set()

    def close(self) -> None:
        with self._lock:
            self._stop.set()
        self._watch_over.wait(2.0)  # closing the port under a read in progress breaks the reader thread
        for device in (self.reader, self.printer):
            if device is not None:
                _close_quietly(device)
        for running in self.simulators.values():
            running.stop()


def _close_quietly(device: Any) -> None:
    try:
        device.close()
    except (DeviceError, OSError):
        log.debug("kiosk: closing a device failed", exc_info=True)


def _without_query(url: str) -> str:
    """A device URL without its options (a health report has no use for them and they may be long)."""
    return url.split("?", 1)[0][:200] or "-"
