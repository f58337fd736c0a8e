"""The idempotency rules as service functions, in real transactions on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hall_server.app import build_state
from hall_server.auth.principal import Principal
from hall_server.contract.auth import DeviceKind
from hall_server.contract.queue import Channel, IssueTicketRequest
from hall_server.core.context import Ctx, UnitOfWork
from hall_server.core.errors import Conflict, DomainError
from hall_server.idempotency.models import IdempotencyRecord
from hall_server.idempotency.service import (
    IdempotentCall,
    KeyInvalid,
    Replayed,
    once,
    parse_key,
    purge_expired,
    request_hash,
)
from hall_server.queueing import tickets
from hall_server.queueing.models import Ticket
from tests.factories import seed_hall

KIOSK = Principal(device_id=1, device_name="kiosk", device_kind=DeviceKind.KIOSK)
COUNTER = Principal(device_id=3, device_name="counter", device_kind=DeviceKind.COUNTER)


@pytest.fixture
def uow(settings, clock) -> Iterator[UnitOfWork]:
    state = build_state(settings, clock)
    seed_hall(state.uow)
    yield state.uow
    state.engine.dispose()
    if state.read_engine is not None:
        state.read_engine.dispose()


def call(
    key: str, body: bytes = b'{"category_code":"SOCIAL"}', path: str = "/api/v1/tickets"
) -> IdempotentCall:
    return IdempotentCall(
        key=key,
        method="POST",
        path=path,
        request_hash=request_hash("POST", path, body),
        status_code=201,
        render=lambda result: json.dumps(result).encode(),
    )


def issue(ctx: Ctx) -> dict[str, str]:
    ticket = tickets.issue_ticket(ctx, IssueTicketRequest(category_code="SOCIAL"), Channel.KIOSK)
    return {"number": ticket.number}


def run(uow: UnitOfWork, request: IdempotentCall, principal: Principal = KIOSK, work=issue):
    def guarded(ctx: Ctx):
        ctx.principal = principal
        return once(ctx, request, work)

    return uow.run(guarded)


def count(uow: UnitOfWork, column) -> int:
    with uow.factory() as session:
        return session.scalar(select(func.count(column))) or 0


def test_the_first_answer_is_stored_with_the_change_and_replayed(uow):
    assert run(uow, call("k1")) == {"number": "B001"}
    with pytest.raises(Replayed) as replayed:
        run(uow, call("k1"))
    assert (replayed.value.status_code, replayed.value.body) == (201, b'{"number": "B001"}')
    assert count(uow, Ticket.id) == 1 and count(uow, IdempotencyRecord.id) == 1


def test_the_same_key_for_another_request_is_refused(uow):
    run(uow, call("k1"))
    for other in (
        call("k1", body=b'{"category_code":"ENTERPRISE"}'),
        call("k1", path="/api/v1/tickets/1/requeue"),
    ):
        with pytest.raises(DomainError) as refused:
            run(uow, other)
        assert (refused.value.status, refused.value.code) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert count(uow, Ticket.id) == 1


def test_keys_are_per_caller(uow):
    assert run(uow, call("same"), KIOSK) == {"number": "B001"}
    assert run(uow, call("same"), COUNTER) == {"number": "B002"}


def test_a_refusal_is_not_stored_and_the_retry_runs_again(uow):
    def refuse(ctx: Ctx) -> dict[str, str]:
        issue(ctx)  # a change that must vanish with the refusal
        raise Conflict("QUEUE_CLOSED", "今日已停止取号")

    with pytest.raises(Conflict):
        run(uow, call("k1"), work=refuse)
    assert count(uow, IdempotencyRecord.id) == 0 and count(uow, Ticket.id) == 0
    assert run(uow, call("k1")) == {"number": "B001"}


def test_an_expired_key_is_new_again(uow, clock, settings):
    run(uow, call("k1"))
    clock.advance(hours=settings.idempotency_ttl_hours, seconds=1)
    assert run(uow, call("k1"))["number"] in {"B001", "B002"}  # a new day may restart numbering
    assert count(uow, Ticket.id) == 2 and count(uow, IdempotencyRecord.id) == 1


def test_purge_takes_the_oldest_expired_records_a_batch_at_a_time(uow, clock, settings):
    for n in range(5):
        run(uow, call(f"k{n}"))
        clock.advance(minutes=10)
    clock.advance(hours=settings.idempotency_ttl_hours, minutes=-25)  # k0, k1, k2 are past their time
    assert uow.run(lambda ctx: purge_expired(ctx, limit=2)) == 2
    assert uow.run(lambda ctx: purge_expired(ctx, limit=2)) == 1
    assert uow.run(lambda ctx: purge_expired(ctx, limit=2)) == 0
    with uow.factory() as session:
        left = session.scalars(select(IdempotencyRecord.idem_key).order_by(IdempotencyRecord.idem_key)).all()
    assert left == ["k3", "k4"]


def test_parse_key():
    assert parse_key("8e03978e-40d5-43e8-bc93-6894a57f9324") == "8e03978e-40d5-43e8-bc93-6894a57f9324"
    assert parse_key('"abc"') == "abc" and parse_key("a b") == "a b" and parse_key("k" * 255) == "k" * 255
    for bad in ("", " ", '""', "k" * 256, "a\tb", "a\x00", "键", '"', 'a"b', "a\\b"):
        with pytest.raises(KeyInvalid) as refused:
            parse_key(bad)
        assert (refused.value.status, refused.value.code) == (400, "IDEMPOTENCY_KEY_INVALID")


def test_request_hash_separates_its_parts():
    base = request_hash("POST", "/api/v1/tickets", b"{}")
    assert len(base) == 64 and base == request_hash("post", "/api/v1/tickets", b"{}")
    assert base != request_hash("POST", "/api/v1/tickets", b"{ }")
    assert base != request_hash("POST", "/api/v1/tickets?x=1", b"{}")
    assert request_hash("POST", "/a", b"b") != request_hash("POST", "/ab", b"")


def test_records_expire_after_the_configured_time(uow, clock, settings):
    run(uow, call("k1"))
    clock.advance(hours=settings.idempotency_ttl_hours - 1)
    with pytest.raises(Replayed):
        run(uow, call("k1"))
    assert uow.run(purge_expired) == 0
    clock.advance(hours=1, seconds=1)
    assert uow.run(purge_expired) == 1
    assert timedelta(hours=settings.idempotency_ttl_hours) == timedelta(hours=24)  # the documented default
