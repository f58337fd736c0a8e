"""Device health: the kiosk tells the hall server its version and the state of each part (reader, printer,
voice, camera) at start, every `health_seconds`, and at once when a part changes state, so managers see a
printer out of paper before a visitor complains. Runs in its own thread; a failed report is tried again soon.
When the kiosk stops in order (closed, or switched off at closing time) its last report says so
(`signing_off`): the hall server then expects its silence and raises no 设备失联 overnight.
"""

from __future__ import annotations

import logging
import threading
import time
from importlib.metadata import PackageNotFoundError, version

import httpx

from hall_server.client import ApiError, HallClient
from hall_server.contract.devicehealth import HealthReport
from kiosk.config import KioskConfig
from kiosk.controller.devices import DeviceHub

log = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
# A printer that cannot print is asked again this often: staff refill the paper or close the cover (or the
# printer's first answers came late at start), and the screen and the managers must not go on showing the
# fault until the next report.
PRINTER_RECHECK_SECONDS = 5.0


def kiosk_version() -> str:
    try:
        return version("yimen")
    except PackageNotFoundError:  # run from a source tree
        return "0.1.0+source"


class HealthReporter:
    def __init__(self, config: KioskConfig, client: HallClient, devices: DeviceHub) -> None:
        self.config = config
        self.client = client
        self.devices = devices
        self.reports = 0  # sent and stored
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._changed = threading.Event()  # a part changed since the last report: report it at once
        devices.on_change(self._part_changed)

    def _part_changed(self, _kind: str) -> None:
        self._changed.set()
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="kiosk-health", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def join(self, timeout: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def report(self, *, signing_off: bool = False) -> bool:
        """One report now (blocking: call it from a worker); False if the server did not take it."""
        parts = self.devices.parts()
        report = HealthReport(app_version=kiosk_version(), devices=parts, signing_off=signing_off)
        try:
            self.client.report_health(report)
        except (ApiError, httpx.HTTPError, OSError) as exc:
            log.info("kiosk: health report not delivered: %s", type(exc).__name__)
            return False
        self.reports += 1
        return True

    def _run(self) -> None:
        report_due = 0.0  # the first report at once
        while not self._stop.is_set():
            self._wake.clear()
            printable = self.devices.check_printer()  # paper runs out between tickets too
            now = time.monotonic()
            if now >= report_due or self._changed.is_set():
                self._changed.clear()
                delivered = self.report()
                every = self.config.health_seconds
                report_due = now + (every if delivered else min(RETRY_SECONDS, every))
            wait = report_due - time.monotonic()
            if self.devices.printer is not None and not printable:
                wait = min(wait, PRINTER_RECHECK_SECONDS)
            self._wake.wait(max(wait, 0.0))
        self.report(signing_off=True)
