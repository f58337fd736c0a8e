"""Where an app's work runs (kiosk, counter): I/O (HTTP, devices) in worker threads, every state change
on one thread.

Controllers hand blocking work to `submit`; its result comes back through `post` on the owner's thread
(the Qt UI thread in the app, the test's thread in controller tests), so controller state is only ever
touched by one thread and the screen never freezes on a slow server or device.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


class Runner(ABC):
    def __init__(self, workers: int = 4) -> None:
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="app-io")
        self._closed = False

    def submit(
        self,
        work: Callable[[], T],
        done: Callable[[T], None],
        failed: Callable[[Exception], None],
    ) -> None:
        """Run `work` in a worker; then `done(result)` or `failed(error)` on the owner's thread."""

        def run() -> None:
            try:
                result = work()
            except Exception as exc:
                self.post(partial(failed, exc))
                return
            self.post(partial(done, result))

        if self._closed:
            # The app is closing: a callback still queued on the owner's thread asked for more work.
            # Nothing can report its result any more; what it would have told the server (a ticket's
            # delivery) is settled by the server's own sweep of untaken tickets.
            log.info("app closing: work dropped")
            return
        self._pool.submit(run)

    def start_thread(self, target: Callable[[], Any], name: str) -> threading.Thread:
        """A long-lived background loop (card reader, live feed); it reports through `post`."""
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        return thread

    @abstractmethod
    def post(self, fn: Callable[[], None]) -> None:
        """Run `fn` on the owner's thread, soon; callable from any thread."""

    def close(self, wait: bool = True) -> None:
        """Drop the work not yet started; with `wait`, let the running work end (a print job, a call)
        so no worker outlives the app."""
        self._closed = True
        self._pool.shutdown(wait=wait, cancel_futures=True)


class LoopRunner(Runner):
    """For controller tests and headless runs: posted calls wait until the owner drains them."""

    def __init__(self, workers: int = 4) -> None:
        super().__init__(workers)
        self._inbox: queue.Queue[Callable[[], None]] = queue.Queue()

    def post(self, fn: Callable[[], None]) -> None:
        self._inbox.put(fn)

    def run_pending(self, wait: float = 0.0) -> int:
        """Run what has been posted; wait up to `wait` seconds for the first call. Returns how many ran."""
        ran = 0
        try:
            fn = self._inbox.get(timeout=wait) if wait > 0 else self._inbox.get_nowait()
        except queue.Empty:
            return 0
        while True:
            fn()
            ran += 1
            try:
                fn = self._inbox.get_nowait()
            except queue.Empty:
                return ran

    def run_until(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("the app did not reach the expected state in time")
            self.run_pending(wait=0.05)
