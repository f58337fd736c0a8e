"""Appending events. Every state change calls `record` in the same transaction as the change itself."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from hall_server.contract.events import AggregateRef, AggregateType, Envelope, EventType, Source
from hall_server.core.context import Ctx
from hall_server.core.errors import Unavailable
from hall_server.core.ids import uuid7
from hall_server.events import chain
from hall_server.events.models import Event
from hall_server.halls.current import find_hall
from hall_server.sync.wire import protect

UNCONFIGURED_SOURCE = Source(hall_code="UNCONFIGURED", hall_name="", region_code="000000000000", org_uscc="")


def _source(ctx: Ctx, window_no: int | None) -> Source:
    if ctx.source is None:
        ctx.source = _hall_source(ctx)
    device_id = ctx.principal.device_name if ctx.principal else None
    return ctx.source.model_copy(
        update={"window_no": None if window_no is None else str(window_no), "device_id": device_id}
    )


def _hall_source(ctx: Ctx) -> Source:
    hall = find_hall(ctx)
    return (
        UNCONFIGURED_SOURCE
        if hall is None
        else Source(
            hall_code=hall.code, hall_name=hall.name, region_code=hall.region_code, org_uscc=hall.org_uscc
        )
    )


def _protected(ctx: Ctx, envelope: Envelope, personal: dict[str, Any]) -> dict[str, str] | None:
    """The `protected` block, under the key shared with the platform. A hall that sends to no target needs
    none (nothing would read it); one that sends without a key would leave the platform without the
    applicant, so the change is refused until the key is configured."""
    key, kid = ctx.settings.sync_protect_key, ctx.settings.sync_protect_kid
    if not key:
        if not ctx.targets:
            return None
        raise Unavailable(
            "SYNC_PROTECT_KEY_MISSING",
            "未配置与省级平台共享的个人信息加密密钥（YIMEN_SYNC_PROTECT_KEY），"
            "含个人信息的办件事件无法上报，请联系系统管理员",
        )
    return protect(bytes.fromhex(key), kid, envelope.model_dump(mode="json"), personal)


def _next_seq(ctx: Ctx, aggregate_type: AggregateType, aggregate_id: str, new_aggregate: bool) -> int:
    queued = [
        row.aggregate_seq
        for row in chain.queued(ctx.session)
        if row.aggregate_type == aggregate_type.value and row.aggregate_id == aggregate_id
    ]
    if queued:
        return max(queued) + 1
    if new_aggregate:
        return 1
    last = ctx.session.scalar(
        select(func.max(Event.aggregate_seq)).where(
            Event.aggregate_type == aggregate_type.value, Event.aggregate_id == aggregate_id
        )
    )
    return (last or 0) + 1


def record(
    ctx: Ctx,
    event_type: EventType,
    aggregate_type: AggregateType,
    aggregate_id: int | str,
    data: dict[str, Any],
    *,
    refs: dict[str, Any] | None = None,
    window_no: int | None = None,
    correlation_id: str | None = None,
    personal: dict[str, Any] | None = None,
    new_aggregate: bool = False,
) -> Envelope:
    """Append one event. `data` must already be masked: it is stored as is and sent to the platform.
    Personal data the platform needs in clear (an applicant's identity for a case) goes in `personal`,
    which is stored and sent only inside the SM4-GCM `protected` block under the platform's key.
    `new_aggregate`: the aggregate was created in this transaction, so none of its events is stored yet (a
    query saved on the hot path of issuing a ticket)."""
    # Local time at millisecond precision, as the envelope carries it (standards.md §7.1): the stored row
    # and the envelope then name the same instant exactly.
    local = ctx.clock.local()
    now = local.replace(microsecond=local.microsecond // 1000 * 1000)
    aggregate_key = str(aggregate_id)
    seq = _next_seq(ctx, aggregate_type, aggregate_key, new_aggregate)
    envelope = Envelope(
        event_id=uuid7(),
        event_type=event_type,
        occurred_at=now,
        recorded_at=now,
        source=_source(ctx, window_no),
        aggregate=AggregateRef(type=aggregate_type, id=aggregate_key, seq=seq),
        refs=refs or {},
        correlation_id=correlation_id,
        actor=ctx.actor,
        data=data,
    )
    if personal:
        envelope.protected = _protected(ctx, envelope, personal)
    row = Event(
        event_id=envelope.event_id,
        event_type=event_type.value,
        occurred_at=now,
        aggregate_type=aggregate_type.value,
        aggregate_id=aggregate_key,
        aggregate_seq=envelope.aggregate.seq,
        correlation_id=correlation_id,
        payload=envelope.model_dump(mode="json", exclude_none=True),
    )
    chain.queue(ctx, row, envelope)  # written at commit, linked into the hash chain (chain.py)
    ctx.events.append(envelope)
    return envelope


def events_of(ctx: Ctx, aggregates: list[tuple[str, str]]) -> list[Envelope]:
    """All events of the given (type, id) aggregates, in the order they were written."""
    if not aggregates:
        return []
    conditions = [(Event.aggregate_type == kind) & (Event.aggregate_id == key) for kind, key in aggregates]
    rows = ctx.session.scalars(select(Event).where(or_(*conditions)).order_by(Event.occurred_at, Event.id))
    return [Envelope.model_validate(row.payload) for row in rows]
