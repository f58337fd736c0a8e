"""The runner at shutdown: a callback still queued when the kiosk closes may ask for more work; that
work is dropped instead of raising in the event loop (seen in CI: 'cannot schedule new futures')."""

from __future__ import annotations

from hall_server.client.runner import LoopRunner


def test_work_submitted_after_close_is_dropped_not_raised() -> None:
    runner = LoopRunner()
    results: list[str] = []
    runner.submit(lambda: "before", results.append, lambda exc: results.append(repr(exc)))
    runner.run_until(lambda: results == ["before"])
    runner.close()
    runner.submit(lambda: "after", results.append, lambda exc: results.append(repr(exc)))
    assert runner.run_pending(wait=0.2) == 0
    assert results == ["before"]
