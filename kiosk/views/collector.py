"""Python's cycle collector on the Qt UI thread only (kiosk, counter).

Left automatic, the collector runs in whichever thread crosses its threshold: an HTTP worker, the card
reader's loop, the live feed. A Qt object it frees there is destroyed off the UI thread, which crashes Qt
(seen as segfaults in the test process, where a server thread collected). The apps turn automatic
collection off and run it from a timer on the UI thread, generation by generation as Python would.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class UiThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.collect)
        self._timer.start(interval_ms)

    def collect(self) -> None:
        collect_due(self._thresholds)

    def stop(self) -> None:
        self._timer.stop()
        if self._was_enabled:
            gc.enable()


def collect_due(thresholds: tuple[int, int, int]) -> None:
    """Collect the oldest generation that is due, as the automatic collector would choose it (while it is
    off, the allocation count still grows); nothing when none is due."""
    counts = gc.get_count()
    if counts[0] <= thresholds[0]:
        return
    generation = 0
    if counts[1] > thresholds[1]:
        generation = 2 if counts[2] > thresholds[2] else 1
    gc.collect(generation)
