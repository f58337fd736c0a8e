"""好差评 for managers: the figures (评价指标) and the default-evaluation rule; the indicator dictionary
for every rater."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from hall_server.contract.evaluation_figures import FiguresGroup, FiguresOut
from hall_server.contract.evaluation_rules import (
    INDICATORS,
    DefaultRuleIn,
    DefaultRuleOut,
    DefaultRunOut,
    IndicatorOut,
)
from hall_server.deps import MANAGERS, STAFF, ApiDep, IdempotentApiDep
from hall_server.evaluation import figures, rules
from hall_server.evaluation.router import RATERS

router = APIRouter(tags=["evaluation"])

DateFrom = Annotated[date | None, Query(description="first service day (default: 1st of date_to's month)")]
DateTo = Annotated[date | None, Query(description="last service day, inclusive (default: today)")]
Group = Annotated[FiguresGroup, Query()]


@router.get("/evaluation/figures", response_model=FiguresOut)
def evaluation_figures(
    api: ApiDep, date_from: DateFrom = None, date_to: DateTo = None, group: Group = FiguresGroup.DAY
) -> FiguresOut:
    """主动评价率, 好评率, 差评率, 差评整改率, 回访率 by day, window, clerk or matter, with definitions."""
    return api.read(lambda ctx: figures.figures(ctx, group, date_from, date_to), roles=MANAGERS)


@router.get("/evaluation/indicators", response_model=list[IndicatorOut])
def indicators(api: ApiDep) -> list[IndicatorOut]:
    """The indicator (评价指标) codes an evaluation may carry, with their Chinese names."""
    return api.read(lambda _ctx: list(INDICATORS), roles=STAFF, devices=RATERS)


@router.get("/evaluation/default-rule", response_model=DefaultRuleOut)
def default_rule(api: ApiDep) -> DefaultRuleOut:
    return api.read(lambda ctx: rules.rule_out(rules.get_rule(ctx)), roles=MANAGERS)


@router.put("/evaluation/default-rule", response_model=DefaultRuleOut)
def save_default_rule(body: DefaultRuleIn, api: ApiDep) -> DefaultRuleOut:
    """Off by default; on: contacts not rated get a default evaluation (满意) after `after_days` days."""
    return api.run(lambda ctx: rules.rule_out(rules.save_rule(ctx, body)), roles=MANAGERS)


@router.post("/evaluation/default-rule/run", response_model=DefaultRunOut)
def run_default_rule(api: IdempotentApiDep) -> DefaultRunOut:
    """Apply the rule now to one batch of due contacts (the periodic sweep does the same)."""
    return api.run(rules.run_now, roles=MANAGERS)
