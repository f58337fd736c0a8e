"""Live load for managers and the live-feed snapshot, computed from today's tickets and the windows."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Row, func, select

from hall_server.catalogue.service import list_categories
from hall_server.contract.catalogue import Level
from hall_server.contract.halls import HallSummary
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
from hall_server.core.tenancy import current_hall_id
from hall_server.halls.service import current_hall, queue_closed_today, visible_halls
from hall_server.queueing.models import Ticket, Window, window_category
from hall_server.queueing.tickets import queued, ticket_out
from hall_server.queueing.windows import list_windows, window_by_number, window_queue, windows_out

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


def hall_summaries(ctx: Ctx) -> list[HallSummary]:
    """Every hall the caller may see, with its load now in brief (entering each hall in turn)."""
    found = []
    for hall in visible_halls(ctx):
        ctx.enter_hall(hall.id)
        waiting = waiting_counts(ctx)
        found.append(
            HallSummary(
                id=hall.id,
                code=hall.code,
                name=hall.name,
                level=Level(hall.level),
                waiting=sum(c.waiting for c in waiting),
                longest_wait_seconds=max((c.longest_wait_seconds for c in waiting), default=0),
                open_windows=ctx.session.scalar(
                    select(func.count(Window.id)).where(Window.state == WindowState.OPEN.value)
                )
                or 0,
                queue_closed_today=queue_closed_today(ctx, hall),
            )
        )
    return found


def _seconds_since(now: datetime, moment: datetime | None) -> int:
    if moment is None:
        return 0
    if moment.tzinfo is None:  # aggregate results bypass the column type on SQLite
        moment = moment.replace(tzinfo=UTC)
    return max(0, round((now - moment).total_seconds()))


def _mean(total: float, count: int) -> float | None:
    return round(total / count, 1) if count else None


# What the day's figures need: sums and counts per category and status, added up by the database from the
# wait and service seconds each ticket keeps (set at its first call and its completion). Reading the day's
# rows instead cost a tenth of a second at four thousand tickets, on every change of a busy hall.
DayGroup = Row[int, str, int, float | None, int, float | None, int]


def _todays_groups(ctx: Ctx) -> Sequence[DayGroup]:
    return ctx.session.execute(
        select(
            Ticket.category_id,
            Ticket.status,
            func.count(),
            func.sum(Ticket.wait_seconds),
            func.count(Ticket.wait_seconds),
            func.sum(Ticket.service_seconds),
            func.count(Ticket.service_seconds),
        )
        .where(Ticket.service_date == ctx.clock.today())
        .group_by(Ticket.category_id, Ticket.status)
    ).all()


@dataclass
class DayFigures:
    """Counts and durations of a set of today's tickets: waits from issue to first call, services from
    start to completion of the tickets done."""

    issued: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    wait_total: float = 0.0
    waits: int = 0
    service_total: float = 0.0
    services: int = 0

    def add(self, group: DayGroup) -> None:
        _, status, count, wait_total, waits, service_total, services = group
        self.issued += count
        self.statuses[status] += count
        self.wait_total += wait_total or 0.0
        self.waits += waits
        if status == TicketStatus.DONE.value:
            self.service_total += service_total or 0.0
            self.services += services

    def merge(self, other: DayFigures) -> None:
        self.issued += other.issued
        self.statuses.update(other.statuses)
        self.wait_total += other.wait_total
        self.waits += other.waits
        self.service_total += other.service_total
        self.services += other.services

    def count(self, status: TicketStatus) -> int:
        return self.statuses[status.value]

    def mean_wait(self) -> float | None:
        return _mean(self.wait_total, self.waits)

    def mean_service(self) -> float | None:
        return _mean(self.service_total, self.services)


def load(ctx: Ctx) -> LoadOut:
    hall = current_hall(ctx)
    per_category: dict[int, DayFigures] = defaultdict(DayFigures)
    for group in _todays_groups(ctx):
        per_category[group[0]].add(group)
    hall_figures = DayFigures()
    for figures in per_category.values():
        hall_figures.merge(figures)
    waiting = {w.code: w for w in waiting_counts(ctx)}
    categories = [
        _category_load(per_category[category.id], waiting[category.code]) for category in list_categories(ctx)
    ]
    window_views = windows_out(ctx, list_windows(ctx))
    return LoadOut(
        as_of=ctx.clock.now(),
        service_date=ctx.clock.today(),
        queue_closed_today=queue_closed_today(ctx, hall),
        totals=_totals(hall_figures, categories, window_views),
        categories=categories,
        windows=window_views,
    )


def _category_load(figures: DayFigures, waiting: CategoryWaiting) -> CategoryLoad:
    return CategoryLoad(
        **waiting.model_dump(),
        issued_today=figures.issued,
        served_today=figures.count(TicketStatus.DONE),
        no_show_today=figures.count(TicketStatus.NO_SHOW),
        avg_wait_seconds_today=figures.mean_wait(),
        avg_service_seconds_today=figures.mean_service(),
    )


def _totals(figures: DayFigures, categories: list[CategoryLoad], windows: list[WindowOut]) -> HallTotals:
    return HallTotals(
        issued_today=figures.issued,
        waiting=sum(c.waiting for c in categories),
        served_today=figures.count(TicketStatus.DONE),
        no_show_today=figures.count(TicketStatus.NO_SHOW),
        cancelled_today=figures.count(TicketStatus.CANCELLED),
        avg_wait_seconds_today=figures.mean_wait(),
        avg_service_seconds_today=figures.mean_service(),
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
        time_zone=ctx.settings.timezone,
        notice=hall.notice or "",
        waiting=waiting_counts(ctx),
        windows=windows_out(ctx, list_windows(ctx)),
        recent_calls=recent_calls(ctx),
        window_tickets=window_tickets,
    )


class RecentLoad:
    """The load as last computed, answered again while nothing changes in its hall: the managers' pages
    poll it and every /metrics scrape reads it, and on a busy day it costs tens of milliseconds. A hall's
    figure is computed again as soon as an event of that hall was published since (`changed`, called after
    every commit that recorded events, with their halls' codes), and once it is `max_age` seconds old by the
    hall's clock; so a figure is at most that old (its `as_of` says when), and a request made after a change
    has been answered sees that change (a change committed while a computation was reading may show up to
    `max_age` later). Per hall, because in a region of thirty busy halls a change anywhere would otherwise
    throw every hall's figure away. Concurrent requests for one hall wait for one computation rather than
    each doing it; different halls compute side by side."""

    def __init__(self, max_age: float = 1.0) -> None:
        self.max_age = max_age
        self._lock = threading.Lock()
        self._generations: dict[str, int] = {}  # by hall code, as events name their hall
        self._codes: dict[int | None, str] = {}  # hall id → code, learnt before the hall's first computation
        self._computing: dict[str, threading.Lock] = {}
        self._last: dict[str, tuple[int, LoadOut]] = {}

    def changed(self, hall_codes: Iterable[str]) -> None:
        with self._lock:
            for code in set(hall_codes):
                self._generations[code] = self._generations.get(code, 0) + 1

    def get(self, ctx: Ctx) -> LoadOut:
        if (recent := self._recent(ctx)) is not None:
            return recent
        code = current_hall(ctx).code
        with self._lock:
            self._codes[current_hall_id(ctx.session, required=False)] = code
            computing = self._computing.setdefault(code, threading.Lock())
        with computing:
            if (recent := self._recent(ctx)) is not None:  # computed meanwhile by the thread waited for
                return recent
            with self._lock:
                generation = self._generations.get(code, 0)
            fresh = load(ctx)
            with self._lock:
                if self._generations.get(code, 0) == generation:  # no change since this read began
                    self._last[code] = (generation, fresh)
            return fresh

    def _recent(self, ctx: Ctx) -> LoadOut | None:
        hall = current_hall_id(ctx.session, required=False)
        with self._lock:
            code = self._codes.get(hall)
            if code is None:
                return None
            generation, last = self._generations.get(code, 0), self._last.get(code)
        if last is None or last[0] != generation:
            return None
        age = (ctx.clock.now() - last[1].as_of).total_seconds()
        return last[1] if 0 <= age < self.max_age else None
