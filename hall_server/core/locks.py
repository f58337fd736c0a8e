"""Background work done once across processes: advisory locks for jobs that fit in a transaction, leases for
work that outlives one.

Several processes may run the same background work: `yimen server --workers N`, servers on several machines
sharing one PostgreSQL, and a `yimen sync` process beside the server. Each job must still happen once.

* A periodic job whose writes fit in one transaction (the day sweep, the default evaluations, the alert
  evaluation) takes a PostgreSQL transaction-level advisory lock, one well-known key per job, as the first
  statement of its write transaction: `try_exclusive` (another process is doing it: skip, it will be done)
  or `exclusive` (wait for it, then see what it wrote: the alert evaluation after a help request must not
  be skipped). The lock ends with the transaction, and with the connection if the process is killed, so
  a dead process never holds a job. No table, no clock, nothing to clean up.
* Delivering a target's event stream is not one transaction: a round claims a batch, sends it over the
  network outside any transaction, then settles it. One process at a time owns a target's stream through a
  row of the `lease` table (owner, until), taken or renewed in the same transaction as every claim; its
  sender threads share it, others stand by and take it over once it expires (a killed owner) or is given
  back (a stopped one). A session-level advisory lock on a pinned connection was the alternative; a lease
  was chosen because it also works on SQLite (the server and a `yimen sync` process), and because a machine
  cut off from the network holds a session lock until PostgreSQL's TCP keepalive notices (hours by
  default), while a lease is free again after `sync_lease_seconds`. Leases compare the processes' clocks:
  the machines must keep time (NTP) to well within a lease, as the per-event delivery leases already need.

On SQLite every write transaction begins IMMEDIATE, holding the database's one write lock across processes
until it ends, so a job's transaction is already alone: the advisory lock helpers are no-ops there (the job
reads what is due inside that transaction), and leases work as on PostgreSQL.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import String, case, or_, text, update
from sqlalchemy.orm import Mapped, mapped_column

from hall_server.core.context import Ctx
from hall_server.core.db import Base, UTCDateTime, upsert_statement

# One key per job; the names are hashed into PostgreSQL's 64-bit advisory lock space (see lock_key).
DAY_SWEEP = "queueing.day-sweep"
DEFAULT_EVALUATIONS = "evaluation.default-evaluations"
ALERT_EVALUATION = "alerts.evaluation"


class Lease(Base):
    """Who owns a piece of background work that outlives a transaction (a sync target's stream), and until
    when: another process may take it over once `until` has passed."""

    __tablename__ = "lease"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    until: Mapped[datetime] = mapped_column(UTCDateTime)
    since: Mapped[datetime] = mapped_column(UTCDateTime)  # when this owner took it (renewals keep it)


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for a job name: the same in every process and on every machine."""
    digest = hashlib.sha256(f"yimen:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _postgresql(ctx: Ctx) -> bool:
    return ctx.session.get_bind().dialect.name == "postgresql"


def try_exclusive(ctx: Ctx, name: str) -> bool:
    """Take job `name` for this transaction, or return False at once if another transaction has it.
    Call it first in the transaction, before reading what is due."""
    if not _postgresql(ctx):
        return True
    taken = ctx.session.scalar(text("select pg_try_advisory_xact_lock(:key)"), {"key": lock_key(name)})
    return bool(taken)


def exclusive(ctx: Ctx, name: str) -> None:
    """Take job `name` for this transaction, waiting for a transaction that has it to end. Under READ
    COMMITTED the statements after it see what that transaction wrote."""
    if _postgresql(ctx):
        ctx.session.execute(text("select pg_advisory_xact_lock(:key)"), {"key": lock_key(name)})


def take_lease(ctx: Ctx, name: str, owner: str, seconds: float) -> bool:
    """Take or renew lease `name` for `owner` until `seconds` from now: True if `owner` holds it, False if
    another owner's lease has not expired. One statement, safe when several processes race for it."""
    now = ctx.clock.now()
    until = now + timedelta(seconds=seconds)
    table = Lease.__table__
    insert = upsert_statement(ctx.session, table).values(name=name, owner=owner, until=until, since=now)
    statement = insert.on_conflict_do_update(
        index_elements=[table.c.name],
        set_={
            "owner": owner,
            "until": until,
            "since": case((table.c.owner == owner, table.c.since), else_=now),
        },
        where=or_(table.c.owner == owner, table.c.until < now),
    ).returning(table.c.owner)
    return ctx.session.execute(statement).scalar() == owner


def release_lease(ctx: Ctx, name: str, owner: str) -> None:
    """Give lease `name` back (a stopping process), so that a standby takes it over at once."""
    ctx.session.execute(
        update(Lease)
        .where(Lease.name == name, Lease.owner == owner)
        .values(until=ctx.clock.now() - timedelta(seconds=1))
        .execution_options(synchronize_session=False)
    )


def lease_holder(ctx: Ctx, name: str) -> str | None:
    """The owner of an unexpired lease `name`, if any (for status and tests)."""
    lease = ctx.session.get(Lease, name, populate_existing=True)
    return lease.owner if lease is not None and lease.until >= ctx.clock.now() else None
