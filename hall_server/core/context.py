"""The unit of work every service function runs in: one session, one transaction, the caller, the clock.

`UnitOfWork.run(work)` opens a session, runs `work(ctx)`, commits, and only then hands the events recorded
in the transaction to `publish` (on SQLite the live feed itself; on PostgreSQL every process's feed gets
them from the event table instead, hall_server/live/listener.py). A concurrent update of the same row
(optimistic version check) or a database serialization failure re-runs the whole work a few times before
giving up with 409.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from hall_server.contract.events import Actor, Envelope, Source
from hall_server.contract.queue import WaitEstimate
from hall_server.core.clock import Clock
from hall_server.core.config import Settings
from hall_server.core.db import WRITE_TURN_SECONDS
from hall_server.core.errors import Conflict, Unavailable
from hall_server.core.tenancy import (
    HALL_KEY,
    RESOLVER_KEY,
    all_halls,
    current_hall_id,
    default_hall_id,
    enter,
    set_resolver,
)
from hall_server.identity.crypto import Keys
from hall_server.sync.config import TargetConfig
from hall_server.workdays.calendar import WorkCalendar

if TYPE_CHECKING:
    from hall_server.auth.principal import Principal
    from hall_server.halls.models import Hall

T = TypeVar("T")
log = logging.getLogger("yimen.uow")

SYSTEM_ACTOR = Actor(kind="system")
_RETRYABLE_PG_CODES = {"40001", "40P01"}  # serialization failure, deadlock


@dataclass
class Ctx:
    session: Session
    clock: Clock
    settings: Settings
    keys: Keys
    principal: Principal | None = None
    events: list[Envelope] = field(default_factory=list)
    source: Source | None = None  # the hall as events name it; read once per transaction
    estimates: dict[int, WaitEstimate] = field(default_factory=dict)  # computed at issue, reused by the view
    targets: list[TargetConfig] = field(default_factory=list)  # where events of this transaction go
    workdays: WorkCalendar | None = None  # the working-day calendar, read once per transaction
    hall: Hall | None = None  # the hall this server runs, read once per transaction (halls.current)

    @property
    def actor(self) -> Actor:
        return self.principal.actor() if self.principal else SYSTEM_ACTOR

    def enter_hall(self, hall_id: int) -> None:
        """From here on every hall-scoped query and insert of this transaction is the hall's."""
        if self.session.info.get(HALL_KEY) != hall_id:
            self.hall = None
            self.source = None
            self.estimates.clear()
            self.workdays = None
        enter(self.session, hall_id)

    @property
    def hall_id(self) -> int:
        """The entered hall (or the deployment's default hall for work that names none); NoHall if none."""
        hall_id = current_hall_id(self.session)
        assert hall_id is not None
        return hall_id


Publisher = Callable[[list[Envelope]], None]


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, StaleDataError):
        return True
    if isinstance(exc, IntegrityError):
        return False
    if isinstance(exc, DBAPIError):
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return code in _RETRYABLE_PG_CODES
    return False


def _locked(exc: Exception) -> bool:
    """SQLite's write lock not had within the busy timeout (held that long by another process, or this
    process's writers queued that long): trying again would only outlast the client's own timeout."""
    error = exc.orig if isinstance(exc, DBAPIError) else exc
    return isinstance(error, sqlite3.OperationalError) and "database is locked" in str(error)


class WriterLimit:
    """PostgreSQL: at most `slots` write transactions of this process at once, first come first served
    (SQLite has its WriteGate). Every transaction that writes events queues on the event chain's head, and a
    ticket's on its category's counter, anyway: more at once in one process only added threads that held
    those row locks while waiting for the GIL, stretching every transaction (bench/single_process.py at 32
    kiosks: p99 2.5 s ungated, 0.8–1.0 s with one or two). A nested `run` in the same thread passes (no
    self-deadlock); a turn not had within WRITE_TURN_SECONDS is DATABASE_BUSY (503), as on SQLite."""

    def __init__(self, slots: int, timeout: float = WRITE_TURN_SECONDS) -> None:
        self._slots = threading.BoundedSemaphore(slots)
        self._timeout = timeout
        self._holding = threading.local()

    @contextmanager
    def turn(self) -> Iterator[None]:
        if getattr(self._holding, "yes", False):
            yield
            return
        if not self._slots.acquire(timeout=self._timeout):
            raise Unavailable("DATABASE_BUSY", "系统繁忙，请稍后重试")
        self._holding.yes = True
        try:
            yield
        finally:
            self._holding.yes = False
            self._slots.release()


@dataclass
class UnitOfWork:
    factory: sessionmaker[Session]
    clock: Clock
    settings: Settings
    keys: Keys
    publish: Publisher | None = None
    targets: list[TargetConfig] = field(default_factory=list)
    read_factory: sessionmaker[Session] | None = None
    attempts: int = 5
    every_hall: bool = False  # across_halls(): every transaction sees every hall's rows
    writers: WriterLimit | None = None  # PostgreSQL: this process's write transactions at once

    def across_halls(self) -> UnitOfWork:
        """This unit of work for deployment-wide work (sync delivery, the chain, purges)."""
        return replace(self, every_hall=True)

    def _ctx(
        self, session: Session, principal: Principal | None, hall_id: int | None, every_hall: bool = False
    ) -> Ctx:
        ctx = Ctx(session, self.clock, self.settings, self.keys, principal, targets=self.targets)
        if every_hall or self.every_hall:
            all_halls(session)
        if RESOLVER_KEY not in session.info:
            code = self.settings.hall_code
            set_resolver(session, lambda s: default_hall_id(s, code))
        if hall_id is not None:
            ctx.enter_hall(hall_id)
        return ctx

    def read(
        self,
        work: Callable[[Ctx], T],
        principal: Principal | None = None,
        *,
        hall_id: int | None = None,
        every_hall: bool = False,
    ) -> T:
        """Run work that only reads: on SQLite it does not wait for the write lock. Nothing is committed.
        In `hall_id`'s hall; None: in the hall the work enters, else the deployment's default hall."""
        with (self.read_factory or self.factory)() as session:
            ctx = self._ctx(session, principal, hall_id, every_hall)
            try:
                return work(ctx)
            finally:
                session.rollback()

    def run(
        self,
        work: Callable[[Ctx], T],
        principal: Principal | None = None,
        *,
        hall_id: int | None = None,
        every_hall: bool = False,
    ) -> T:
        """Run `work` in one transaction, in `hall_id`'s hall (None: the hall the work enters, else the
        deployment's default hall), or across every hall (`every_hall`: sync delivery, the chain, purges)."""
        with self.writers.turn() if self.writers else nullcontext():
            return self._run(work, principal, hall_id, every_hall)

    def _run(
        self, work: Callable[[Ctx], T], principal: Principal | None, hall_id: int | None, every_hall: bool
    ) -> T:
        for attempt in range(1, self.attempts + 1):
            with self.factory() as session:
                ctx = self._ctx(session, principal, hall_id, every_hall)
                try:
                    result = work(ctx)
                    session.commit()
                except Exception as exc:
                    session.rollback()
                    if _locked(exc):
                        raise Unavailable("DATABASE_BUSY", "系统繁忙，请稍后重试") from exc
                    if not _retryable(exc):
                        raise
                    log.info("retrying after concurrent update", extra={"attempt": attempt})
                    time.sleep(0.002 * attempt)
                    continue
            if self.publish and ctx.events:
                self.publish(ctx.events)
            return result
        raise Conflict("BUSY_RETRY", "系统繁忙，数据正被同时修改，请稍后重试")
