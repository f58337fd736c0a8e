"""The Runner of a Qt app (kiosk, counter): posted calls run on the Qt UI thread."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal

from hall_server.client.runner import Runner


class _Bridge(QObject):
    call = Signal(object)

    def __init__(self) -> None:
        super().__init__()
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
