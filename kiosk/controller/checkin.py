"""预约签到: the visitor shows the appointment QR on a phone to the camera, or places the ID card; the hall
server checks the appointment in and issues a priority ticket.

The camera is read in its own thread only while the CHECKIN screen shows; the thread ends when the
visitor leaves the screen (or on reset), so the camera is not held open on the other screens.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from enum import StrEnum
from functools import partial
from typing import Any

from devices import registry
from devices.camera.qr import QrScanner, RepeatFilter
from devices.errors import DeviceError
from hall_server.client import ApiError
from hall_server.contract.appointments import CheckInRequest, CheckInResult
from hall_server.contract.devicehealth import PartState
from hall_server.contract.queue import TicketDelivery
from kiosk.controller.devices import CardEvent
from kiosk.controller.kiosk import KioskController, Screen
from kiosk.texts import tr

Post = Callable[[], None]

# The appointment code is 8 digits (AppointmentOut.code); a QR may hold it alone or at the end of a URL.
CODE_AT_END = re.compile(r"(?<![0-9])([0-9]{8})\s*$")
# What the visitor can do next, per server error: take a normal ticket, or come back later.
TAKE_NORMAL = {"APPOINTMENT_EXPIRED", "NO_APPOINTMENT_TODAY", "APPOINTMENT_NOT_BOOKED"}
KNOWN_ERRORS = {
    "CHECK_IN_TOO_EARLY",
    "CHECK_IN_WRONG_DAY",
    "APPOINTMENT_EXPIRED",
    "APPOINTMENT_NOT_FOUND",
    "APPOINTMENT_NOT_BOOKED",
    "NO_APPOINTMENT_TODAY",
    "CODE_UNREADABLE",  # ours: a QR that holds no appointment code
}


def code_in(text: str) -> str | None:
    """The 8-digit appointment code in a scanned QR text, or None if it holds none."""
    match = CODE_AT_END.search(text.strip())
    return match.group(1) if match else None


class Step(StrEnum):
    WAITING = "waiting"  # 请出示预约二维码或放置身份证
    WORKING = "working"  # asking the hall server
    DONE = "done"  # checked in: the ticket is handed out (Screen.TICKET)
    REFUSED = "refused"  # the server said why not (too early, too late, ...)


class CheckInFlow:
    def __init__(self, controller: KioskController, scan_interval: float = 0.05) -> None:
        self.controller = controller
        self.scan_interval = scan_interval
        self.step = Step.WAITING
        self.result: CheckInResult | None = None
        self.error_code = ""  # the server's code when REFUSED (or a local one: CODE_UNREADABLE)
        self.error_message = ""  # the server's own sentence (Chinese), shown under ours
        self.camera_ok: bool | None = None  # None: not tried yet on this visit
        self.camera_url = controller.config.camera  # the simulator panel may point it at another scene
        self.last_scanned = ""
        self.card_on_reader = False  # a card stays read until lifted: "retry" needs it placed again
        self._scanning: threading.Event | None = None
        self._lock = threading.Lock()
        controller.flows[Screen.CHECKIN] = self

    # -- navigation -------------------------------------------------------------------------------------

    def start(self) -> None:
        self.reset()
        self.camera_ok = None if self.camera_url else False
        self.controller.go(Screen.CHECKIN)
        self._start_camera()

    def take_normal_ticket(self) -> None:
        """From a refusal: a normal ticket instead (the take-a-ticket flow, from the card step)."""
        self.reset()
        self.controller.ticket.start()

    def retry(self) -> None:
        self.step = Step.WAITING
        self.error_code = self.error_message = ""
        self.controller.go(Screen.CHECKIN)
        if self._scanning is None:
            self._start_camera()

    def reset(self) -> None:
        self._stop_camera()
        self.step = Step.WAITING
        self.result = None
        self.error_code = self.error_message = ""
        self.last_scanned = ""
        self.camera_ok = None

    @property
    def needs_normal_ticket(self) -> bool:
        return self.step is Step.REFUSED and self.error_code in TAKE_NORMAL

    @property
    def refusal_key(self) -> str:
        return self.error_code if self.error_code in KNOWN_ERRORS else "OTHER"

    # -- the two ways in --------------------------------------------------------------------------------

    def on_card(self, event: CardEvent) -> bool:
        if event.kind in ("placed", "read", "removed"):
            self.card_on_reader = event.kind != "removed"
        if event.kind != "read" or event.identity is None or self.step is Step.WORKING:
            return False
        self._check_in(CheckInRequest(identity=event.identity, delivery=TicketDelivery.PENDING))
        return True

    def on_scanned(self, text: str) -> None:
        """A QR text from the camera thread (posted to the owner's thread)."""
        if self.controller.screen is not Screen.CHECKIN or self.step in (Step.WORKING, Step.DONE):
            return
        self.controller.touch()
        code = code_in(text)
        if code is None:
            self._refuse("CODE_UNREADABLE", "")
            self.controller.changed()
            return
        self.last_scanned = code
        self._check_in(CheckInRequest(code=code, delivery=TicketDelivery.PENDING))

    def _check_in(self, request: CheckInRequest) -> None:
        self.step = Step.WORKING
        self.error_code = self.error_message = ""
        sent = self.controller.call_server(
            lambda client: client.check_in(request), self._checked_in, self._refused, self._lost
        )
        if not sent:
            self.step = Step.WAITING
        self.controller.changed()

    def _checked_in(self, result: CheckInResult) -> None:
        if self.controller.screen is not Screen.CHECKIN:
            return  # the visitor left (idle, home): the ticket stays on the server, not on screen
        self._stop_camera()
        self.step = Step.DONE
        self.result = result
        self.hand_out(result)

    def hand_out(self, result: CheckInResult) -> None:
        """The priority ticket goes the way of every kiosk ticket: printed and confirmed, or kept on screen
        (kiosk/controller/handout.py); issued PENDING, it queues once the visitor holds it."""
        self.controller.handout.hand_out(result.ticket)

    def _lost(self, error: Exception) -> None:
        """The server did not answer (the offline banner shows): the visitor may try again once it is back
        (a check-in the server did make is then answered 已签到, and its unconfirmed ticket expires)."""
        if self.step is Step.WORKING:
            self.step = Step.WAITING
        self.controller.changed()

    def _refused(self, error: ApiError) -> None:
        self._refuse(error.code, error.message)
        self.controller.changed()

    def _refuse(self, code: str, message: str) -> None:
        self.step = Step.REFUSED
        self.error_code = code
        self.error_message = message
        self.controller.speak(tr(f"checkin.{self.refusal_key}", self.controller.language))

    # -- the camera ---------------------------------------------------------------------------------------

    def restart_camera(self) -> None:
        self._stop_camera()
        self._start_camera()

    def _start_camera(self) -> None:
        url = self.camera_url
        if not url:
            self.camera_ok = False
            return
        with self._lock:
            stop = threading.Event()
            self._scanning = stop
        self.controller.runner.start_thread(partial(self._scan_loop, url, stop), "kiosk-camera")

    def _stop_camera(self) -> None:
        with self._lock:
            if self._scanning is not None:
                self._scanning.set()
            self._scanning = None

    def _scan_loop(self, url: str, stop: threading.Event) -> None:
        post = self.controller.runner.post
        try:
            source = registry.open_device("camera", url)
        except (DeviceError, OSError, ValueError) as exc:
            self.controller.devices.part_unavailable("camera", url, exc)  # to the device-health report
            post(partial(self._camera_state, False))
            return
        self.controller.devices.set_part("camera", url, PartState.OK)
        post(partial(self._camera_state, True))
        try:
            self._scan_frames(source, stop, post)
        finally:
            source.close()

    def _scan_frames(self, source: Any, stop: threading.Event, post: Callable[[Post], None]) -> None:
        scanner, repeats = QrScanner(), RepeatFilter()
        while not stop.is_set() and self.controller.screen is Screen.CHECKIN:
            frame = source.read()
            if frame is None:
                stop.wait(self.scan_interval)
                continue
            found = scanner.scan(frame)
            if found is not None and repeats.fresh(found.text):
                post(partial(self.on_scanned, found.text))
            stop.wait(self.scan_interval)

    def _camera_state(self, works: bool) -> None:
        self.camera_ok = works
        self.controller.changed()
