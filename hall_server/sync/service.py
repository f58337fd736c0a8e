"""The delivery table as a work queue: outbox rows written with events, claimed in leased batches, settled.

Order per aggregate: a delivery is claimable only when every earlier event of its aggregate (for the same
target) is DONE or DUPLICATE, so seq n+1 never leaves before n is acknowledged; different aggregates go
in parallel. On PostgreSQL, claims take FOR UPDATE SKIP LOCKED, so several threads never send the same
event at once; an expired lease (a worker killed mid-send) makes the batch claimable again.

Case numbers (standards.md §6.1.3, "case.* waits for PROJID allocation"): to a target that waits for them
(`TargetConfig.waits`), the events of an accepted case (one with a local number) are not claimable until
the case has the platform's PROJID (`platform_case_no`, given by sync/case_numbers.py). The hold is a
condition of the claim, read from the case row, not a status: nothing to release, nothing to miss when a
number and an event are committed at the same moment, and replay and backfill obey it too. Held rows stay
PENDING (no attempt, no backoff, never dead) and the status and trace say what they wait for; once the
number is there they leave in seq order, `case.case_no_assigned` among them. Every envelope of a numbered
case is sent with `refs.case_no` (PROJID) and `refs.local_case_no`, read from the case when it is sent:
the stored event stays as it was written (the hash chain covers that), the wire carries the number.

Across processes, one worker at a time owns a target's stream (`stream_lease`, see core/locks): every claim
renews it in the claim's transaction, and a worker that does not hold it claims nothing. Row leases alone
kept each event once and each aggregate in order, but two processes would each probe a failing target,
each reconcile it at night, and a send slower than its lease would be sent again by the other process.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    case,
    cast,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased

from hall_server.cases.models import Case
from hall_server.contract.sync import DeliveryInfo, DeliveryStatus, TargetStatus
from hall_server.core import locks
from hall_server.core.context import Ctx
from hall_server.core.db import table_of
from hall_server.events.models import Event
from hall_server.halls.models import Hall
from hall_server.sync.backoff import full_jitter
from hall_server.sync.config import TargetConfig
from hall_server.sync.models import Delivery
from hall_server.sync.targets import Outcome, Verdict

PENDING, SENDING, DONE, DUPLICATE, RETRY, DEAD = (s.value for s in DeliveryStatus)
DELIVERED = (DONE, DUPLICATE)
OPEN = (PENDING, SENDING, RETRY)
CASE_KEY = "case:"
WAITING_CASE_NO = "WAITING_CASE_NO: 等待省级平台分配办件编号"


_DELIVERY = table_of(Delivery)


def outbox_rows(ctx: Ctx, events: list[Event]) -> None:
    """Called by the event chain's seal, in the same transaction: one row per event and target that takes
    its type, in one Core statement (the rows are never read back in this transaction)."""
    now = ctx.clock.now()
    rows = [
        _row(target.name, event, now)
        for event in events
        for target in ctx.targets
        if target.accepts(event.event_type)
    ]
    if rows:
        ctx.session.execute(insert(_DELIVERY), rows)


def _row(target: str, event: Event, now: datetime) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "target": target,
        "event_pk": event.id,
        "event_type": event.event_type,
        "aggregate_key": f"{event.aggregate_type}:{event.aggregate_id}",
        "aggregate_seq": event.aggregate_seq,
        "occurred_at": event.occurred_at,
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": "",
        "unknown_answers": 0,
    }


def _case_of() -> ColumnElement[int | None]:
    """The case id of the delivery's aggregate key `case:<id>`, NULL for any other aggregate (never a
    failed cast)."""
    key = Delivery.aggregate_key
    return case((key.startswith(CASE_KEY), cast(func.substr(key, len(CASE_KEY) + 1), Integer)), else_=None)


def _held() -> ColumnElement[bool]:
    """The delivery's case is accepted but has no PROJID yet (a primary-key lookup per candidate row)."""
    return exists().where(
        Case.id == _case_of(),
        Case.local_case_no.is_not(None),
        Case.platform_case_no.is_(None),
    )


def _waits(ctx: Ctx, target: str) -> bool:
    return any(config.name == target and config.waits for config in ctx.targets)


def _id(key: str) -> int | None:
    return int(key) if key.isascii() and key.isdigit() else None


def held_keys(ctx: Ctx, keys: set[str]) -> set[str]:
    """Of these aggregate keys, the cases waiting for their PROJID."""
    ids = {_id(key.removeprefix(CASE_KEY)) for key in keys if key.startswith(CASE_KEY)} - {None}
    if not ids:
        return set()
    waiting = ctx.session.scalars(
        select(Case.id)
        .where(Case.id.in_(ids), Case.local_case_no.is_not(None), Case.platform_case_no.is_(None))
        .execution_options(all_halls=True)
    )
    return {f"{CASE_KEY}{case_id}" for case_id in waiting}


def with_case_numbers(ctx: Ctx, envelopes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each envelope of a numbered case with `refs.case_no` (PROJID) and `refs.local_case_no`."""
    ids = {_id(e["aggregate"]["id"]) for e in envelopes if e["aggregate"]["type"] == "case"} - {None}
    if not ids:
        return envelopes
    numbers = {
        str(case_id): (platform_no, local_no)
        for case_id, platform_no, local_no in ctx.session.execute(
            select(Case.id, Case.platform_case_no, Case.local_case_no)
            .where(Case.id.in_(ids), Case.platform_case_no.is_not(None))
            .execution_options(all_halls=True)
        )
    }
    sent = []
    for envelope in envelopes:
        known = numbers.get(envelope["aggregate"]["id"]) if envelope["aggregate"]["type"] == "case" else None
        if known is not None:
            refs = {**(envelope.get("refs") or {}), "case_no": known[0], "local_case_no": known[1]}
            envelope = {**envelope, "refs": refs}
        sent.append(envelope)
    return sent


def stream_lease(target: str) -> str:
    """The name of the lease on a target's stream (one owning worker across processes)."""
    return f"sync:{target}"


def claim(
    ctx: Ctx, target: str, owner: str, limit: int, lease_seconds: float, *, probe: bool = False
) -> list[dict[str, Any]] | None:
    """Lease up to `limit` deliverable events (oldest first) and return their envelopes; None if another
    worker owns the target's stream. A `probe` takes waiting events before their backoff is over: to learn
    whether a target that failed answers again."""
    if not locks.take_lease(ctx, stream_lease(target), owner, lease_seconds):
        return None
    now = ctx.clock.now()
    due = now + timedelta(days=36500) if probe else now
    earlier = aliased(Delivery)
    blocked = exists().where(
        earlier.target == Delivery.target,
        earlier.aggregate_key == Delivery.aggregate_key,
        earlier.aggregate_seq < Delivery.aggregate_seq,
        earlier.status.not_in(DELIVERED),
    )
    ready = or_(
        and_(Delivery.status.in_((PENDING, RETRY)), Delivery.next_attempt_at <= due),
        and_(Delivery.status == SENDING, Delivery.lease_until < now),
    )
    conditions = [Delivery.target == target, ready, ~blocked]
    if _waits(ctx, target):
        conditions.append(~_held())
    claimed = ctx.session.scalars(
        select(Delivery.event_id)
        .where(*conditions)
        .order_by(Delivery.event_pk)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not claimed:
        return []
    ctx.session.execute(
        update(Delivery)
        .where(Delivery.target == target, Delivery.event_id.in_(claimed))
        .values(
            status=SENDING,
            lease_owner=owner,
            lease_until=now + timedelta(seconds=lease_seconds),
            attempts=Delivery.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    payloads: dict[str, dict[str, Any]] = dict(
        ctx.session.execute(
            # the outbox is per target, and a target takes every hall's events
            select(Event.event_id, Event.payload)
            .where(Event.event_id.in_(claimed))
            .execution_options(all_halls=True)
        ).all()
    )
    return with_case_numbers(ctx, [payloads[event_id] for event_id in claimed])


def settle(ctx: Ctx, target: str, owner: str, outcomes: list[Outcome]) -> None:
    """Record what the target said, a statement per kind of answer. Rows whose lease this worker lost
    (it expired and another worker took them) are left to their new owner."""
    groups: dict[tuple[Verdict, str, float | None], list[str]] = defaultdict(list)
    for outcome in outcomes:
        groups[(outcome.verdict, outcome.reason, outcome.retry_after)].append(outcome.event_id)
    mine = (Delivery.target == target, Delivery.lease_owner == owner, Delivery.status == SENDING)
    for (verdict, reason, retry_after), event_ids in groups.items():
        if verdict is Verdict.UNKNOWN:
            _settle_unknown(ctx, mine, event_ids, reason)
            continue
        values = _settled_values(ctx, mine, verdict, reason, retry_after, event_ids)
        ctx.session.execute(
            update(Delivery)
            .where(*mine, Delivery.event_id.in_(event_ids))
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def _settled_values(
    ctx: Ctx,
    mine: tuple[ColumnElement[bool], ...],
    verdict: Verdict,
    reason: str,
    retry_after: float | None,
    event_ids: list[str],
) -> dict[str, Any]:
    values: dict[str, Any] = {"lease_owner": None, "lease_until": None, "last_error": reason}
    if verdict in (Verdict.DONE, Verdict.DUPLICATE):
        values.update(status=verdict.value, delivered_at=ctx.clock.now())
    elif verdict is Verdict.DEAD:
        values.update(status=DEAD)
    else:
        attempts = (
            ctx.session.scalar(
                select(func.max(Delivery.attempts)).where(*mine, Delivery.event_id.in_(event_ids))
            )
            or 1
        )
        values.update(status=RETRY, next_attempt_at=_next_attempt(ctx, attempts, retry_after))
    return values


def _next_attempt(ctx: Ctx, attempts: int, retry_after: float | None) -> datetime:
    settings = ctx.settings
    delay = full_jitter(attempts, settings.sync_backoff_base_seconds, settings.sync_backoff_cap_seconds)
    return ctx.clock.now() + timedelta(seconds=max(delay, retry_after or 0.0))


def _settle_unknown(
    ctx: Ctx, mine: tuple[ColumnElement[bool], ...], event_ids: list[str], reason: str
) -> None:
    """An answer nobody can read: retried, but at most `sync_unreadable_limit` times, then a dead letter
    that quotes it, so that a receiver speaking another dialect is seen and fixed, not resent forever."""
    limit = ctx.settings.sync_unreadable_limit
    rows = ctx.session.execute(
        select(Delivery.event_id, Delivery.attempts, Delivery.unknown_answers).where(
            *mine, Delivery.event_id.in_(event_ids)
        )
    ).all()
    for event_id, attempts, unknown in rows:
        count = unknown + 1
        values: dict[str, Any] = {"lease_owner": None, "lease_until": None, "unknown_answers": count}
        if count >= limit:
            dead_reason = f"UNREADABLE_ANSWER after {count} answers: {reason}"
            values.update(status=DEAD, last_error=dead_reason[:500])
        else:
            values.update(status=RETRY, last_error=reason, next_attempt_at=_next_attempt(ctx, attempts, None))
        ctx.session.execute(
            update(Delivery)
            .where(*mine, Delivery.event_id == event_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def hasten(ctx: Ctx, target: str) -> int:
    """The target answers again after an outage: what waits out its backoff is due now, so the backlog
    drains at full speed instead of at each event's own pace (minutes, at the backoff cap)."""
    result = ctx.session.execute(
        update(Delivery)
        .where(
            Delivery.target == target, Delivery.status == RETRY, Delivery.next_attempt_at > ctx.clock.now()
        )
        .values(next_attempt_at=ctx.clock.now())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def hasten_case(ctx: Ctx, case_id: int) -> int:
    """A case just got its PROJID from the platform (which answers, then): its events that wait out a
    backoff from before are due now, with the rest of the case."""
    result = ctx.session.execute(
        update(Delivery)
        .where(
            Delivery.target.in_([config.name for config in ctx.targets]),  # the aggregate index
            Delivery.aggregate_key == f"{CASE_KEY}{case_id}",
            Delivery.status == RETRY,
            Delivery.next_attempt_at > ctx.clock.now(),
        )
        .values(next_attempt_at=ctx.clock.now())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def status(ctx: Ctx, targets: list[TargetConfig]) -> list[TargetStatus]:
    """Per target, from index ranges only (backlog, dead letters, today's deliveries), never a scan of the
    whole table: the dashboard and /metrics read this every few seconds and the table grows all year."""
    now = ctx.clock.now()
    day_start = ctx.clock.day_bounds(ctx.clock.today())[0]
    return [_target_status(ctx, target, now, day_start) for target in targets]


def _target_status(ctx: Ctx, target: TargetConfig, now: datetime, day_start: datetime) -> TargetStatus:
    mine = Delivery.target == target.name
    counts: dict[str, int] = defaultdict(int)
    counts.update(
        ctx.session.execute(
            select(Delivery.status, func.count())
            .where(mine, Delivery.status.in_((*OPEN, DEAD)))
            .group_by(Delivery.status)
        ).all()
    )
    # The first event in log order of each open status (an index seek each); the oldest of those is the head.
    firsts = [
        ctx.session.scalars(
            select(Delivery).where(mine, Delivery.status == state).order_by(Delivery.event_pk).limit(1)
        ).first()  # None if the worker moved it on since the count
        for state in OPEN
        if counts[state]
    ]
    head = min((row for row in firsts if row), key=lambda row: row.occurred_at, default=None)
    # delivered_at is set only while delivered (replay clears it): no status test, so that the one index
    # that fits is (target, delivered_at), whatever the planner's statistics say.
    hall_id = bound_hall(ctx)
    if hall_id is not None and counts[DEAD]:  # a hall-bound principal counts its own hall's dead letters
        own = select(func.count()).where(mine, Delivery.status == DEAD, _of_hall(hall_id))
        counts[DEAD] = ctx.session.scalar(own.execution_options(all_halls=True)) or 0
    delivered_today = ctx.session.scalar(select(func.count()).where(mine, Delivery.delivered_at >= day_start))
    last = ctx.session.scalar(select(func.max(Delivery.delivered_at)).where(mine))
    return TargetStatus(
        target=target.name,
        kind=target.kind,
        backlog=sum(counts[state] for state in OPEN),
        delivered_today=delivered_today or 0,
        dead=counts[DEAD],
        oldest_undelivered_at=head.occurred_at if head else None,
        lag_seconds=(now - head.occurred_at).total_seconds() if head else 0.0,
        last_delivered_at=_aware(last),
        oldest_attempts=head.attempts if head else 0,
        oldest_error=_error_of(ctx, target, head),
        oldest_next_attempt_at=head.next_attempt_at if head else None,
    )


def _error_of(ctx: Ctx, target: TargetConfig, head: Delivery | None) -> str:
    if head is None:
        return ""
    if target.waits and head.status == PENDING and held_keys(ctx, {head.aggregate_key}):
        return WAITING_CASE_NO
    return head.last_error


def _aware(moment: datetime | None) -> datetime | None:
    # min()/max() over the column bypass its type on SQLite and come back naive (they are UTC).
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def bound_hall(ctx: Ctx) -> int | None:
    """The outbox is the deployment's (one row per event and target, every hall's events): a hall-bound
    principal sees, counts and replays its own hall's rows only; a regional account, the command line and
    /metrics every hall's (None)."""
    return ctx.principal.hall_id if ctx.principal is not None else None


def _of_hall(hall_id: int) -> ColumnElement[bool]:
    # correlated on the event's primary key: one lookup per (few) dead letter, never a scan of the log
    return exists().where(Event.id == Delivery.event_pk, Event.hall_id == hall_id)


def dead_letters(ctx: Ctx, target: str | None = None, limit: int | None = None) -> list[Delivery]:
    """Refused deliveries to `target` or to every configured target, oldest first (`limit`: the first so
    many), of the caller's hall if it is bound to one (`bound_hall`). The target names lead the condition
    so that the (target, status) index answers, not a scan."""
    return [row for row, _hall in dead_letters_with_hall(ctx, target, limit)]


def dead_letters_with_hall(
    ctx: Ctx, target: str | None = None, limit: int | None = None
) -> list[tuple[Delivery, str | None]]:
    """`dead_letters` with each event's hall code (来源大厅; None for an event of no hall)."""
    names = [target] if target else [config.name for config in ctx.targets]
    query = (
        select(Delivery, Hall.code)
        .outerjoin(Event, Event.id == Delivery.event_pk)
        .outerjoin(Hall, Hall.id == Event.hall_id)
        .where(Delivery.target.in_(names), Delivery.status == DEAD)
    )
    hall_id = bound_hall(ctx)
    if hall_id is not None:
        query = query.where(Event.hall_id == hall_id)
    query = query.order_by(Delivery.event_pk).limit(limit).execution_options(all_halls=True)
    return [(row, code) for row, code in ctx.session.execute(query)]


def replay(
    ctx: Ctx, *, event_ids: list[str] | None = None, target: str | None = None, all_dead: bool = False
) -> int:
    """Send again: dead letters (after the cause is fixed), or given events (a platform that lost them)."""
    conditions: list[ColumnElement[bool]] = []
    if event_ids:
        conditions.append(Delivery.event_id.in_(event_ids))
    elif all_dead:
        conditions.append(Delivery.status == DEAD)
    else:
        return 0
    if target:
        conditions.append(Delivery.target == target)
    hall_id = bound_hall(ctx)
    if hall_id is not None:
        conditions.append(_of_hall(hall_id))
    result = ctx.session.execute(
        update(Delivery)
        .where(*conditions)
        .values(
            status=PENDING,
            next_attempt_at=ctx.clock.now(),
            delivered_at=None,
            attempts=0,
            unknown_answers=0,
            lease_owner=None,
            lease_until=None,
        )
        .execution_options(all_halls=True)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def backfill(ctx: Ctx, target: TargetConfig) -> int:
    """Outbox rows for a target added after events were already written (e.g. a new province adapter)."""
    have = select(Delivery.event_id).where(Delivery.target == target.name)
    missing = select(Event).where(Event.event_id.not_in(have)).order_by(Event.id)
    events = ctx.session.scalars(missing.execution_options(all_halls=True)).all()  # every hall's
    now = ctx.clock.now()
    rows = [_row(target.name, event, now) for event in events if target.accepts(event.event_type)]
    if rows:
        ctx.session.execute(insert(_DELIVERY), rows)
    return len(rows)


def deliveries_of(ctx: Ctx, event_ids: list[str]) -> list[DeliveryInfo]:
    rows = list(
        ctx.session.scalars(
            select(Delivery).where(Delivery.event_id.in_(event_ids)).order_by(Delivery.event_pk)
        )
    )
    waiting = {config.name for config in ctx.targets if config.waits}
    asked = {row.aggregate_key for row in rows if row.target in waiting and row.status == PENDING}
    held = held_keys(ctx, asked)
    return [delivery_info(row, waiting=row.target in waiting and row.aggregate_key in held) for row in rows]


def delivery_info(row: Delivery, hall_code: str | None = None, *, waiting: bool = False) -> DeliveryInfo:
    return DeliveryInfo(
        event_id=row.event_id,
        hall_code=hall_code,
        target=row.target,
        event_type=row.event_type,
        aggregate=row.aggregate_key,
        occurred_at=row.occurred_at,
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        delivered_at=row.delivered_at,
        next_attempt_at=row.next_attempt_at if row.status in OPEN else None,
        last_error=WAITING_CASE_NO if waiting and row.status == PENDING else row.last_error,
    )
