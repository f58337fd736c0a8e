"""Across processes on PostgreSQL: every server process hands every committed event to its own live feed.

The event table is the source of truth. Every transaction that writes events numbers them under the chain
head's row lock (hall_server/events/chain.py), so `chain_pos` is gap-free and in commit order, and the same
transaction sends `pg_notify('yimen_events', <its last position>)`, which PostgreSQL delivers only at commit.

Each process runs one listener thread on a connection of its own (autocommit, `LISTEN yimen_events`). On a
notification of a position it has not read, every `safety_seconds` (a notification is never needed for
correctness, only for latency) and after reconnecting a lost connection, it reads the events after the last
position it handed on, in position order, and hands them to `deliver` (the process's live publisher). One
path for every process, the writing one included, so each process publishes each event once and in commit
order: its clients get every change exactly once, with per-topic seq in commit order. A listener starts at
the head as it is when it starts: whoever connects later begins from a snapshot.

SQLite is single-process: there the unit of work hands events to the publisher directly.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import psycopg
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from hall_server.contract.events import Envelope
from hall_server.events.chain import CHANNEL, HEAD_ID

log = logging.getLogger("yimen.live.listener")

BATCH = 500  # events read per query while catching up
WAKE = "wake"  # a payload that only wakes the listener (stop); positions are digits


def conninfo(database_url: str) -> str:
    """The SQLAlchemy URL as a libpq one (psycopg takes `postgresql://…` with the same query options)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class EventListener:
    def __init__(
        self,
        database_url: str,
        deliver: Callable[[list[Envelope]], None],
        engine: Engine,
        safety_seconds: float = 1.0,
        retry_seconds: float = 0.5,
    ) -> None:
        self.conninfo = conninfo(database_url)
        self.deliver = deliver
        self.engine = engine  # to wake the listener on stop and to read the head for wait_caught_up
        self.safety_seconds = safety_seconds
        self.retry_seconds = retry_seconds
        self.last = 0  # the last position handed on
        self.reconnects = 0
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._connection: psycopg.Connection[Any] | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle (the app's lifespan) --------------------------------------------------------------

    def start(self) -> None:
        """Listen, then note the head: events committed after the LISTEN are all read."""
        self._connection = self._connect()
        self.last = self._head(self._connection)
        self._thread = threading.Thread(target=self._run, name="live-listener", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is None:
            return
        try:
            with self.engine.begin() as connection:  # the listener may be waiting for a notification
                connection.execute(
                    text("select pg_notify(:channel, :wake)"), {"channel": CHANNEL, "wake": WAKE}
                )
        except Exception:
            log.debug("could not wake the listener; it stops within %s s", self.safety_seconds)
        self._thread.join(timeout=self.safety_seconds + 5)
        self._thread = None

    def wait_caught_up(self, timeout: float = 30.0) -> None:
        """Block until every event committed so far has been handed on (tests, benchmarks)."""
        if self._thread is None:
            return
        with self.engine.connect() as connection:
            head = connection.execute(
                text("select head_pos from event_chain_head where id = :id"), {"id": HEAD_ID}
            ).scalar_one()
        with self._cond:
            if not self._cond.wait_for(lambda: self.last >= head, timeout):
                raise TimeoutError(f"live listener at {self.last}, head at {head}")

    # --- the thread -----------------------------------------------------------------------------------

    def _connect(self) -> psycopg.Connection[Any]:
        connection = psycopg.connect(self.conninfo, autocommit=True, application_name="yimen-live-listener")
        connection.execute(f"LISTEN {CHANNEL}")
        return connection

    @staticmethod
    def _head(connection: psycopg.Connection[Any]) -> int:
        row = connection.execute("select head_pos from event_chain_head where id = %s", (HEAD_ID,)).fetchone()
        return int(row[0]) if row else 0

    def _run(self) -> None:
        while not self._stop.is_set():
            connection = self._connection
            try:
                if connection is None or connection.closed:
                    connection = self._connection = self._connect()
                    self.reconnects += 1
                    log.info("live listener reconnected", extra={"after": self.last})
                self._catch_up(connection)  # after (re)connecting: what was committed meanwhile
                while not self._stop.is_set():
                    # The connection is busy while the generator runs: read after it has returned.
                    notes = [
                        n.payload for n in connection.notifies(timeout=self.safety_seconds, stop_after=1)
                    ]
                    if self._stop.is_set():
                        break
                    newest = max((int(p) for p in notes if p.isdigit()), default=-1)
                    if not notes or newest > self.last:  # nothing heard for a while: read anyway
                        self._catch_up(connection)
            except psycopg.Error as exc:
                if self._stop.is_set():
                    break
                log.warning(
                    "live listener lost its connection; reconnecting", extra={"error": type(exc).__name__}
                )
                self._close()
                self._stop.wait(self.retry_seconds)
            except Exception:
                log.exception("live listener failed; reading again")
                self._stop.wait(self.retry_seconds)
        self._close()

    def _close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:
                log.debug("closing the listen connection failed", exc_info=True)
            self._connection = None

    def _catch_up(self, connection: psycopg.Connection[Any]) -> None:
        while True:
            rows = connection.execute(
                "select chain_pos, payload from event where chain_pos > %s order by chain_pos limit %s",
                (self.last, BATCH),
            ).fetchall()
            if not rows:
                return
            envelopes = [Envelope.model_validate(payload) for _, payload in rows]
            try:
                self.deliver(envelopes)
            finally:
                with self._cond:
                    self.last = int(rows[-1][0])
                    self._cond.notify_all()
            if len(rows) < BATCH:
                return
