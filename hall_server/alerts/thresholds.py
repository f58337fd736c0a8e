"""Load thresholds (标准) as data: one row for the hall (scope 'hall') and optionally one per category.
A category's limit left empty falls back to the hall's (`effective`)."""

from __future__ import annotations

from sqlalchemy import select

from hall_server.alerts.models import Threshold
from hall_server.alerts.rules import Limits
from hall_server.catalogue.models import Category
from hall_server.catalogue.service import list_categories
from hall_server.contract.alerts import HALL_SCOPE, ThresholdIn, ThresholdOut
from hall_server.contract.events import AggregateType, EventType
from hall_server.core.context import Ctx
from hall_server.core.errors import NotFound
from hall_server.events.service import record
from hall_server.halls.service import current_hall

HALL_NAME = "全厅"
LIMITS = ("max_wait_seconds", "max_waiting", "max_service_seconds")


def _limits(row: Threshold | None) -> Limits:
    if row is None:
        return Limits()
    return Limits(row.max_wait_seconds, row.max_waiting, row.max_service_seconds)


def effective(ctx: Ctx) -> tuple[Limits, dict[str, Limits]]:
    """The hall's limits, and each category's with its empty limits taken from the hall's."""
    rows = {row.scope: row for row in ctx.session.scalars(select(Threshold))}
    hall = _limits(rows.get(HALL_SCOPE))
    per_category = {}
    for category in list_categories(ctx):
        own = _limits(rows.get(category.code))
        per_category[category.code] = Limits(
            *(
                getattr(own, name) if getattr(own, name) is not None else getattr(hall, name)
                for name in LIMITS
            )
        )
    return hall, per_category


def _out(scope: str, name: str, row: Threshold | None) -> ThresholdOut:
    return ThresholdOut(
        scope=scope,
        scope_name=name,
        max_wait_seconds=row.max_wait_seconds if row else None,
        max_waiting=row.max_waiting if row else None,
        max_service_seconds=row.max_service_seconds if row else None,
        updated_at=row.updated_at if row else None,
    )


def list_thresholds(ctx: Ctx) -> list[ThresholdOut]:
    """The hall first, then every category in catalogue order, each as stored (empty: not set)."""
    rows = {row.scope: row for row in ctx.session.scalars(select(Threshold))}
    return [
        _out(HALL_SCOPE, HALL_NAME, rows.get(HALL_SCOPE)),
        *(_out(c.code, c.name, rows.get(c.code)) for c in list_categories(ctx)),
    ]


def _scope_name(ctx: Ctx, scope: str) -> str:
    if scope == HALL_SCOPE:
        return HALL_NAME
    category = ctx.session.scalars(select(Category).where(Category.code == scope)).first()
    if category is None:
        raise NotFound("THRESHOLD_SCOPE_NOT_FOUND", f"没有 {scope} 这一范围：请用 hall（全厅）或窗口类别编码")
    return category.name


def save_threshold(ctx: Ctx, scope: str, threshold_in: ThresholdIn) -> ThresholdOut:
    name = _scope_name(ctx, scope)
    row = ctx.session.get(Threshold, {"hall_id": ctx.hall_id, "scope": scope})
    if row is None:
        row = Threshold(scope=scope)
        ctx.session.add(row)
    row.max_wait_seconds = threshold_in.max_wait_seconds
    row.max_waiting = threshold_in.max_waiting
    row.max_service_seconds = threshold_in.max_service_seconds
    row.updated_at = ctx.clock.now()
    ctx.session.flush()
    data = {"scope": scope, **threshold_in.model_dump(mode="json")}
    record(ctx, EventType.THRESHOLD_SAVED, AggregateType.HALL, current_hall(ctx).code, data)
    return _out(scope, name, row)
