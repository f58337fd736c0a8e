"""`yimen events verify`: walk the event chain and the signed checkpoints, report what does not fit.

Streaming: rows are read in pages by position (keyset), so memory stays bounded whatever the log's size.
Rows written while it runs (beyond the head read at the start) are left for the next run.

What each finding means, in the order the walk meets them:
    REMOVED     positions missing, or a row whose prev_hash names an event no longer in the chain
    CHANGED     a row whose stored envelope no longer gives its hash, whose columns disagree with its
                envelope, whose MAC does not match, or whose hash differs from a signed checkpoint
    INSERTED    a row that is not part of the chain: the rows around it link past it, it has no position,
                or it lies beyond the chain head
    CHECKPOINT  a checkpoint whose signature does not match (forged or altered) or made with another key
    TRUNCATED   the log ends before the chain head or before a signed checkpoint: its tail was removed
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hall_server.core.tenancy import all_halls
from hall_server.events.chain import (
    GENESIS,
    HEAD_ID,
    chain_key,
    checkpoint_signature,
    event_hash,
    key_id,
    row_mac,
)
from hall_server.events.models import Event, EventChainHead, EventCheckpoint
from hall_server.identity.crypto import Keys

PAGE = 500  # measured: larger pages of JSONB rows are slower to fetch on PostgreSQL
_MILLISECOND = timedelta(milliseconds=1)


class Kind(StrEnum):
    CHANGED = "CHANGED"
    REMOVED = "REMOVED"
    INSERTED = "INSERTED"
    CHECKPOINT = "CHECKPOINT"
    TRUNCATED = "TRUNCATED"


@dataclass(frozen=True)
class Finding:
    kind: Kind
    position: int | None
    message: str

    def line(self) -> str:
        where = "-" if self.position is None else str(self.position)
        return f"{self.kind.value} 位置 {where}：{self.message}"


@dataclass
class Report:
    head_pos: int = 0
    head_hash: str = GENESIS
    events: int = 0
    checkpoints: int = 0
    findings: list[Finding] = field(default_factory=list)
    more_findings: int = 0  # found but not kept, past the limit
    seconds: float = 0.0

    @property
    def intact(self) -> bool:
        return not self.findings


@dataclass(frozen=True)
class _Row:
    pos: int
    event_id: str
    columns: tuple[Any, ...]  # event_type, occurred_at, aggregate type, id, seq, correlation_id
    payload: dict[str, Any]
    hash: str | None
    mac: str | None

    @property
    def prev_hash(self) -> Any:
        return self.payload.get("prev_hash")


class _Walk:
    def __init__(self, session: Session, keys: Keys, max_findings: int) -> None:
        self.session = session
        self.key = chain_key(keys)
        self.kid = key_id(self.key)
        self.max_findings = max_findings
        self.report = Report()
        head = session.get_one(EventChainHead, HEAD_ID)
        self.report.head_pos, self.report.head_hash = head.head_pos, head.head_hash
        self.legacy_upto = head.legacy_upto

    def find(self, kind: Kind, position: int | None, message: str) -> None:
        if len(self.report.findings) < self.max_findings:
            self.report.findings.append(Finding(kind, position, message))
        else:
            self.report.more_findings += 1

    # --- rows --------------------------------------------------------------------------------------------

    def rows(self) -> Iterator[_Row]:
        last = 0
        while True:
            page = self.session.execute(
                select(
                    Event.chain_pos,
                    Event.event_id,
                    Event.event_type,
                    Event.occurred_at,
                    Event.aggregate_type,
                    Event.aggregate_id,
                    Event.aggregate_seq,
                    Event.correlation_id,
                    Event.payload,
                    Event.hash,
                    Event.mac,
                )
                .where(Event.chain_pos > last, Event.chain_pos <= self.report.head_pos)
                .order_by(Event.chain_pos)
                .limit(PAGE)
            ).all()
            for r in page:
                yield _Row(r[0], r[1], tuple(r[2:8]), r[8], r[9], r[10])
            if len(page) < PAGE:
                return
            last = page[-1][0]

    def problem(self, row: _Row) -> str | None:
        """Why the row does not stand on its own, or None."""
        if not isinstance(row.payload, dict) or event_hash(row.payload) != row.hash:
            return f"事件 {row.event_id} 的内容与其哈希不符（被修改）"
        mismatch = _column_mismatch(row)
        if mismatch:
            return f"事件 {row.event_id} 的列 {mismatch} 与其信封不符（被修改）"
        if row.mac is None:
            return None if row.pos <= self.legacy_upto else f"事件 {row.event_id} 缺少 MAC"
        if row_mac(self.key, row.hash) != row.mac:
            return f"事件 {row.event_id} 的 MAC 不符（被改写或伪造）"
        return None

    def walk(self) -> None:
        expected = 1
        link_at: str | None = GENESIS  # None: the previous row is suspect, accept whatever follows it
        checkpoints = _Checkpoints(self)
        rows = self.rows()
        previous, row = None, next(rows, None)
        while row is not None:
            following = next(rows, None)
            self.report.events += 1
            if row.pos > expected:
                missing = row.pos - expected
                what = (
                    "该位置的事件" if missing == 1 else f"位置 {expected}–{row.pos - 1} 的 {missing} 条事件"
                )
                self.find(Kind.REMOVED, expected, f"{what}不存在（被删除）")
                link_at = None
            problem = self.problem(row)
            if problem is None:
                if link_at is not None and row.prev_hash != link_at:
                    self.broken_link(row, previous)
                link_at = row.hash
            elif link_at is not None and following is not None and following.prev_hash == link_at:
                self.find(Kind.INSERTED, row.pos, f"事件 {row.event_id} 不属于事件链（插入的行）")
            else:
                self.find(Kind.CHANGED, row.pos, problem)
                link_at = None
            checkpoints.at(row)
            expected = row.pos + 1
            previous, row = row, following
        self.tail(expected - 1)
        checkpoints.beyond(expected - 1)

    def broken_link(self, row: _Row, previous: _Row | None) -> None:
        """Both rows stand on their own but do not link. With MACs only a removal explains it; a row from
        before the chain (no MAC) may also have been rewritten with a fresh hash."""
        if previous is not None and previous.mac is None and previous.pos == row.pos - 1:
            message = f"事件 {previous.event_id} 与下一条记下的哈希不符（被改写，或其后有事件被删除）"
            self.find(Kind.CHANGED, previous.pos, message)
        else:
            self.find(Kind.REMOVED, row.pos, f"事件 {row.event_id} 之前的事件已不在链中（被删除）")

    def tail(self, last_pos: int) -> None:
        if last_pos < self.report.head_pos:
            self.find(
                Kind.TRUNCATED,
                last_pos + 1,
                f"链头记录到位置 {self.report.head_pos}，日志只到 {last_pos}（末尾事件被删除）",
            )
        elif last_pos and self.report.head_pos == last_pos:
            last_hash = self.session.scalar(select(Event.hash).where(Event.chain_pos == last_pos))
            if last_hash != self.report.head_hash:
                self.find(Kind.CHANGED, last_pos, "最后一条事件的哈希与链头不符")
        # Rows past the head read at the start are new, unless the head does not reach them now: read the
        # rows first, the head after (a row and its head move commit together).
        later = self.session.execute(
            select(Event.chain_pos, Event.event_id)
            .where(Event.chain_pos > self.report.head_pos)
            .order_by(Event.chain_pos)
        ).all()
        head_now = self.session.get_one(EventChainHead, HEAD_ID, populate_existing=True).head_pos
        for pos, event_id in later:
            if pos is not None and pos > head_now:
                self.find(Kind.INSERTED, pos, f"事件 {event_id} 位于链头之后（插入的行）")
        for (event_id,) in self.session.execute(
            select(Event.event_id).where(Event.chain_pos.is_(None)).order_by(Event.id)
        ):
            self.find(Kind.INSERTED, None, f"事件 {event_id} 没有链位置（插入的行）")


class _Checkpoints:
    """The signed checkpoints, read in pages by position alongside the rows."""

    def __init__(self, walk: _Walk) -> None:
        self.walk = walk
        self.pending = self._read()
        self.current = next(self.pending, None)

    def _read(self) -> Iterator[EventCheckpoint]:
        last = (-1, 0)
        session = self.walk.session
        while True:
            page = session.scalars(
                select(EventCheckpoint)
                .where(
                    (EventCheckpoint.chain_pos > last[0])
                    | ((EventCheckpoint.chain_pos == last[0]) & (EventCheckpoint.id > last[1]))
                )
                .order_by(EventCheckpoint.chain_pos, EventCheckpoint.id)
                .limit(PAGE)
            ).all()
            yield from page
            if len(page) < PAGE:
                return
            last = (page[-1].chain_pos, page[-1].id)

    def _signed(self, checkpoint: EventCheckpoint) -> bool:
        """Whether the checkpoint is genuine; a forged or altered one is reported and not relied on."""
        self.walk.report.checkpoints += 1
        walk = self.walk
        if checkpoint.kid != walk.kid:
            walk.find(Kind.CHECKPOINT, checkpoint.chain_pos, f"检查点 #{checkpoint.id} 由另一把密钥签名")
            return False
        expected = checkpoint_signature(
            walk.key, checkpoint.chain_pos, checkpoint.head_hash, checkpoint.created_at
        )
        if expected != checkpoint.signature:
            walk.find(Kind.CHECKPOINT, checkpoint.chain_pos, f"检查点 #{checkpoint.id} 的签名不符（被篡改）")
            return False
        return True

    def at(self, row: _Row) -> None:
        """Check the checkpoints up to this row's position against the row."""
        while self.current is not None and self.current.chain_pos <= row.pos:
            checkpoint = self.current
            if (
                self._signed(checkpoint)
                and checkpoint.chain_pos == row.pos
                and checkpoint.head_hash != row.hash
            ):
                self.walk.find(
                    Kind.CHANGED,
                    row.pos,
                    f"位置 {row.pos} 的哈希与 {_local(checkpoint.created_at)} 签名的检查点不符"
                    "（此前的事件被改写）",
                )
            self.current = next(self.pending, None)

    def beyond(self, last_pos: int) -> None:
        """Checkpoints past the last row verified: the tail they vouch for must still be there (one signed
        after the walk began may name a row written since: that row is looked up)."""
        walk = self.walk
        while self.current is not None:
            checkpoint = self.current
            if self._signed(checkpoint) and not self._still_there(checkpoint, last_pos):
                walk.find(
                    Kind.TRUNCATED,
                    last_pos + 1,
                    f"检查点 #{checkpoint.id}（{_local(checkpoint.created_at)}）证明链曾到位置 "
                    f"{checkpoint.chain_pos}，日志只到 {last_pos}（末尾事件被删除）",
                )
            self.current = next(self.pending, None)

    def _still_there(self, checkpoint: EventCheckpoint, last_pos: int) -> bool:
        if checkpoint.chain_pos <= self.walk.report.head_pos:
            return checkpoint.chain_pos <= last_pos
        stored = self.walk.session.scalar(select(Event.hash).where(Event.chain_pos == checkpoint.chain_pos))
        return stored == checkpoint.head_hash


def _local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _column_mismatch(row: _Row) -> str | None:
    payload = row.payload
    aggregate = payload.get("aggregate") or {}
    event_type, occurred_at, aggregate_type, aggregate_id, aggregate_seq, correlation_id = row.columns
    expected = {
        "event_id": (row.event_id, payload.get("event_id")),
        "event_type": (event_type, payload.get("event_type")),
        "aggregate_type": (aggregate_type, aggregate.get("type")),
        "aggregate_id": (aggregate_id, aggregate.get("id")),
        "aggregate_seq": (aggregate_seq, aggregate.get("seq")),
        "correlation_id": (correlation_id, payload.get("correlation_id")),
    }
    for name, (column, enveloped) in expected.items():
        if column != enveloped:
            return name
    try:  # the envelope may give the time to the millisecond only, in another offset
        if abs(datetime.fromisoformat(payload["occurred_at"]) - occurred_at) >= _MILLISECOND:
            return "occurred_at"
    except (KeyError, TypeError, ValueError):
        return "occurred_at"
    return None


def verify(session: Session, keys: Keys, *, max_findings: int = 100) -> Report:
    all_halls(session)  # one chain for the deployment: every hall's events (and hall-less ones) are links
    started = time.perf_counter()
    walk = _Walk(session, keys, max_findings)
    walk.walk()
    walk.report.seconds = time.perf_counter() - started
    return walk.report
