"""Live load for managers and the live-feed snapshot, computed from today's tickets and the windows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from statistics import fmean

from sqlalchemy import func, select

from hall_server.catalogue.models import Category
from hall_server.catalogue.service import list_categories
from hall_server.contract.load import (
    CallRecord,
    CategoryLoad,
    CategoryWaiting,
    HallTotals,
    LoadOut,
    Snapshot,
)
from hall_server.contract.queue import TicketStatus, WindowOut, WindowState
from hall_server.core.context import Ctx
from hall_server.halls.service import current_hall, queue_closed_today
from hall_server.queueing.models import Ticket, Window, window_category
from hall_server.queueing.tickets import queued, ticket_out
from hall_server.queueing.windows import list_windows, window_by_number, window_out, window_queue

RECENT_CALLS = 10
WINDOW_QUEUE_LIMIT = 50


def _open_windows_per_category(ctx: Ctx) -> dict[int, int]:
    rows = ctx.session.execute(
        select(window_category.c.category_id, func.count())
        .join(Window, Window.id == window_category.c.window_id)
        .where(Window.state == WindowState.OPEN.value)
        .group_by(window_category.c.category_id)
    )
    return {category_id: count for category_id, count in rows}


def waiting_counts(ctx: Ctx) -> list[CategoryWaiting]:
    now = ctx.clock.now()
    rows = ctx.session.execute(
        select(Ticket.category_id, func.count(), func.min(Ticket.issued_at))
        .where(Ticket.service_date == ctx.clock.today(), queued())
        .group_by(Ticket.category_id)
    ).all()
    waiting = {category_id: (count, oldest) for category_id, count, oldest in rows}
    open_windows = _open_windows_per_category(ctx)
    result = []
    for category in list_categories(ctx):
        count, oldest = waiting.get(category.id, (0, None))
        result.append(
            CategoryWaiting(
                code=category.code,
                name=category.name,
                prefix=category.prefix,
                waiting=count,
                longest_wait_seconds=_seconds_since(now, oldest),
                open_windows=open_windows.get(category.id, 0),
            )
        )
    return result


def _seconds_since(now: datetime, moment: datetime | None) -> int:
    if moment is None:
        return 0
    if moment.tzinfo is None:  # aggregate results bypass the column type on SQLite
        moment = moment.replace(tzinfo=UTC)
    return max(0, round((now - moment).total_seconds()))


def _mean(values: Iterable[float]) -> float | None:
    collected = list(values)
    return round(fmean(collected), 1) if collected else None


def load(ctx: Ctx) -> LoadOut:
    hall = current_hall(ctx)
    tickets = ctx.session.scalars(select(Ticket).where(Ticket.service_date == ctx.clock.today())).all()
    per_category: dict[int, list[Ticket]] = defaultdict(list)
    for ticket in tickets:
        per_category[ticket.category_id].append(ticket)
    waiting = {w.code: w for w in waiting_counts(ctx)}
    categories = [
        _category_load(category, per_category[category.id], waiting[category.code])
        for category in list_categories(ctx)
    ]
    window_views = [window_out(ctx, window) for window in list_windows(ctx)]
    return LoadOut(
        as_of=ctx.clock.now(),
        service_date=ctx.clock.today(),
        queue_closed_today=queue_closed_today(ctx, hall),
        totals=_totals(tickets, categories, window_views),
        categories=categories,
        windows=window_views,
    )


def _waits(tickets: Iterable[Ticket]) -> list[float]:
    return [(t.first_called_at - t.issued_at).total_seconds() for t in tickets if t.first_called_at]


def _services(tickets: Iterable[Ticket]) -> list[float]:
    return [
        (t.completed_at - t.service_started_at).total_seconds()
        for t in tickets
        if t.status == TicketStatus.DONE.value and t.completed_at and t.service_started_at
    ]


def _count(tickets: Iterable[Ticket], status: TicketStatus) -> int:
    return sum(1 for t in tickets if t.status == status.value)


def _category_load(category: Category, tickets: list[Ticket], waiting: CategoryWaiting) -> CategoryLoad:
    return CategoryLoad(
        **waiting.model_dump(),
        issued_today=len(tickets),
        served_today=_count(tickets, TicketStatus.DONE),
        no_show_today=_count(tickets, TicketStatus.NO_SHOW),
        avg_wait_seconds_today=_mean(_waits(tickets)),
        avg_service_seconds_today=_mean(_services(tickets)),
    )


def _totals(
    tickets: Sequence[Ticket], categories: list[CategoryLoad], windows: list[WindowOut]
) -> HallTotals:
    return HallTotals(
        issued_today=len(tickets),
        waiting=sum(c.waiting for c in categories),
        served_today=_count(tickets, TicketStatus.DONE),
        no_show_today=_count(tickets, TicketStatus.NO_SHOW),
        cancelled_today=_count(tickets, TicketStatus.CANCELLED),
        avg_wait_seconds_today=_mean(_waits(tickets)),
        avg_service_seconds_today=_mean(_services(tickets)),
        longest_wait_seconds=max((c.longest_wait_seconds for c in categories), default=0),
        windows_open=sum(1 for w in windows if w.state == WindowState.OPEN),
        windows_paused=sum(1 for w in windows if w.state == WindowState.PAUSED),
    )


def recent_calls(ctx: Ctx) -> list[CallRecord]:
    called = ctx.session.scalars(
        select(Ticket)
        .where(
            Ticket.service_date == ctx.clock.today(),
            Ticket.last_called_at.is_not(None),
            Ticket.window_id.is_not(None),
        )
        .order_by(Ticket.last_called_at.desc())
        .limit(RECENT_CALLS)
    ).all()
    return [
        CallRecord(
            ticket_number=t.number,
            window_no=t.window.number,
            category_code=t.category.code,
            called_at=t.last_called_at,
            call_count=t.call_count,
        )
        for t in called
        if t.window is not None and t.last_called_at is not None
    ]


def snapshot(ctx: Ctx, window_no: int | None = None) -> Snapshot:
    hall = current_hall(ctx)
    window_tickets = []
    if window_no is not None:
        window = window_by_number(ctx, window_no)
        upcoming = ctx.session.scalars(window_queue(ctx, window).limit(WINDOW_QUEUE_LIMIT)).all()
        window_tickets = [ticket_out(ctx, t) for t in upcoming]
    return Snapshot(
        as_of=ctx.clock.now(),
        service_date=ctx.clock.today(),
        queue_closed_today=queue_closed_today(ctx, hall),
        hall_name=hall.name,
        notice=hall.notice or "",
        waiting=waiting_counts(ctx),
        windows=[window_out(ctx, w) for w in list_windows(ctx)],
        recent_calls=recent_calls(ctx),
        window_tickets=window_tickets,
    )
