"""The default-evaluation rule moving with the settable clock, and the indicator dictionary, through the real
server (the periodic sweep's function run against the server's own unit of work)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hall_server.client import ApiError
from hall_server.contract.evaluation import (
    EvalChannel,
    EvaluationIn,
    Level,
    NotEvaluatedReason,
    OpportunityOut,
)
from hall_server.contract.evaluation_rules import DefaultRuleIn
from hall_server.contract.events import EventType
from hall_server.evaluation import rules
from hall_server.events.models import Event
from tests.evaluation_figures.helpers import open_desk
from tests.factories import RawBody


def _status(manager, opportunity_id: int) -> str:
    return manager._call("GET", f"/opportunities/{opportunity_id}", OpportunityOut).status.value


def _defaulted_events(server) -> int:
    return server.state.uow.read(
        lambda ctx: ctx.session.scalar(
            select(func.count(Event.id)).where(Event.event_type == EventType.EVALUATION_DEFAULTED.value)
        )
    )


def test_default_rule_is_off_until_a_manager_turns_it_on_then_follows_the_clock(server, client_for, clock):
    desk = open_desk(server, client_for, {1: "clerk1"})
    manager = desk.manager
    assert manager is not None
    rule = manager.default_rule()
    assert (rule.enabled, rule.since) == (False, None) and "保持“未评价”" in rule.description
    before = desk.serve(1)  # served while the rule is off: never rated by default
    clock.advance(days=1)
    desk.sign_in_again()
    manager = desk.manager
    assert manager is not None
    with pytest.raises(ApiError) as off:
        manager.run_default_rule()
    assert (off.value.status, off.value.code) == (409, "DEFAULT_RULE_OFF")
    rule = manager.save_default_rule(DefaultRuleIn(enabled=True, after_days=2))
    assert (rule.enabled, rule.after_days, rule.since) == (True, 2, clock.today())
    assert rule.level is Level.SATISFIED
    assert "第 2 天" in rule.description and "满意" in rule.description
    still_open = desk.serve(1)
    declined = desk.serve(1)
    desk.clerks[1].not_evaluated(declined, NotEvaluatedReason.DECLINED)
    rated = desk.serve(1)
    desk.rate(1, rated, Level.VERY_SATISFIED)

    clock.advance(days=1)
    assert rules.sweep_once(server.state.uow) == 0  # one day after: not yet
    clock.advance(days=1)
    assert rules.sweep_once(server.state.uow) == 2  # two days after: the open and the not-evaluated one
    assert rules.sweep_once(server.state.uow) == 0
    desk.sign_in_again()
    manager = desk.manager
    assert manager is not None
    assert manager.run_default_rule().model_dump() == {"defaulted": 0, "more": False}
    assert [_status(manager, i) for i in (before, still_open, declined, rated)] == [
        "OPEN",
        "DEFAULTED",
        "DEFAULTED",
        "EVALUATED",
    ]
    assert _defaulted_events(server) == 2
    with pytest.raises(ApiError) as closed:  # a default evaluation is final
        manager.evaluate(still_open, EvaluationIn(level=Level.SATISFIED, channel=EvalChannel.PHONE))
    assert closed.value.code == "OPPORTUNITY_CLOSED"
    assert manager.save_default_rule(DefaultRuleIn(enabled=False, after_days=2)).since is None


def test_only_managers_set_the_rule_and_its_days_are_bounded(client_for):
    with pytest.raises(ApiError) as clerk:
        client_for("clerk1").save_default_rule(DefaultRuleIn(enabled=True))
    assert clerk.value.status == 403
    manager = client_for("manager")
    for days in (0, 91):
        with pytest.raises(ApiError) as bad:
            manager._call(
                "PUT", "/evaluation/default-rule", None, RawBody({"enabled": True, "after_days": days})
            )
        assert bad.value.status == 422


def test_indicators_are_listed_and_unknown_codes_are_refused(server, client_for):
    desk = open_desk(server, client_for, {1: "clerk1"})
    indicators = {i.code: i.name for i in client_for("kiosk").evaluation_indicators()}
    assert indicators["502"] == "服务效率" and indicators["504"] == "服务态度"
    assert len(client_for("clerk1").evaluation_indicators()) == len(indicators)
    opportunity = desk.serve(1)
    with pytest.raises(ApiError) as unknown:
        desk.rate(1, opportunity, Level.DISSATISFIED, indicator_codes=["502", "999"])
    assert (unknown.value.status, unknown.value.code) == (422, "EVALUATION_INDICATOR_UNKNOWN")
    assert unknown.value.detail == {"unknown": ["999"]}
    assert _status(client_for("manager"), opportunity) == "OPEN"
    desk.rate(1, opportunity, Level.DISSATISFIED, indicator_codes=["502", "504"])
    assert _status(client_for("manager"), opportunity) == "EVALUATED"
