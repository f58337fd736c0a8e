"""The hall's 好差评 rules: indicator codes a submission may carry, and the default-evaluation rule with its
sweep (called by the server's periodic sweep and by a manager's "run now")."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, exists, select

from hall_server.contract.evaluation import LEVEL_NAMES, EvalChannel, EvaluationIn, OpportunityStatus
from hall_server.contract.evaluation_rules import (
    DEFAULT_AFTER_DAYS,
    DEFAULT_LEVEL,
    DefaultRuleIn,
    DefaultRuleOut,
    DefaultRunOut,
)
from hall_server.contract.events import AggregateType, EventType
from hall_server.core import locks
from hall_server.core.context import Ctx, UnitOfWork
from hall_server.core.errors import Conflict
from hall_server.evaluation import service
from hall_server.evaluation.models import EvaluationOpportunity, EvaluationRule
from hall_server.events.service import record
from hall_server.halls.current import hall_ids
from hall_server.halls.service import current_hall

DEFAULT_BATCH = 200  # default evaluations per write transaction
UNRATED = (OpportunityStatus.OPEN.value, OpportunityStatus.NOT_EVALUATED.value)
# A default evaluation of a window service is recorded on the window's channel (pf 4); is_default marks it.
DEFAULT_CHANNEL = EvalChannel.WINDOW_PAD


def get_rule(ctx: Ctx) -> EvaluationRule | None:
    return ctx.session.scalars(select(EvaluationRule)).first()


def rule_out(rule: EvaluationRule | None) -> DefaultRuleOut:
    enabled = bool(rule and rule.default_enabled)
    days = rule.default_after_days if rule else DEFAULT_AFTER_DAYS
    level_name = LEVEL_NAMES[DEFAULT_LEVEL]
    description = (
        f"办事人未评价的服务，在服务日后第 {days} 天自动生成默认评价（{level_name}），"
        "标记为默认评价，不计入主动评价。"
        if enabled
        else "未启用：办事人未评价的服务保持“未评价”。"
    )
    return DefaultRuleOut(
        enabled=enabled,
        after_days=days,
        level=DEFAULT_LEVEL,
        level_name=level_name,
        since=rule.default_since if enabled and rule else None,
        description=description,
        updated_at=rule.updated_at if rule else None,
    )


def save_rule(ctx: Ctx, body: DefaultRuleIn) -> EvaluationRule:
    """Turning it on starts its coverage today (kept while it stays on); turning it off clears it."""
    rule = get_rule(ctx)
    if rule is None:
        rule = EvaluationRule(id=ctx.hall_id, default_enabled=False, default_after_days=body.after_days)
        ctx.session.add(rule)
    if body.enabled and not rule.default_enabled:
        rule.default_since = ctx.clock.today()
    if not body.enabled:
        rule.default_since = None
    rule.default_enabled = body.enabled
    rule.default_after_days = body.after_days
    rule.updated_at = ctx.clock.now()
    ctx.session.flush()
    record(
        ctx,
        EventType.EVALUATION_RULE_SAVED,
        AggregateType.HALL,
        current_hall(ctx).code,
        {
            "default_enabled": rule.default_enabled,
            "default_after_days": rule.default_after_days,
            "default_since": rule.default_since.isoformat() if rule.default_since else None,
        },
    )
    return rule


def _due(ctx: Ctx) -> ColumnElement[bool] | None:
    """Contacts due for a default evaluation today, or None when the rule is off."""
    rule = get_rule(ctx)
    if rule is None or not rule.default_enabled or rule.default_since is None:
        return None
    cutoff: date = ctx.clock.today() - timedelta(days=rule.default_after_days)
    return and_(
        EvaluationOpportunity.status.in_(UNRATED),
        EvaluationOpportunity.service_date >= rule.default_since,
        EvaluationOpportunity.service_date <= cutoff,
    )


def defaults_due(ctx: Ctx) -> bool:
    due = _due(ctx)
    return due is not None and bool(ctx.session.scalar(select(exists().where(due))))


def apply_defaults(ctx: Ctx, limit: int = DEFAULT_BATCH) -> DefaultRunOut:
    """A batch of due contacts each get a default evaluation (event evaluation.defaulted)."""
    due = _due(ctx)
    if due is None:
        return DefaultRunOut(defaulted=0, more=False)
    ids = ctx.session.scalars(
        select(EvaluationOpportunity.id).where(due).order_by(EvaluationOpportunity.id).limit(limit + 1)
    ).all()
    body = EvaluationIn(level=DEFAULT_LEVEL, channel=DEFAULT_CHANNEL)
    done = 0
    for opportunity_id in ids[:limit]:
        try:
            service.submit(ctx, opportunity_id, body, is_default=True)
            done += 1
        except Conflict:  # the visitor rated it meanwhile (QR page): their evaluation stands
            continue
    return DefaultRunOut(defaulted=done, more=len(ids) > limit)


def run_now(ctx: Ctx) -> DefaultRunOut:
    """A manager's "run now": one batch (after a sweep running in any process, never beside it); the
    periodic sweep does the rest."""
    locks.exclusive(ctx, locks.DEFAULT_EVALUATIONS)
    if _due(ctx) is None:
        raise Conflict("DEFAULT_RULE_OFF", "默认评价规则未启用")
    return apply_defaults(ctx)


def _apply_defaults_alone(ctx: Ctx) -> DefaultRunOut:
    """A batch, unless another process gives default evaluations at this moment (then it does them)."""
    if not locks.try_exclusive(ctx, locks.DEFAULT_EVALUATIONS):
        return DefaultRunOut(defaulted=0, more=True)
    return apply_defaults(ctx)


def sweep_once(uow: UnitOfWork, hall_id: int | None = None) -> int:
    """One periodic pass over every hall (or `hall_id`'s): look (read-only) whether anything is due, then
    write in short batches."""
    total = 0
    for hall in [hall_id] if hall_id is not None else hall_ids(uow):
        while uow.read(defaults_due, hall_id=hall):
            done = uow.run(_apply_defaults_alone, hall_id=hall)
            total += done.defaulted
            if not done.defaulted:  # a concurrent change got there first
                break
    return total
