"""Tamper evidence for the event log (全过程留痕, standards.md §7.1): a hash chain with signed checkpoints.

Every stored event has a position (1, 2, 3… in commit order, one chain per database, i.e. per hall) and
carries in its envelope `prev_hash`, the hash of the event before it (64 zeros for the first). An event's
hash is SM3 over its canonical bytes: the stored envelope (including its own `prev_hash`) as compact JSON
with sorted keys, UTF-8, non-ASCII as is. Whatever the envelope holds as stored is covered, time formats
included. Each row also keeps its hash and a MAC (HMAC-SM3 of the hash under the chain key), so a row
forged or rewritten by someone without the hall's keys does not pass even where its SM3 links fit.

Positions are given at commit, not when the event is recorded: `record` queues the row on the session and
the `before_commit` hook below locks the one-row chain head (`FOR UPDATE` on PostgreSQL; SQLite has a single
writer), numbers and links the transaction's events, and moves the head. The head is the last lock a
transaction takes and is held only through its commit, so writers never deadlock on it and the chain never
forks, whichever process writes. Positions are therefore gap-free and in commit order: a reader that sees
position N committed sees every position below it committed too.

On PostgreSQL the seal also sends `pg_notify('yimen_events', <last position>)`, delivered only when the
transaction commits: every server process listens and reads the new events (hall_server/live/listener.py).

Checkpoints: every `event_checkpoint_every` events (at commit) and, when events were written, every
`event_checkpoint_minutes` (from the server's periodic sweep), the head's position and hash are signed with
HMAC-SM3 under the chain key and stored (append-only) and logged, so a removed tail shows. The chain key is
derived from the hall's lookup key; `yimen events verify` (verify.py) checks all of it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, func, insert, select, update
from sqlalchemy.orm import Session, SessionTransaction

from hall_server.core.db import table_of
from hall_server.core.tenancy import current_hall_id
from hall_server.events.models import Event, EventChainHead, EventCheckpoint
from hall_server.identity.crypto import Keys
from hall_server.sync.service import outbox_rows
from hall_server.sync.wire import hmac_sm3_hex, sm3_hex

if TYPE_CHECKING:
    from hall_server.contract.events import Envelope
    from hall_server.core.context import Ctx

log = logging.getLogger("yimen.events.chain")

GENESIS = "0" * 64
HEAD_ID = 1
CHECKPOINT_SPEC = "yimen-event-checkpoint/1"
_KEY_LABEL = "yimen/event-chain/1"
_PENDING = "yimen.events.pending"
CHANNEL = "yimen_events"  # LISTEN/NOTIFY channel: the payload is the last position a commit wrote


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def event_hash(payload: dict[str, Any]) -> str:
    return sm3_hex(canonical(payload))


def chain_key(keys: Keys) -> bytes:
    """The chain's MAC and checkpoint key: derived from the lookup key, so no new key to keep."""
    return bytes.fromhex(hmac_sm3_hex(keys.lookup_key, _KEY_LABEL))


def key_id(key: bytes) -> str:
    return sm3_hex(b"yimen-kid" + key)[:16]


def row_mac(key: bytes, row_hash: str) -> str:
    return hmac_sm3_hex(key, row_hash)


def checkpoint_message(chain_pos: int, head_hash: str, created_at: datetime) -> str:
    stamp = created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return f"{CHECKPOINT_SPEC}|{chain_pos}|{head_hash}|{stamp}"


def checkpoint_signature(key: bytes, chain_pos: int, head_hash: str, created_at: datetime) -> str:
    return hmac_sm3_hex(key, checkpoint_message(chain_pos, head_hash, created_at))


# --- writing ---------------------------------------------------------------------------------------------


@dataclass
class _Pending:
    ctx: Ctx
    rows: list[tuple[Event, Envelope]] = field(default_factory=list)


def queue(ctx: Ctx, row: Event, envelope: Envelope) -> None:
    """Hold an event row until the transaction commits, when it is numbered, linked and inserted."""
    pending: _Pending | None = ctx.session.info.get(_PENDING)
    if pending is None:
        pending = ctx.session.info[_PENDING] = _Pending(ctx)
    pending.rows.append((row, envelope))


def queued(session: Session) -> list[Event]:
    """The event rows this transaction has recorded and not yet written."""
    pending: _Pending | None = session.info.get(_PENDING)
    return [row for row, _ in pending.rows] if pending else []


@event.listens_for(Session, "before_commit")
def _seal_on_commit(session: Session) -> None:
    pending: _Pending | None = session.info.pop(_PENDING, None)
    if pending and pending.rows:
        seal(pending.ctx, pending.rows)


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session: Session, previous: SessionTransaction) -> None:
    if not previous.nested:  # a savepoint rolled back leaves the transaction's events
        session.info.pop(_PENDING, None)


@dataclass
class Head:
    pos: int
    hash: str


_HEAD = table_of(EventChainHead)
_EVENT = table_of(Event)
_EVENT_COLUMNS = [column.key for column in _EVENT.columns if column.key != "id"]


def locked_head(session: Session) -> Head:
    """The chain head, locked until the transaction ends (a Core statement: it is read on every commit
    that writes events, and the ORM's identity map has nothing to add)."""
    row = session.execute(
        select(_HEAD.c.head_pos, _HEAD.c.head_hash).where(_HEAD.c.id == HEAD_ID).with_for_update()
    ).first()
    if row is None:
        raise RuntimeError("event_chain_head is missing: run `yimen db upgrade`")
    return Head(row.head_pos, row.head_hash)


def seal(ctx: Ctx, rows: list[tuple[Event, Envelope]]) -> None:
    """Number, link and insert the transaction's events, then their outbox rows, then move the head; under
    the head lock. The event and outbox rows go in as Core statements: they are written once, at every
    state change, and never read back in the transaction, so the ORM's unit of work would only cost."""
    session = ctx.session
    head = locked_head(session)  # its autoflush writes the transaction's other changes first
    key = chain_key(ctx.keys)
    start = head.pos
    hall_id = None
    for row, envelope in rows:
        envelope.prev_hash = head.hash
        row.payload = {**row.payload, "prev_hash": head.hash}
        row.chain_pos = head.pos + 1
        row.hash = event_hash(row.payload)
        row.mac = row_mac(key, row.hash)
        if row.hall_id is None:  # the hall entered now, as the tenancy hook fills it at a flush
            hall_id = hall_id or current_hall_id(session, required=False)
            row.hall_id = hall_id
        head.pos, head.hash = row.chain_pos, row.hash
    inserted = session.execute(
        insert(_EVENT).returning(_EVENT.c.id, sort_by_parameter_order=True),
        [{column: getattr(row, column) for column in _EVENT_COLUMNS} for row, _ in rows],
    )
    for (row, _), event_pk in zip(rows, inserted.scalars(), strict=True):
        row.id = event_pk
    outbox_rows(ctx, [row for row, _ in rows])
    moved = update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(head_pos=head.pos, head_hash=head.hash)
    if session.get_bind().dialect.name == "postgresql":
        # Queued with the transaction, sent at commit, never for a rollback: a few bytes, not the events.
        # In the head's UPDATE (one row), so no round trip of its own.
        moved = moved.returning(func.pg_notify(CHANNEL, str(head.pos)))
    session.execute(moved)
    every = ctx.settings.event_checkpoint_every
    if head.pos // every > start // every:
        _write_checkpoint(ctx, head, key)


def _write_checkpoint(ctx: Ctx, head: Head, key: bytes) -> EventCheckpoint:
    created_at = ctx.clock.now().astimezone(UTC)
    checkpoint = EventCheckpoint(
        chain_pos=head.pos,
        head_hash=head.hash,
        created_at=created_at,
        kid=key_id(key),
        signature=checkpoint_signature(key, head.pos, head.hash, created_at),
    )
    ctx.session.add(checkpoint)
    ctx.session.flush()
    # Also in the log, which leaves the machine: a copy the database's owner cannot quietly take back.
    log.info(
        "event checkpoint",
        extra={"chain_pos": checkpoint.chain_pos, "head_hash": checkpoint.head_hash, "kid": checkpoint.kid},
    )
    return checkpoint


def checkpoint(ctx: Ctx, *, force: bool = False) -> EventCheckpoint | None:
    """Sign the head if events were written since the last checkpoint and (unless `force`) that one is
    older than `event_checkpoint_minutes`. Called by the periodic sweep and `yimen events checkpoint`."""
    head = locked_head(ctx.session)
    last = ctx.session.scalars(
        select(EventCheckpoint).order_by(EventCheckpoint.chain_pos.desc(), EventCheckpoint.id.desc()).limit(1)
    ).first()
    if head.pos == 0 or (last is not None and last.chain_pos >= head.pos):
        return None
    due = timedelta(minutes=ctx.settings.event_checkpoint_minutes)
    if not force and last is not None and ctx.clock.now() - last.created_at < due:
        return None
    return _write_checkpoint(ctx, head, chain_key(ctx.keys))
