"""What the platform does with a verified request: remember its nonce, apply each event (dedupe by event id,
per-aggregate sequence), count the answers, and answer the reconciliation queries.

Each event is applied in its own transaction, holding the row lock of its aggregate's head: events of one
aggregate are applied one at a time even from concurrent requests or processes, and no transaction locks
two heads, so two batches can never deadlock. The same event arriving twice at once is stored once: the
second waits for the head lock, then finds the first.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hall_server.platform.config import PlatformSettings
from hall_server.platform.db import create_schema, make_engine, session_factory, transaction, upsert
from hall_server.platform.models import AggregateHead, CaseNumber, OutcomeCount, PlatformEvent, SeenNonce
from hall_server.platform.schemas import AggregateEvents, AppStats, PlatformStats, StoredEvent
from hall_server.platform.validation import Candidate, Rejection, check_envelope
from hall_server.sync.wire import (
    NONCE_TTL_SECONDS,
    OUTCOME_HTTP_STATUS,
    CaseNumberAnswer,
    CaseNumberRequest,
    DaySummary,
    EventResult,
    ResultStatus,
    day_hash,
)

log = logging.getLogger("yimen.platform")
PRUNE_EVERY_SECONDS = 60


def remember_nonce(session: Session, *, app_id: str, nonce: str, now: int) -> bool:
    """True when the nonce is fresh (and now remembered); False when it was seen in the last TTL."""
    table = SeenNonce.__table__
    statement = upsert(session, table).values(app_id=app_id, nonce=nonce, seen_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.app_id, table.c.nonce],
        set_={"seen_at": now},
        where=table.c.seen_at < now - NONCE_TTL_SECONDS,
    )
    # A row comes back when it was inserted, or updated because the old sighting had expired.
    return session.execute(statement.returning(table.c.nonce)).first() is not None


def forget_old_nonces(session: Session, *, now: int) -> None:
    session.execute(delete(SeenNonce).where(SeenNonce.seen_at < now - NONCE_TTL_SECONDS))


def _result(
    event: Candidate, outcome: ResultStatus, code: str = "", text: str = "", http_status: int | None = None
) -> EventResult:
    return EventResult(
        event_id=event.event_id,
        status=http_status or OUTCOME_HTTP_STATUS[outcome],
        outcome=outcome,
        code=code,
        message=text,
    )


def _seen_before(stored: PlatformEvent, event: Candidate) -> EventResult:
    same = (stored.aggregate_type, stored.aggregate_id, stored.seq, stored.event_type) == (
        event.aggregate_type, event.aggregate_id, event.seq, event.event_type,
    )  # fmt: skip
    if same:
        return _result(event, ResultStatus.DUPLICATE, "DUPLICATE", "already stored / 已接收过该事件")
    return _result(
        event,
        ResultStatus.REJECTED,
        "EVENT_ID_REUSED",
        "event_id already names another event (aggregate, seq or type differ) / 事件编号已被另一事件使用",
        409,
    )


def _find(session: Session, event_id: str) -> PlatformEvent | None:
    return session.execute(
        select(PlatformEvent).where(PlatformEvent.event_id == event_id)
    ).scalar_one_or_none()


def apply_event(
    session: Session, *, event: Candidate, app_id: str, now: datetime, tz: ZoneInfo, allow_mid_stream: bool
) -> EventResult:
    head_key = {"aggregate_type": event.aggregate_type, "aggregate_id": event.aggregate_id}
    session.execute(
        upsert(session, AggregateHead.__table__).values(**head_key, last_seq=0).on_conflict_do_nothing()
    )
    head = session.execute(
        select(AggregateHead).filter_by(**head_key).with_for_update()
    ).scalar_one()  # the lock that serialises this aggregate
    stored = _find(session, event.event_id)
    if stored is not None:
        return _seen_before(stored, event)
    expected = event.seq if head.last_seq == 0 and allow_mid_stream else head.last_seq + 1
    if event.seq > expected:
        result = _result(
            event,
            ResultStatus.RETRY,
            "SEQUENCE_GAP",
            f"seq {event.seq} is ahead: expected seq {expected} first / 序号超前，应先发送序号 {expected}",
        )
        result.expected_seq = expected
        return result
    if event.seq < expected:
        return _result(
            event,
            ResultStatus.REJECTED,
            "SEQUENCE_CONFLICT",
            f"seq {event.seq} is already taken by another event / 序号 {event.seq} 已被另一事件占用",
            409,
        )
    row = PlatformEvent(
        event_id=event.event_id,
        aggregate_type=event.aggregate_type,
        aggregate_id=event.aggregate_id,
        seq=event.seq,
        event_type=event.event_type,
        occurred_at=event.occurred_at,
        local_day=event.occurred_at.astimezone(tz).date(),
        app_id=app_id,
        received_at=now,
        envelope=event.envelope,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # The event id is stored under another aggregate (whose head lock we do not hold).
        stored = _find(session, event.event_id)
        if stored is None:
            raise
        return _seen_before(stored, event)
    head.last_seq = event.seq
    return _result(event, ResultStatus.ACCEPTED)


def allocate_case_no(
    session: Session, *, request: CaseNumberRequest, app_id: str, now: datetime, tz: ZoneInfo, prefix: str
) -> CaseNumberAnswer:
    """The PROJID of (source hall, local case number): the stored one, or a new one. Two requests for the
    same case at once: the unique key lets one insert; the other finds its row and answers the same."""
    key = {"source_hall_code": request.source_hall_code, "local_case_no": request.local_case_no}
    row = session.execute(select(CaseNumber).filter_by(**key)).scalar_one_or_none()
    if row is None:
        try:
            with session.begin_nested():
                row = CaseNumber(**key, matter_code=request.matter_code, app_id=app_id, allocated_at=now)
                session.add(row)
                session.flush()  # the sequence number
                row.case_no = f"{prefix}{now.astimezone(tz):%Y%m%d}{row.id:08d}"
                session.flush()
        except IntegrityError:
            row = session.execute(select(CaseNumber).filter_by(**key)).scalar_one()
    assert row.case_no is not None
    return CaseNumberAnswer(case_no=row.case_no, allocated_at=row.allocated_at, **key)


def count_outcomes(session: Session, *, app_id: str, counts: Counter[str]) -> None:
    for status, number in sorted(counts.items()):
        table = OutcomeCount.__table__
        statement = upsert(session, table).values(app_id=app_id, status=status, total=number)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.app_id, table.c.status],
                set_={"total": table.c.total + statement.excluded["total"]},
            )
        )


def aggregate_events(session: Session, *, type_: str, id_: str, after_seq: int = 0) -> AggregateEvents:
    head = session.get(AggregateHead, (type_, id_))
    rows = session.execute(
        select(PlatformEvent)
        .where(PlatformEvent.aggregate_type == type_, PlatformEvent.aggregate_id == id_)
        .where(PlatformEvent.seq > after_seq)
        .order_by(PlatformEvent.seq)
    ).scalars()
    events = [StoredEvent.model_validate(row, from_attributes=True) for row in rows]
    return AggregateEvents(type=type_, id=id_, last_seq=head.last_seq if head else 0, events=events)


def day_summary(session: Session, *, day: date, with_ids: bool) -> DaySummary:
    ids = list(
        session.execute(select(PlatformEvent.event_id).where(PlatformEvent.local_day == day)).scalars()
    )
    return DaySummary(
        day=day, count=len(ids), hash=day_hash(ids), event_ids=sorted(ids) if with_ids else None
    )


def stats(session: Session) -> PlatformStats:
    apps: dict[str, AppStats] = {}
    accepted = session.execute(select(PlatformEvent.app_id, func.count()).group_by(PlatformEvent.app_id))
    for app_id, number in accepted:
        apps.setdefault(app_id, AppStats()).accepted = number
    for app_id, status, total in session.execute(
        select(OutcomeCount.app_id, OutcomeCount.status, OutcomeCount.total)
    ):
        setattr(apps.setdefault(app_id, AppStats()), status, total)
    aggregates = session.execute(
        select(func.count()).select_from(AggregateHead).where(AggregateHead.last_seq > 0)
    ).scalar_one()
    return PlatformStats(
        accepted=sum(app.accepted for app in apps.values()),
        duplicates=sum(app.duplicate for app in apps.values()),
        rejected=sum(app.rejected for app in apps.values()),
        retries=sum(app.retry for app in apps.values()),
        aggregates=aggregates,
        apps=apps,
    )


class Receiver:
    """The transaction boundary: one database, one unit of work per call (per event when applying)."""

    def __init__(self, settings: PlatformSettings) -> None:
        self.settings = settings
        self.engine = make_engine(settings.database_url)
        create_schema(self.engine)
        self.factory = session_factory(self.engine)
        self._pruned_at = 0.0

    def close(self) -> None:
        self.engine.dispose()

    def remember_nonce(self, app_id: str, nonce: str) -> bool:
        now = int(time.time())
        with transaction(self.factory) as session:
            if time.monotonic() - self._pruned_at > PRUNE_EVERY_SECONDS:
                self._pruned_at = time.monotonic()
                forget_old_nonces(session, now=now)
            return remember_nonce(session, app_id=app_id, nonce=nonce, now=now)

    def receive(
        self, app_id: str, envelopes: Sequence[object], idempotency_key: str | None
    ) -> list[EventResult]:
        """Check and apply envelopes in order; a later event may follow its predecessor in the same batch."""
        results: list[EventResult] = []
        for raw in envelopes:
            item = check_envelope(
                raw, protect_keys=self.settings.protect_keys, idempotency_key=idempotency_key
            )
            if isinstance(item, Rejection):
                results.append(item.result())
                continue
            with transaction(self.factory) as session:
                results.append(
                    apply_event(
                        session,
                        event=item,
                        app_id=app_id,
                        now=datetime.now(UTC),
                        tz=self.settings.tz,
                        allow_mid_stream=self.settings.allow_mid_stream,
                    )
                )
        counts = Counter(r.outcome.value for r in results if r.outcome is not ResultStatus.ACCEPTED)
        if counts:
            with transaction(self.factory) as session:
                count_outcomes(session, app_id=app_id, counts=counts)
        for result in results:
            log.info(
                "event",
                extra={
                    "app_id": app_id,
                    "event_id": result.event_id,
                    "outcome": result.outcome.value,
                    "status": result.status,
                    "code": result.code,
                },
            )
        return results

    def case_number(self, app_id: str, request: CaseNumberRequest) -> CaseNumberAnswer:
        with transaction(self.factory) as session:
            answer = allocate_case_no(
                session,
                request=request,
                app_id=app_id,
                now=datetime.now(UTC),
                tz=self.settings.tz,
                prefix=self.settings.case_no_prefix,
            )
        log.info("case number", extra={"app_id": app_id, "case_no": answer.case_no})
        return answer

    def aggregate(self, type_: str, id_: str, after_seq: int) -> AggregateEvents:
        with transaction(self.factory) as session:
            return aggregate_events(session, type_=type_, id_=id_, after_seq=after_seq)

    def day(self, day: date, with_ids: bool) -> DaySummary:
        with transaction(self.factory) as session:
            return day_summary(session, day=day, with_ids=with_ids)

    def stats(self) -> PlatformStats:
        with transaction(self.factory) as session:
            return stats(session)
