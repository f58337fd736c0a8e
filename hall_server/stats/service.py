"""Statistics (统计) over the tickets of a range of service days, computed by the database.

Counts, sums and averages are SQL aggregates grouped by the chosen key over the range's tickets (the
indexes leading with service_date keep that to the range). Waits and service times are the ticket's
wait_seconds and service_seconds, written when it is first called and when it is completed: computing
them from the timestamps in the query (julianday() on SQLite) cost ~2 µs per value and made a month of a
busy hall take seconds. Median and P90 waits: `percentile_cont` on PostgreSQL; SQLite has no percentile,
so the wait column of the range's called tickets is fetched (one float per ticket) and interpolated the
same way here. The definitions of every figure are in the contract.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, case, cast, func, select
from sqlalchemy.orm import InstrumentedAttribute

from hall_server.alerts.models import Threshold
from hall_server.auth.models import Staff
from hall_server.catalogue.models import Category, Matter
from hall_server.contract.alerts import HALL_SCOPE
from hall_server.contract.base import FIRST_DAY, LAST_DAY
from hall_server.contract.events import AggregateType, EventType
from hall_server.contract.queue import TicketStatus
from hall_server.contract.stats import (
    DEFAULT_WAIT_THRESHOLD_SECONDS,
    DEFINITIONS,
    GROUP_NAMES,
    MAX_RANGE_DAYS,
    ONE_VISIT,
    ONE_WINDOW,
    TARGET_DEFINITIONS,
    HourlyOut,
    HourStats,
    StatsGroup,
    StatsOut,
    StatsRow,
    Target,
)
from hall_server.core.context import Ctx
from hall_server.core.errors import Invalid
from hall_server.events.models import Event
from hall_server.queueing.models import Ticket, Window

TOTAL_KEY = "total"
TOTAL_LABEL = "合计"
NONE_LABELS: dict[StatsGroup, str] = {
    StatsGroup.DAY: "",
    StatsGroup.CATEGORY: "未知类别",
    StatsGroup.WINDOW: "未分配窗口",
    StatsGroup.CLERK: "未分配人员",
    StatsGroup.MATTER: "未选择事项",
}
Pair = tuple[float | None, float | None]  # (median, p90)
Key = InstrumentedAttribute[Any]  # the ticket column rows are grouped by


def _check_day(day: date) -> None:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise Invalid(
            "DATE_OUT_OF_RANGE",
            f"日期超出范围（{FIRST_DAY.isoformat()} 至 {LAST_DAY.isoformat()}）",
            {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
        )


def date_range(ctx: Ctx, date_from: date | None, date_to: date | None) -> tuple[date, date]:
    """The range asked for; without an end, today; without a start, the first day of the end's month."""
    end = date_to or ctx.clock.today()
    start = date_from or end.replace(day=1)
    _check_day(start)
    _check_day(end)
    if start > end:
        raise Invalid(
            "STATS_RANGE_REVERSED",
            "开始日期不能晚于结束日期",
            {"date_from": start.isoformat(), "date_to": end.isoformat()},
        )
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise Invalid(
            "STATS_RANGE_TOO_LONG",
            f"统计区间最长 {MAX_RANGE_DAYS} 天，请缩短日期范围",
            {"max_days": MAX_RANGE_DAYS},
        )
    return start, end


def wait_threshold(ctx: Ctx) -> int:
    """The hall's longest-wait standard (标准) if a manager set one, else 30 minutes."""
    limit = ctx.session.scalar(select(Threshold.max_wait_seconds).where(Threshold.scope == HALL_SCOPE))
    return int(limit) if limit else DEFAULT_WAIT_THRESHOLD_SECONDS


def _dialect(ctx: Ctx) -> str:
    return ctx.session.get_bind().dialect.name


def _group_column(group: StatsGroup) -> Key:
    columns: dict[StatsGroup, Key] = {
        StatsGroup.DAY: Ticket.service_date,
        StatsGroup.CATEGORY: Ticket.category_id,
        StatsGroup.WINDOW: Ticket.window_id,
        StatsGroup.CLERK: Ticket.staff_id,
        StatsGroup.MATTER: Ticket.matter_id,
    }
    return columns[group]


def _status_count(status: TicketStatus) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((Ticket.status == status.value, 1), else_=0)), 0)


@dataclass
class _Sums:
    """The additive part of a row: totals are sums of these."""

    issued: int = 0
    served: int = 0
    no_show: int = 0
    cancelled: int = 0
    wait_sum: float = 0.0
    wait_n: int = 0
    over: int = 0
    service_sum: float = 0.0
    service_n: int = 0

    def add(self, other: _Sums) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def percentile(sorted_values: Sequence[float], fraction: float) -> float | None:
    """Linear interpolation between closest ranks, like PostgreSQL's percentile_cont."""
    if not sorted_values:
        return None
    position = fraction * (len(sorted_values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def _r1(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _row(key: str, label: str, sums: _Sums, median: float | None, p90: float | None) -> StatsRow:
    return StatsRow(
        key=key,
        label=label,
        issued=sums.issued,
        served=sums.served,
        no_show=sums.no_show,
        cancelled=sums.cancelled,
        open=sums.issued - sums.served - sums.no_show - sums.cancelled,
        no_show_rate=round(sums.no_show / sums.issued, 4) if sums.issued else None,
        avg_wait_seconds=_r1(sums.wait_sum / sums.wait_n) if sums.wait_n else None,
        median_wait_seconds=_r1(median),
        p90_wait_seconds=_r1(p90),
        wait_over_threshold=sums.over,
        avg_service_seconds=_r1(sums.service_sum / sums.service_n) if sums.service_n else None,
    )


class _Query:
    """The range's tickets and the expressions every figure is built from."""

    def __init__(self, ctx: Ctx, start: date, end: date, threshold: int) -> None:
        self.ctx = ctx
        self.dialect = _dialect(ctx)
        self.start, self.end = start, end
        self.in_range = Ticket.service_date.between(start, end)
        self.wait = Ticket.wait_seconds  # set at the first call
        self.service = Ticket.service_seconds  # set at completion (DONE)
        self.threshold = threshold

    def sums(self, key: Key) -> dict[Any, _Sums]:
        over = case((self.wait > self.threshold, 1), else_=0)
        query = (
            select(
                key,
                func.count(),
                _status_count(TicketStatus.DONE),
                _status_count(TicketStatus.NO_SHOW),
                _status_count(TicketStatus.CANCELLED),
                func.sum(self.wait),
                func.count(self.wait),
                func.coalesce(func.sum(over), 0),
                func.sum(self.service),
                func.count(self.service),
            )
            .where(self.in_range)
            .group_by(key)
        )
        return {
            row[0]: _Sums(
                issued=row[1],
                served=int(row[2]),
                no_show=int(row[3]),
                cancelled=int(row[4]),
                wait_sum=float(row[5] or 0.0),
                wait_n=row[6],
                over=int(row[7]),
                service_sum=float(row[8] or 0.0),
                service_n=row[9],
            )
            for row in self.ctx.session.execute(query)
        }

    def percentiles(self, key: Key) -> tuple[dict[Any, Pair], Pair]:
        """(median, p90) per key and for the whole range."""
        called = and_(self.in_range, self.wait.is_not(None))
        if self.dialect == "postgresql":
            median = func.percentile_cont(0.5).within_group(self.wait)
            p90 = func.percentile_cont(0.9).within_group(self.wait)
            found: dict[Any, Pair] = {
                row[0]: (row[1], row[2])
                for row in self.ctx.session.execute(select(key, median, p90).where(called).group_by(key))
            }
            total = self.ctx.session.execute(select(median, p90).where(called)).one()
            return found, (total[0], total[1])
        # SQLite: the range's waits are fetched (one float per ticket: measured faster than ranking them
        # with a window function in SQLite) and interpolated here like percentile_cont.
        # Plain driver SQL: SQLAlchemy's per-row result processing cost four times the query itself here.
        # The column name comes from _group_column (a fixed set), the dates are parameters. Driver SQL is
        # not scoped by the session (core/tenancy.py): the hall is a parameter too.
        sql = (
            f"SELECT {key.key}, wait_seconds FROM ticket "  # noqa: S608
            "WHERE hall_id = ? AND service_date BETWEEN ? AND ? AND wait_seconds IS NOT NULL"
        )
        span = (self.ctx.hall_id, self.start.isoformat(), self.end.isoformat())
        waits: dict[Any, list[float]] = defaultdict(list)
        for group_key, wait in self.ctx.session.connection().exec_driver_sql(sql, span).all():
            waits[group_key].append(wait)
        every = sorted(w for values in waits.values() for w in values)
        per_key: dict[Any, Pair] = {}
        for group_key, values in waits.items():
            values.sort()
            day_key = date.fromisoformat(group_key) if isinstance(group_key, str) else group_key
            per_key[day_key] = (percentile(values, 0.5), percentile(values, 0.9))
        return per_key, (percentile(every, 0.5), percentile(every, 0.9))


def _labels(ctx: Ctx, group: StatsGroup, keys: Iterable[Any]) -> dict[Any, tuple[str, str, tuple[Any, ...]]]:
    """(key, label, sort key) for each group key that is not None."""
    ids = [k for k in keys if k is not None]
    if group is StatsGroup.DAY:
        return {d: (d.isoformat(), d.isoformat(), (d,)) for d in ids}
    if not ids:
        return {}
    if group is StatsGroup.CATEGORY:
        rows = ctx.session.execute(
            select(Category.id, Category.code, Category.name, Category.sort_order).where(Category.id.in_(ids))
        )
        return {r[0]: (r[1], r[2], (r[3], r[1])) for r in rows}
    if group is StatsGroup.WINDOW:
        rows = ctx.session.execute(select(Window.id, Window.number).where(Window.id.in_(ids)))
        return {r[0]: (str(r[1]), f"{r[1]}号窗口", (r[1],)) for r in rows}
    if group is StatsGroup.CLERK:
        rows = ctx.session.execute(select(Staff.id, Staff.login, Staff.name).where(Staff.id.in_(ids)))
        return {r[0]: (r[1], r[2], (r[2], r[1])) for r in rows}
    rows = ctx.session.execute(select(Matter.id, Matter.catalog_code, Matter.name).where(Matter.id.in_(ids)))
    return {r[0]: (r[1], r[2], (r[1],)) for r in rows}


def _one_window(ctx: Ctx, query: _Query, start: date, end: date) -> Target:
    """Served tickets of the range never transferred (no queue.ticket.transferred event)."""
    definition = TARGET_DEFINITIONS[0]
    since, _ = ctx.clock.day_bounds(start)
    _, until = ctx.clock.day_bounds(end)
    served = and_(query.in_range, Ticket.status == TicketStatus.DONE.value)
    total = ctx.session.scalar(select(func.count()).where(served)) or 0
    # from the month's few transfer events to their tickets (by primary key), not the other way round
    moved = (
        ctx.session.scalar(
            select(func.count(func.distinct(Ticket.id)))
            .select_from(Event)
            .join(Ticket, Ticket.id == cast(Event.aggregate_id, Integer))
            .where(
                Event.event_type == EventType.TICKET_TRANSFERRED.value,
                Event.aggregate_type == AggregateType.TICKET.value,
                Event.occurred_at >= since,
                # a transfer happens on its ticket's service day; a day's slack for clocks and late sweeps
                Event.occurred_at < until + timedelta(days=1),
                served,
            )
        )
        or 0
    )
    if not total:
        return Target(
            key=ONE_WINDOW,
            name=definition.name,
            definition=definition.text,
            value=None,
            numerator=None,
            denominator=None,
            reason="区间内没有办结的号票",
        )
    return Target(
        key=ONE_WINDOW,
        name=definition.name,
        definition=definition.text,
        value=round((total - moved) / total, 4),
        numerator=total - moved,
        denominator=total,
        reason=None,
    )


def _one_visit(ctx: Ctx, query: _Query, served_total: int) -> Target:
    """(visitor, matter) pairs with a served ticket in the range that came on one service day only."""
    definition = TARGET_DEFINITIONS[1]
    served = func.sum(case((Ticket.status == TicketStatus.DONE.value, 1), else_=0))
    pairs = (
        select(
            func.count(func.distinct(Ticket.service_date)).label("days"),
            served.label("served"),
        )
        .where(query.in_range, Ticket.visitor_id.is_not(None), Ticket.matter_id.is_not(None))
        .group_by(Ticket.visitor_id, Ticket.matter_id)
        .having(served > 0)
        .subquery()
    )
    pair_count, one_day, covered = ctx.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((pairs.c.days == 1, 1), else_=0)), 0),
            func.coalesce(func.sum(pairs.c.served), 0),
        )
    ).one()
    if not pair_count:
        return Target(
            key=ONE_VISIT,
            name=definition.name,
            definition=definition.text,
            value=None,
            numerator=None,
            denominator=None,
            reason="区间内没有刷证取号并选择事项的办结号票，无法识别同一办事人的多次来访",
        )
    share = f"{int(covered) / served_total:.0%}" if served_total else "0%"
    return Target(
        key=ONE_VISIT,
        name=definition.name,
        definition=definition.text,
        value=round(int(one_day) / pair_count, 4),
        numerator=int(one_day),
        denominator=pair_count,
        reason=f"依据 {int(covered)} 张可识别办事人并选择事项的办结号票（占办结号票 {share}）",
    )


def statistics(ctx: Ctx, group: StatsGroup, date_from: date | None, date_to: date | None) -> StatsOut:
    start, end = date_range(ctx, date_from, date_to)
    threshold = wait_threshold(ctx)
    query = _Query(ctx, start, end, threshold)
    key = _group_column(group)
    sums = query.sums(key)
    per_key, total_pct = query.percentiles(key)
    labels = _labels(ctx, group, sums)
    none_sort = (1,)
    ordered = sorted(sums, key=lambda k: (0, labels[k][2]) if k in labels else none_sort)
    rows: list[StatsRow] = []
    totals = _Sums()
    for group_key in ordered:
        text_key, label, _ = labels.get(group_key, ("", NONE_LABELS[group], ()))
        median, p90 = per_key.get(group_key, (None, None))
        rows.append(_row(text_key, label, sums[group_key], median, p90))
        totals.add(sums[group_key])
    return StatsOut(
        date_from=start,
        date_to=end,
        group=group,
        group_name=GROUP_NAMES[group],
        wait_threshold_seconds=threshold,
        rows=rows,
        totals=_row(TOTAL_KEY, TOTAL_LABEL, totals, total_pct[0], total_pct[1]),
        targets=[_one_window(ctx, query, start, end), _one_visit(ctx, query, totals.served)],
        definitions=list(DEFINITIONS),
        generated_at=ctx.clock.now(),
    )


HOURLY_DEFINITIONS = (
    DEFINITIONS[0],
    DEFINITIONS[1],
    DEFINITIONS[2],
    DEFINITIONS[6],
)


def hourly(ctx: Ctx, day: date | None) -> HourlyOut:
    """One day's figures by local hour. A day is a few thousand tickets: their times are read and
    bucketed here, in the hall's time zone (SQL hour functions differ between the two databases)."""
    on = day or ctx.clock.today()
    _check_day(on)
    arrivals = [0] * 24
    called = [0] * 24
    served = [0] * 24
    no_show = [0] * 24
    wait_sum = [0.0] * 24
    rows = ctx.session.execute(
        select(
            Ticket.status,
            Ticket.issued_at,
            Ticket.first_called_at,
            Ticket.wait_seconds,
            Ticket.completed_at,
            Ticket.no_show_at,
        ).where(Ticket.service_date == on)
    )
    local = ctx.clock.local
    for status, issued_at, first_called_at, wait_seconds, completed_at, no_show_at in rows:
        arrivals[local(issued_at).hour] += 1
        if first_called_at is not None and wait_seconds is not None:
            hour = local(first_called_at).hour
            called[hour] += 1
            wait_sum[hour] += wait_seconds
        if status == TicketStatus.DONE.value and completed_at is not None:
            served[local(completed_at).hour] += 1
        if status == TicketStatus.NO_SHOW.value and no_show_at is not None:
            no_show[local(no_show_at).hour] += 1
    hours = [
        HourStats(
            hour=h,
            arrivals=arrivals[h],
            called=called[h],
            served=served[h],
            no_show=no_show[h],
            avg_wait_seconds=round(wait_sum[h] / called[h], 1) if called[h] else None,
        )
        for h in range(24)
    ]
    return HourlyOut(day=on, hours=hours, definitions=list(HOURLY_DEFINITIONS))


def day_label(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
