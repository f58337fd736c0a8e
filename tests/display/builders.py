"""Plain contract values for the display's unit tests (the same models the server sends)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hall_server.contract.events import Actor, AggregateRef, AggregateType, Envelope, EventType, Source
from hall_server.contract.live import EventMessage, SnapshotMessage
from hall_server.contract.load import CallRecord, CategoryWaiting, Snapshot
from hall_server.contract.queue import (
    Channel,
    Priority,
    TicketOut,
    TicketStatus,
    WindowOut,
    WindowState,
)

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
CATEGORIES = {"SOCIAL": ("社会事务", "B"), "ENTERPRISE": ("企业服务", "A")}
WINDOW_CATEGORIES = {1: ["SOCIAL"], 2: ["SOCIAL", "ENTERPRISE"], 3: ["ENTERPRISE"]}


def window(number: int, state: WindowState = WindowState.OPEN, ticket: TicketOut | None = None) -> WindowOut:
    return WindowOut(
        id=number,
        number=number,
        name=f"{number}号窗口",
        state=state,
        pause_reason=None,
        category_codes=WINDOW_CATEGORIES.get(number, ["SOCIAL"]),
        staff_id=None,
        staff_name=None,
        state_since=T0,
        current_ticket=ticket,
    )


def ticket(number: str, window_no: int | None, category: str = "SOCIAL", ticket_id: int = 1) -> TicketOut:
    return TicketOut(
        id=ticket_id,
        number=number,
        status=TicketStatus.CALLED,
        service_date=date(2026, 3, 2),
        category_code=category,
        category_name=CATEGORIES[category][0],
        matter_id=None,
        matter_name=None,
        priority=Priority.NORMAL,
        channel=Channel.KIOSK,
        issued_at=T0,
        visitor=None,
        window_no=window_no,
        target_window_no=None,
        call_count=1,
        first_called_at=T0,
        service_started_at=None,
        completed_at=None,
        transfer_note="",
        cancel_reason="",
        appointment_id=None,
        follow_code="",
    )


def waiting(**counts: int) -> list[CategoryWaiting]:
    return [
        CategoryWaiting(
            code=code,
            name=CATEGORIES[code][0],
            prefix=CATEGORIES[code][1],
            waiting=count,
            longest_wait_seconds=0,
            open_windows=1,
        )
        for code, count in counts.items()
    ]


def snapshot(
    seq: int = 1, calls: Sequence[tuple[str, int, str]] = (), notice: str = "", **counts: int
) -> SnapshotMessage:
    records = [
        CallRecord(ticket_number=n, window_no=w, category_code=c, called_at=T0, call_count=1)
        for n, w, c in calls
    ]
    return SnapshotMessage(
        topic="display",
        seq=seq,
        snapshot=Snapshot(
            as_of=T0,
            service_date=date(2026, 3, 2),
            queue_closed_today=False,
            hall_name="示范县政务服务中心",
            notice=notice,
            waiting=waiting(**(counts or {"SOCIAL": 3, "ENTERPRISE": 2})),
            windows=[window(1), window(2), window(3)],
            recent_calls=records,
        ),
    )


def event(
    event_type: EventType,
    seq: int,
    *,
    the_ticket: TicketOut | None = None,
    the_window: WindowOut | None = None,
    after_s: float = 1.0,
    late_s: float = 0.0,
    data: dict[str, Any] | None = None,
) -> EventMessage:
    occurred = T0 + timedelta(seconds=after_s)
    return EventMessage(
        topic="display",
        seq=seq,
        event=Envelope(
            event_id=f"evt-{seq}",
            event_type=event_type,
            occurred_at=occurred,
            recorded_at=occurred + timedelta(seconds=late_s),
            source=Source(
                hall_code="H", hall_name="示范县政务服务中心", region_code="341122000000", org_uscc="X"
            ),
            aggregate=AggregateRef(type=AggregateType.TICKET, id=str(seq), seq=1),
            actor=Actor(kind="staff"),
            data=data or {},
        ),
        ticket=the_ticket,
        window=the_window,
        waiting=waiting(SOCIAL=2, ENTERPRISE=2),
    )
