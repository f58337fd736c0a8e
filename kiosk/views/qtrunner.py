"""The Runner of a Qt app (kiosk, counter): posted calls run on the Qt UI thread."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal

from hall_server.client.runner import Runner


class _Bridge(QObject):
    call = Signal(object)

    def __init__(self) -> None:
        # Owned by the application, not by Python: its connection to its own slot puts it in a reference
        # cycle, and Python's cycle collector runs in whichever thread allocates (an HTTP worker, a server
        # thread in a test), where destroying a QObject of the UI thread crashes Qt (a segfault seen in CI).
        super().__init__(QCoreApplication.instance())
        self.call.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def _run(self, fn: Callable[[], None]) -> None:
        fn()


class QtRunner(Runner):
    """Posted calls run on the Qt UI thread (the thread that made the runner)."""

    def __init__(self, workers: int = 4) -> None:
        super().__init__(workers)
        self._bridge = _Bridge()

    def post(self, fn: Callable[[], None]) -> None:
        self._bridge.call.emit(fn)
