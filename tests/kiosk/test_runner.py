"""The runner at shutdown: a callback still queued when the kiosk closes may ask for more work; that
work is dropped instead of raising in the event loop (seen in CI: 'cannot schedule new futures'); a
closed runner leaves no Qt object for Python's cycle collector to destroy in another thread (a segfault
seen in CI)."""

from __future__ import annotations

import gc
import threading

from hall_server.client.runner import LoopRunner
from kiosk.views.collector import UiThreadCollector
from kiosk.views.qtrunner import QtRunner
from tests.conftest import qt_objects_in_cyclic_garbage


def test_work_submitted_after_close_is_dropped_not_raised() -> None:
    runner = LoopRunner()
    results: list[str] = []
    runner.submit(lambda: "before", results.append, lambda exc: results.append(repr(exc)))
    runner.run_until(lambda: results == ["before"])
    runner.close()
    runner.submit(lambda: "after", results.append, lambda exc: results.append(repr(exc)))
    assert runner.run_pending(wait=0.2) == 0
    assert results == ["before"]


class _App:
    """As a controller holds its runner, and its callbacks hold the controller: a reference cycle."""

    def __init__(self) -> None:
        self.runner = QtRunner()
        self.results: list[int] = []
        self.report = self.results.append
        self.listeners = [self.report, self]
        self.runner.submit(lambda: 1, self.report, lambda exc: None)


def test_a_closed_qt_runner_leaves_nothing_of_qt_to_the_cycle_collector(qtbot) -> None:
    gc.collect()
    app = _App()
    results = app.results
    qtbot.waitUntil(lambda: results == [1])
    app.runner.close()
    del app
    assert qt_objects_in_cyclic_garbage() == []


class _Cycle:
    def __init__(self, freed_on: list[str]) -> None:
        self.freed_on = freed_on
        self.me = self

    def __del__(self) -> None:
        self.freed_on.append(threading.current_thread().name)


def test_the_apps_collect_cycles_on_the_ui_thread(qtbot) -> None:
    """The apps' collector: automatic collection off, cycles freed by a timer on the UI thread, even when
    the allocations that made them due came from a worker."""
    gc.collect()
    enabled = gc.isenabled()
    gc.enable()
    collector = UiThreadCollector(interval_ms=20)
    freed_on: list[str] = []
    try:
        assert not gc.isenabled()

        def worker() -> None:
            for _ in range(5 * gc.get_threshold()[0]):
                _Cycle(freed_on)

        thread = threading.Thread(target=worker, name="worker")
        thread.start()
        thread.join()
        assert freed_on == []  # nothing collected in the worker
        qtbot.waitUntil(lambda: len(freed_on) >= 5 * gc.get_threshold()[0])
        assert set(freed_on) == {threading.main_thread().name}
    finally:
        collector.stop()
        assert gc.isenabled()
        if not enabled:
            gc.disable()
