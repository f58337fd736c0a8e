"""The runner at shutdown: a callback still queued when the kiosk closes may ask for more work; that
work is dropped instead of raising in the event loop (seen in CI: 'cannot schedule new futures'); a
closed runner leaves no Qt object for Python's cycle collector to destroy in another thread (a segfault
seen in CI)."""

from __future__ import annotations

import gc

from hall_server.client.runner import LoopRunner
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
