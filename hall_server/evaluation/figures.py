"""好差评 figures (评价指标) over a range of service days, grouped by day, window, clerk or matter.

One grouped SQL query over the range's service contacts (evaluation_opportunity, by service_date through
ix_opportunity_day) left-joined to their first evaluation and their 追评 (through the unique
(opportunity_id, assess_number) index, or on PostgreSQL a hash join over the evaluations given since the
range began, through ix_evaluation_time): the counts are summed by the database, the rates divided here.
The definitions are in the contract (FIGURE_DEFINITIONS).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import InstrumentedAttribute, aliased

from hall_server.auth.models import Staff
from hall_server.catalogue.models import Matter
from hall_server.contract.evaluation import BAD_LEVELS, Level
from hall_server.contract.evaluation_figures import (
    ACTIVE_RATE,
    BAD_RATE,
    FIGURE_DEFINITIONS,
    FIGURES_GROUP_NAMES,
    GOOD_RATE,
    RECTIFIED_RATE,
    REVISIT_RATE,
    Figure,
    FiguresGroup,
    FiguresOut,
    FiguresRow,
)
from hall_server.contract.followups import FollowupStatus
from hall_server.core.context import Ctx
from hall_server.evaluation.models import Evaluation, EvaluationOpportunity
from hall_server.followups.models import Followup
from hall_server.stats.service import date_range

Opportunity = EvaluationOpportunity
GOOD_LEVELS = tuple(level.value for level in Level if level not in BAD_LEVELS)
BAD_VALUES = tuple(level.value for level in BAD_LEVELS)
TOTAL_KEY, TOTAL_LABEL = "total", "合计"
NONE_LABELS: dict[FiguresGroup, str] = {
    FiguresGroup.DAY: "",
    FiguresGroup.WINDOW: "未分配窗口",
    FiguresGroup.CLERK: "未分配人员",
    FiguresGroup.MATTER: "未选择事项",
}
GROUP_COLUMNS: dict[FiguresGroup, InstrumentedAttribute[Any]] = {
    FiguresGroup.DAY: Opportunity.service_date,
    FiguresGroup.WINDOW: Opportunity.window_no,
    FiguresGroup.CLERK: Opportunity.staff_id,
    FiguresGroup.MATTER: Opportunity.matter_id,
}


@dataclass
class _Counts:
    contacts: int = 0
    active: int = 0
    defaulted: int = 0
    good: int = 0
    bad: int = 0
    follow_ups: int = 0

    def add(self, other: _Counts) -> None:
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


# per group key: (bad reviews whose 整改 is closed, bad reviews revisited); see _follow_ups
FollowUps = dict[Any, tuple[int, int]]


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _of(evaluation: type[Evaluation], assess_number: int, since: datetime) -> ColumnElement[bool]:
    return and_(
        evaluation.opportunity_id == Opportunity.id,
        evaluation.assess_number == assess_number,
        evaluation.evaluated_at >= since,
    )


def _counts(ctx: Ctx, key: InstrumentedAttribute[Any], start: date, end: date) -> dict[Any, _Counts]:
    first, again = aliased(Evaluation), aliased(Evaluation)
    # no evaluation precedes its service: bounds the evaluations read by the range, not by the history
    since = ctx.clock.day_bounds(start)[0]
    active = and_(first.id.is_not(None), first.is_default.is_(False))
    query = (
        select(
            key,
            func.count(Opportunity.id),
            _count(active),
            _count(first.is_default.is_(True)),
            _count(and_(active, first.level.in_(GOOD_LEVELS))),
            _count(and_(active, first.level.in_(BAD_VALUES))),
            _count(again.id.is_not(None)),
        )
        .select_from(Opportunity)
        .outerjoin(first, _of(first, 1, since))
        .outerjoin(again, _of(again, 2, since))
        .where(Opportunity.service_date >= start, Opportunity.service_date <= end)
        .group_by(key)
    )
    return {row[0]: _Counts(*(int(n) for n in row[1:])) for row in ctx.session.execute(query)}


def _follow_ups(ctx: Ctx, key: InstrumentedAttribute[Any], start: date, end: date) -> FollowUps:
    """差评整改 and 回访 per group key, for the range's bad first evaluations (those of the 差评率): their
    follow-ups closed, and those whose visitor was revisited; a group without bad reviews is absent."""
    since = ctx.clock.day_bounds(start)[0]
    query = (
        select(
            key,
            _count(Followup.status == FollowupStatus.CLOSED.value),
            _count(Followup.revisited_at.is_not(None)),
        )
        .select_from(Followup)
        .join(Evaluation, Evaluation.id == Followup.evaluation_id)
        .join(Opportunity, Opportunity.id == Followup.opportunity_id)
        .where(
            Opportunity.service_date.between(start, end),
            Evaluation.assess_number == 1,
            Evaluation.is_default.is_(False),
            Evaluation.evaluated_at >= since,
        )
        .group_by(key)
    )
    return {row[0]: (int(row[1]), int(row[2])) for row in ctx.session.execute(query)}


def _figure(key: str, numerator: int | None, denominator: int | None) -> Figure:
    value = round(numerator / denominator, 4) if numerator is not None and denominator else None
    return Figure(key=key, value=value, numerator=numerator, denominator=denominator)


def _row(key: str, label: str, counts: _Counts, follow: tuple[int, int]) -> FiguresRow:
    rectified, revisited = follow
    bad = counts.bad
    return FiguresRow(
        key=key,
        label=label,
        **{field.name: getattr(counts, field.name) for field in fields(counts)},
        figures=[
            _figure(ACTIVE_RATE, counts.active, counts.contacts),
            _figure(GOOD_RATE, counts.good, counts.active),
            _figure(BAD_RATE, counts.bad, counts.active),
            _figure(RECTIFIED_RATE, rectified, bad),
            _figure(REVISIT_RATE, revisited, bad),
        ],
    )


def _labels(ctx: Ctx, group: FiguresGroup, keys: list[Any]) -> dict[Any, tuple[str, str, tuple[Any, ...]]]:
    """(text key, label, sort key) for each group key that is not None."""
    ids = [k for k in keys if k is not None]
    if group is FiguresGroup.DAY:
        return {d: (d.isoformat(), d.isoformat(), (d,)) for d in ids}
    if group is FiguresGroup.WINDOW:
        return {n: (str(n), f"{n}号窗口", (n,)) for n in ids}
    if not ids:
        return {}
    if group is FiguresGroup.CLERK:
        rows = ctx.session.execute(select(Staff.id, Staff.login, Staff.name).where(Staff.id.in_(ids)))
        return {r[0]: (r[1], r[2], (r[2], r[1])) for r in rows}
    rows = ctx.session.execute(select(Matter.id, Matter.catalog_code, Matter.name).where(Matter.id.in_(ids)))
    return {r[0]: (r[1], r[2], (r[1],)) for r in rows}


def figures(ctx: Ctx, group: FiguresGroup, date_from: date | None, date_to: date | None) -> FiguresOut:
    start, end = date_range(ctx, date_from, date_to)
    key = GROUP_COLUMNS[group]
    counts = _counts(ctx, key, start, end)
    follow = _follow_ups(ctx, key, start, end)
    labels = _labels(ctx, group, list(counts))
    ordered = sorted(counts, key=lambda k: (0, labels[k][2]) if k in labels else (1,))
    rows: list[FiguresRow] = []
    totals, follow_totals = _Counts(), (0, 0)
    for group_key in ordered:
        text_key, label, _ = labels.get(group_key, ("", NONE_LABELS[group], ()))
        own = follow.get(group_key, (0, 0))
        rows.append(_row(text_key, label, counts[group_key], own))
        totals.add(counts[group_key])
        follow_totals = (follow_totals[0] + own[0], follow_totals[1] + own[1])
    return FiguresOut(
        date_from=start,
        date_to=end,
        group=group,
        group_name=FIGURES_GROUP_NAMES[group],
        rows=rows,
        totals=_row(TOTAL_KEY, TOTAL_LABEL, totals, follow_totals),
        definitions=list(FIGURE_DEFINITIONS),
        generated_at=ctx.clock.now(),
    )
