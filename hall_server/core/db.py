"""Database: the declarative base, column types that behave the same on SQLite and PostgreSQL, engines.

Sessions never commit inside services; the request (or command) boundary commits, so a state change and
its event are written in one transaction or not at all.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Connection, DateTime, Engine, MetaData, Table, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

from hall_server.core.tenancy import RESOLVER_KEY, default_resolver

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on both databases (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


# How long a writer waits for its turn among this process's writers, then for the database's write lock
# (held by another process). Together under the typed client's 10 s timeout: a kiosk gets a definite 503,
# never a timeout for a ticket that then commits.
WRITE_TURN_SECONDS = 5.0
SQLITE_BUSY_SECONDS = 3.0


class WriteGate:
    """Hands this process's one SQLite write lock to its threads first come, first served.

    SQLite lets one writer in at a time, and a writer that finds the lock taken sleeps and polls (busy
    handler, up to 100 ms between tries) while a newcomer may grab the lock the moment it is free: under
    concurrent kiosks that gave a tail of seconds. Here a thread queues before BEGIN IMMEDIATE and the lock
    is handed to the next in line at COMMIT or ROLLBACK, so no thread of this process ever meets
    SQLITE_BUSY; the busy timeout is left for other processes (the `yimen sync` process, the CLI).
    """

    def __init__(self, timeout: float = WRITE_TURN_SECONDS) -> None:
        self.timeout = timeout
        self._mutex = threading.Lock()
        self._holder: object | None = None
        self._queue: deque[tuple[object, threading.Event]] = deque()

    @property
    def queued(self) -> int:
        """How many writers wait for their turn."""
        with self._mutex:
            return len(self._queue)

    def acquire(self, owner: object) -> None:
        with self._mutex:
            if self._holder is None or self._holder is owner:
                self._holder = owner
                return
            turn = threading.Event()
            self._queue.append((owner, turn))
        try:
            if turn.wait(self.timeout) or self._handed_over_anyway(owner, turn):
                return
        except BaseException:  # interrupted while waiting: never leave a turn to nobody
            if self._handed_over_anyway(owner, turn):
                self.release(owner)
            raise
        raise sqlite3.OperationalError(f"database is locked: no turn to write within {self.timeout:.0f} s")

    def _handed_over_anyway(self, owner: object, turn: threading.Event) -> bool:
        """Leave the line, unless the turn came just as the wait ended."""
        with self._mutex:
            if turn.is_set():
                return True
            self._queue.remove((owner, turn))
            return False

    def release(self, owner: object) -> None:
        """Pass the lock on, if `owner` holds it (a rollback of a connection that never wrote is a no-op)."""
        with self._mutex:
            if self._holder is not owner:
                return
            if self._queue:
                self._holder, turn = self._queue.popleft()
                turn.set()
            else:
                self._holder = None


class GatedConnection(sqlite3.Connection):
    """A writer's connection: gives the write gate back once its transaction has really ended."""

    gate: WriteGate | None = None

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            if not self.in_transaction:
                self._release()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._release()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release()

    def _release(self) -> None:
        if self.gate is not None:
            self.gate.release(self)


def _sqlite_pragmas(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
    # Autocommit at the driver level so that SQLAlchemy's BEGIN below is the only transaction control.
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_SECONDS * 1000)}")
    cursor.close()


def _sqlite_begin_immediate(conn: Any) -> None:
    # Take the write lock at BEGIN: a deferred transaction that later writes fails at once with SQLITE_BUSY
    # under concurrency, whatever busy_timeout says. Immediate transactions queue instead, behind this
    # process's other writers at the gate first.
    dbapi_conn = conn.connection.dbapi_connection
    gate: WriteGate = dbapi_conn.gate
    gate.acquire(dbapi_conn)
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        gate.release(dbapi_conn)
        raise


def _sqlite_begin_deferred(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


def make_engine(
    url: str,
    *,
    reader: bool = False,
    write_turn_seconds: float = WRITE_TURN_SECONDS,
    pool_size: int = 10,
    max_overflow: int = 20,
    **kwargs: Any,
) -> Engine:
    """An engine for writing transactions, or (`reader`) for read-only ones: on SQLite, readers begin
    deferred transactions, which WAL lets run beside the one writer instead of queueing behind it, and
    writers take turns at one WriteGate per engine."""
    if url.startswith("sqlite"):
        connect_args = {"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS}
        if reader:
            engine = create_engine(url, connect_args=connect_args, **kwargs)
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin_deferred)
            return engine
        engine = create_engine(url, connect_args={**connect_args, "factory": GatedConnection}, **kwargs)
        gate = WriteGate(write_turn_seconds)

        def on_connect(dbapi_conn: Any, record: ConnectionPoolEntry) -> None:
            dbapi_conn.gate = gate
            _sqlite_pragmas(dbapi_conn, record)

        event.listen(engine, "connect", on_connect)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow, **kwargs)


def connections_per_process(pool_size: int, max_overflow: int) -> int:
    """The most PostgreSQL connections one server process may open: its write and read engines at their
    peak, and the live feed's LISTEN connection."""
    return 2 * (pool_size + max_overflow) + 1


def make_session_factory(engine: Engine, hall_code: str | None = None) -> sessionmaker[Session]:
    """Sessions that work in the deployment's default hall (`hall_code`'s, else the first) until they
    enter one (core/tenancy.py); a bare Session() has no default and refuses hall-scoped statements."""
    return sessionmaker(engine, expire_on_commit=False, info={RESOLVER_KEY: default_resolver(hall_code)})


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def table_of(model: type[Base]) -> Table:
    """A mapped class's table, for Core statements on a hot path (typed as the Table it is)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def upsert_statement(bind: Session | Connection, table: Any) -> Any:
    """The dialect's INSERT that supports ON CONFLICT (SQLite ≥ 3.35 and PostgreSQL share the syntax)."""
    dialect = bind.get_bind().dialect if isinstance(bind, Session) else bind.dialect
    if dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)
