"""The window's own devices, opened by URL through devices.registry, each allowed to be missing or failing.

Calling must never wait for a device: the LED screen is written and the pad asked in workers (see
hall_server.client.runner), a device that does not answer becomes a warning for the clerk (`warnings`),
and the server hears of it through the window's device health report. Three parts:

    ledscreen  the window's LED screen (HallBus/1): "请 A012 号到 5 号窗口" while calling, idle text otherwise
    evalpad    the evaluation pad (EvalPad/1 tablet or HallBus/1 keypad): one rating request per service
    reader     the counter's ID card reader (GA 467): identifies the visitor in front of the clerk
    printer    the receipt printer (ESC/POS, devices.printer): 受理回执, 一次性告知单, 不予受理通知书
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from devices import registry
from devices.errors import DeviceError
from devices.evalpad.rating import Rating, Staff
from devices.printer.driver import EscposTicketPrinter, PrintResult
from hall_server.contract.devicehealth import PartReport, PartState
from kiosk.controller.devices import URL_ERROR, CardEvent, card_event

log = logging.getLogger(__name__)

PART_NAMES = {"ledscreen": "窗口屏", "evalpad": "评价器", "reader": "身份证阅读器", "printer": "打印机"}
DEVICE_KINDS = {"ledscreen": "ledscreen", "evalpad": "evalpad", "reader": "idcard", "printer": "printer"}
ATTRIBUTES = {"ledscreen": "led", "evalpad": "pad", "reader": "reader", "printer": "printer"}
READER_RETRY_SECONDS = 2.0


class WindowDevices:
    """Thread-safe: workers write the screen and ask the pad; `parts` keeps each part's latest state and
    `on_change(kind)` listeners hear (from the worker's thread) when one changes."""

    def __init__(self, ledscreen: str, evalpad: str, idcard: str, printer: str = "") -> None:
        self.urls = {"ledscreen": ledscreen, "evalpad": evalpad, "reader": idcard, "printer": printer}
        self.led: Any = None
        self.pad: Any = None
        self.reader: Any = None
        self.printer: EscposTicketPrinter | None = None
        self._printer_lock = threading.Lock()
        self._parts: dict[str, PartReport] = {}
        self._lock = threading.Lock()
        self._led_lock = threading.Lock()
        self._stop = threading.Event()
        self._listeners: list[Callable[[str], None]] = []

    def on_change(self, listener: Callable[[str], None]) -> None:
        self._listeners.append(listener)

    # -- parts --------------------------------------------------------------------------------------------

    def set_part(self, kind: str, state: PartState, code: str | None = None, message: str = "") -> None:
        url = self.urls[kind].split("?", 1)[0][:200] or "-"
        report = PartReport(kind=kind, url_or_name=url, state=state, code=code, message=message[:200])
        with self._lock:
            before = self._parts.get(kind)
            self._parts[kind] = report
        if before is None or (before.state, before.code) != (state, code):
            for listener in list(self._listeners):
                listener(kind)

    def parts(self) -> list[PartReport]:
        with self._lock:
            return list(self._parts.values())

    def warnings(self) -> list[str]:
        """What the clerk should know: each part that is configured but not working, in words."""
        return [
            f"{PART_NAMES[p.kind]}不可用：{p.message or p.code}"
            for p in self.parts()
            if p.state is not PartState.OK
        ]

    # -- opening (in a worker) ----------------------------------------------------------------------------

    def open_all(self) -> None:
        for part in DEVICE_KINDS:
            setattr(self, ATTRIBUTES[part], self._open(part))

    def _open(self, part: str) -> Any:
        url = self.urls[part]
        if not url or self._stop.is_set():
            return None
        try:
            device = registry.open_device(DEVICE_KINDS[part], url)
        except (DeviceError, OSError, ValueError) as exc:
            self._fault(part, exc)
            return None
        if self._stop.is_set():  # close() ran meanwhile (a retry): it did not see this one
            _close_quietly(device)
            return None
        self.set_part(part, PartState.OK)
        return device

    def _opened(self, part: str) -> Any:
        """The part's device; one that could not be opened before is tried again now (plugged in since, or
        its USB port not yet there when the counter started). None while it still cannot be opened."""
        device = getattr(self, ATTRIBUTES[part])
        if device is None and self._may_retry(part):
            device = self._open(part)
            setattr(self, ATTRIBUTES[part], device)
        return device

    def _may_retry(self, part: str) -> bool:
        with self._lock:
            report = self._parts.get(part)
        understood = report is None or report.code != URL_ERROR  # a URL that cannot be read stays so
        return bool(self.urls[part]) and not self._stop.is_set() and understood

    def _fault(self, part: str, exc: Exception) -> None:
        if isinstance(exc, DeviceError):
            code, message = exc.code, exc.message
        else:
            code, message = (URL_ERROR if isinstance(exc, ValueError) else "UNAVAILABLE"), str(exc)
        with self._lock:
            before = self._parts.get(part)
        repeated = before is not None and (before.state, before.code) == (PartState.FAULT, code)
        (log.debug if repeated else log.warning)("counter: %s failed: %s", part, code)
        self.set_part(part, PartState.FAULT, code, message)

    # -- the LED screen -----------------------------------------------------------------------------------

    def show(self, text: str) -> bool:
        """Put `text` on the window screen (in a worker). False, and a warning, when the screen fails."""
        try:
            with self._led_lock:
                led = self._opened("ledscreen")
                if led is None:
                    return False
                led.show(text, line=0, mode="static")
        except (DeviceError, OSError) as exc:
            self._fault("ledscreen", exc)
            return False
        self.set_part("ledscreen", PartState.OK)
        return True

    # -- the evaluation pad -------------------------------------------------------------------------------

    def request_rating(
        self, ticket_no: str, staff: Staff, timeout_s: float, window_no: int, matter: str
    ) -> Rating | None:
        """Blocking (a worker): the visitor's Rating, None when they did not rate. Raises DeviceError when
        the pad does not answer at all (recorded as such, never as a rating)."""
        pad = self._opened("evalpad")
        if pad is None:
            raise DeviceError("本窗口没有评价器", code="EVALPAD_ABSENT")
        try:
            rating: Rating | None = pad.request_rating(
                ticket_no, staff, timeout_s, window_no=str(window_no), matter=matter
            )
        except DeviceError as exc:
            self._fault("evalpad", exc)
            raise
        self.set_part("evalpad", PartState.OK)
        return rating

    def cancel_rating(self) -> None:
        if self.pad is not None:
            try:
                self.pad.cancel()
            except DeviceError as exc:
                self._fault("evalpad", exc)

    # -- the card reader ----------------------------------------------------------------------------------

    def watch_cards(self, report: Callable[[CardEvent], None]) -> None:
        """Blocking loop (a thread): every reader event goes to `report`, until stop(). A reader that could
        not be opened is tried again every READER_RETRY_SECONDS."""
        while self._opened("reader") is None:
            if not self._may_retry("reader") or self._stop.wait(READER_RETRY_SECONDS):
                return
        try:
            for event in self.reader.watch(self._stop, interval=0.2):
                converted = card_event(event)
                if converted.kind == "unavailable":
                    self.set_part("reader", PartState.FAULT, "IDCARD_UNAVAILABLE", converted.message)
                elif converted.kind == "available":
                    self.set_part("reader", PartState.OK)
                report(converted)
        except (DeviceError, OSError, TypeError, ValueError):
            if not self._stop.is_set():
                raise

    # -- the receipt printer --------------------------------------------------------------------------------

    def print_with(self, job: Callable[[EscposTicketPrinter], PrintResult]) -> PrintResult:
        """Run one print job (in a worker); raises DeviceError (PaperOut, CoverOpen, PrinterUnavailable,
        PrinterFault...) when the printer could not print it or did not confirm it."""
        with self._printer_lock:
            printer = self._opened("printer")
            if printer is None:
                raise DeviceError("本窗口未配置打印机或打印机未连接", code="PRINTER_ABSENT")
            try:
                result = job(printer)
            except DeviceError as exc:
                self._fault("printer", exc)
                raise
        self.set_part("printer", PartState.OK)
        return result

    # -- closing ------------------------------------------------------------------------------------------

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        self._stop.set()
        for device in (self.led, self.pad, self.reader, self.printer):
            if device is not None:
                _close_quietly(device)


def _close_quietly(device: Any) -> None:
    try:
        device.close()
    except (DeviceError, OSError):
        log.debug("counter: closing a device failed", exc_info=True)
