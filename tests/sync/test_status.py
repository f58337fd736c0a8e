"""What managers see of delivery: backlog, the oldest undelivered event with how long it has waited and why,
and the dead letters with what each event was about. Service functions on a real database, no worker."""

from __future__ import annotations

from datetime import timedelta

from hall_server.app import build_state
from hall_server.contract.events import AggregateType, EventType
from hall_server.events.service import record
from hall_server.sync import service
from hall_server.sync.targets import Outcome, Verdict
from tests.conftest import make_settings

TARGET = {"name": "exchange", "kind": "front-table", "url": "sqlite://"}


def test_status_explains_the_oldest_undelivered_event(database_url, tmp_path, clock):
    state = build_state(make_settings(database_url, tmp_path, sync_targets=[TARGET]), clock)
    uow, targets = state.uow, state.uow.targets

    def ticket_event(ctx, ticket: str, event_type: EventType) -> str:
        return record(ctx, event_type, AggregateType.TICKET, ticket, {"ticket_no": ticket}).event_id

    first = uow.run(lambda ctx: ticket_event(ctx, "7", EventType.TICKET_ISSUED))
    clock.advance(seconds=30)
    second = uow.run(lambda ctx: ticket_event(ctx, "8", EventType.TICKET_ISSUED))
    clock.advance(seconds=90)

    status = uow.read(lambda ctx: service.status(ctx, targets))[0]
    assert (status.backlog, status.dead, status.delivered_today) == (2, 0, 0)
    assert status.lag_seconds == 120 and status.oldest_attempts == 0 and status.oldest_error == ""

    claimed = uow.run(lambda ctx: service.claim(ctx, "exchange", "w1", 10, 60))
    assert [c["event_id"] for c in claimed] == [first, second]
    refused = Outcome(first, Verdict.RETRY, "ConnectError: connection refused")
    uow.run(lambda ctx: service.settle(ctx, "exchange", "w1", [refused, Outcome(second, Verdict.DONE)]))
    status = uow.read(lambda ctx: service.status(ctx, targets))[0]
    assert (status.backlog, status.delivered_today) == (1, 1)
    assert status.oldest_attempts == 1 and status.oldest_error == "ConnectError: connection refused"
    assert status.oldest_next_attempt_at is not None and status.oldest_next_attempt_at >= clock.now()
    assert status.last_delivered_at == clock.now()

    delivered_at = clock.now()
    clock.set(clock.local().replace(hour=23, minute=59) + timedelta(minutes=2))  # the next local day
    status = uow.read(lambda ctx: service.status(ctx, targets))[0]
    assert status.delivered_today == 0 and status.last_delivered_at == delivered_at
    uow.run(lambda ctx: service.replay(ctx, event_ids=[second]))  # sent again: not delivered until it is
    status = uow.read(lambda ctx: service.status(ctx, targets))[0]
    assert status.backlog == 2 and status.delivered_today == 0
    state.engine.dispose()
    state.read_engine.dispose()


def test_dead_letters_say_what_was_refused_oldest_first(database_url, tmp_path, clock):
    state = build_state(make_settings(database_url, tmp_path, sync_targets=[TARGET]), clock)
    uow = state.uow
    ids = [
        uow.run(
            lambda ctx, n=n: (
                record(
                    ctx, EventType.TICKET_ISSUED, AggregateType.TICKET, str(n), {"ticket_no": f"A{n:03}"}
                ).event_id
            )
        )
        for n in range(1, 4)
    ]
    uow.run(lambda ctx: service.claim(ctx, "exchange", "w1", 10, 60))
    uow.run(
        lambda ctx: service.settle(
            ctx, "exchange", "w1", [Outcome(i, Verdict.DEAD, "EVENT_INVALID: bad ticket_no") for i in ids]
        )
    )
    letters = uow.read(lambda ctx: [service.delivery_info(d) for d in service.dead_letters(ctx, limit=2)])
    assert [letter.event_id for letter in letters] == ids[:2]
    assert letters[0].event_type == "queue.ticket.issued" and letters[0].aggregate == "ticket:1"
    assert letters[0].occurred_at == clock.now() and letters[0].status == "DEAD"
    assert letters[0].last_error == "EVENT_INVALID: bad ticket_no" and letters[0].next_attempt_at is None
    status = uow.read(lambda ctx: service.status(ctx, uow.targets))[0]
    assert (status.dead, status.backlog, status.lag_seconds) == (3, 0, 0)
    state.engine.dispose()
    state.read_engine.dispose()
