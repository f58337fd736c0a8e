"""评价指标 through the real server on a small known data set: two days, two windows and clerks, a matter and
none, ratings, a 追评, a 'not evaluated' and an open contact that the hall's rule later rates by default.

    day 1  w1 clerk1  #1 marriage  非常满意 (+追评 满意)
                      #2 marriage  满意
                      #3 -         不满意 (指标 502)
                      #4 -         未评价 -> 默认评价 on day 2
           w2 clerk2  #5 marriage  基本满意
                      #6 -         left open -> 默认评价 on day 2
    day 2  w2 clerk2  #7 -         非常不满意 (text)
           w1 clerk1  #8 marriage  非常满意
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from hall_server.client import ApiError
from hall_server.contract.evaluation import Level, NotEvaluatedReason, OpportunityOut
from hall_server.contract.evaluation_figures import FIGURE_DEFINITIONS, FiguresGroup, FiguresOut, FiguresRow
from hall_server.contract.evaluation_rules import DefaultRuleIn
from hall_server.contract.followups import (
    AssignIn,
    CloseIn,
    ReplyIn,
    RevisitIn,
    RevisitResult,
    VerifyIn,
    VerifyResult,
)
from tests.conftest import START
from tests.evaluation_figures.helpers import open_desk

DAY1 = START.date()
DAY2 = DAY1 + timedelta(days=1)

# (key, label, contacts, active, defaulted, good, bad, follow_ups, 主动评价率, 好评率, 差评率)
Expected = tuple[str, str, int, int, int, int, int, int, float, float, float]


def _summary(row: FiguresRow) -> Expected:
    rates = {f.key: f.value for f in row.figures}
    return (
        row.key,
        row.label,
        row.contacts,
        row.active,
        row.defaulted,
        row.good,
        row.bad,
        row.follow_ups,
        rates["active_rate"],
        rates["good_rate"],
        rates["bad_rate"],
    )  # type: ignore[return-value]


TOTAL: Expected = ("total", "合计", 8, 6, 2, 4, 2, 1, 0.75, 0.6667, 0.3333)
EXPECTED: dict[FiguresGroup, list[Expected]] = {
    FiguresGroup.DAY: [
        (DAY1.isoformat(), DAY1.isoformat(), 6, 4, 2, 3, 1, 1, 0.6667, 0.75, 0.25),
        (DAY2.isoformat(), DAY2.isoformat(), 2, 2, 0, 1, 1, 0, 1.0, 0.5, 0.5),
    ],
    FiguresGroup.WINDOW: [
        ("1", "1号窗口", 5, 4, 1, 3, 1, 1, 0.8, 0.75, 0.25),
        ("2", "2号窗口", 3, 2, 1, 1, 1, 0, 0.6667, 0.5, 0.5),
    ],
    FiguresGroup.CLERK: [
        ("clerk1", "员工clerk1", 5, 4, 1, 3, 1, 1, 0.8, 0.75, 0.25),
        ("clerk2", "员工clerk2", 3, 2, 1, 1, 1, 0, 0.6667, 0.5, 0.5),
    ],
    FiguresGroup.MATTER: [
        ("340700101000", "内地居民结婚登记", 4, 4, 0, 4, 0, 1, 1.0, 1.0, 0.0),
        ("", "未选择事项", 4, 2, 2, 0, 2, 0, 0.5, 0.0, 1.0),
    ],
}


def _known_days(server, client_for, clock, hall) -> tuple[object, dict[int, int]]:
    desk = open_desk(server, client_for, {1: "clerk1", 2: "clerk2"})
    assert desk.manager is not None
    desk.manager.save_default_rule(DefaultRuleIn(enabled=True, after_days=1))
    marriage = hall.matters["marriage"]
    ids: dict[int, int] = {}
    ids[1] = desk.serve(1, marriage)
    desk.rate(1, ids[1], Level.VERY_SATISFIED)
    desk.rate(1, ids[1], Level.SATISFIED)  # 追评: counted apart, changes no rate
    ids[2] = desk.serve(1, marriage)
    desk.rate(1, ids[2], Level.SATISFIED)
    ids[3] = desk.serve(1)
    desk.rate(1, ids[3], Level.DISSATISFIED, indicator_codes=["502"])
    ids[4] = desk.serve(1)
    desk.clerks[1].not_evaluated(ids[4], NotEvaluatedReason.DECLINED)
    ids[5] = desk.serve(2, marriage)
    desk.rate(2, ids[5], Level.BASIC)
    ids[6] = desk.serve(2)
    clock.advance(days=1)
    desk.sign_in_again()
    assert desk.manager.run_default_rule().defaulted == 2  # #4 and #6, a day after their service
    ids[7] = desk.serve(2)
    desk.rate(2, ids[7], Level.VERY_DISSATISFIED, text="等候时间太长")
    ids[8] = desk.serve(1, marriage)
    desk.rate(1, ids[8], Level.VERY_SATISFIED)
    return desk, ids


def test_figures_by_every_grouping_on_a_known_data_set(server, client_for, clock, hall):
    desk, ids = _known_days(server, client_for, clock, hall)
    manager = desk.manager  # type: ignore[attr-defined]
    for group, expected in EXPECTED.items():
        figures: FiguresOut = manager.evaluation_figures(DAY1, DAY2, group)
        assert [_summary(row) for row in figures.rows] == expected, group
        assert _summary(figures.totals) == TOTAL
        assert [d.key for d in figures.definitions] == [d.key for d in FIGURE_DEFINITIONS]
        assert [f.key for f in figures.totals.figures] == [d.key for d in FIGURE_DEFINITIONS]
    totals = manager.evaluation_figures(DAY1, DAY2).totals
    active = next(f for f in totals.figures if f.key == "active_rate")
    assert (active.numerator, active.denominator) == (6, 8)  # the 2 default evaluations: not in the numerator
    assert _follow_up_rates(totals) == {"rectified_rate": (0, 2), "revisit_rate": (0, 2)}
    definitions = {d.key: d for d in manager.evaluation_figures(DAY1, DAY2).definitions}
    assert definitions["active_rate"].name == "主动评价率"
    assert "默认评价不计入分子" in definitions["active_rate"].text
    assert definitions["rectified_rate"].name == "差评整改率"
    only_day2 = manager.evaluation_figures(DAY2, DAY2, FiguresGroup.DAY)
    assert [_summary(r) for r in only_day2.rows] == EXPECTED[FiguresGroup.DAY][1:]
    defaulted = manager._call("GET", f"/opportunities/{ids[6]}", OpportunityOut)
    assert defaulted.status == "DEFAULTED"
    assert [(e.level, e.is_default) for e in defaulted.evaluations] == [(Level.SATISFIED, True)]


def test_an_empty_range_has_no_rows_and_no_rates(client_for):
    figures = client_for("manager").evaluation_figures(DAY1, DAY1, FiguresGroup.CLERK)
    assert figures.rows == [] and figures.totals.contacts == 0
    assert all(f.value is None for f in figures.totals.figures)


def test_figures_are_for_managers_and_refuse_a_reversed_range(client_for):
    with pytest.raises(ApiError) as clerk:
        client_for("clerk1").evaluation_figures(DAY1, DAY1)
    assert clerk.value.status == 403
    with pytest.raises(ApiError) as reversed_range:
        client_for("manager").evaluation_figures(DAY2, DAY1)
    assert (reversed_range.value.status, reversed_range.value.code) == (422, "STATS_RANGE_REVERSED")
    with pytest.raises(ApiError) as unknown_group:
        client_for("manager")._call("GET", "/evaluation/figures", FiguresOut, params={"group": "hour"})
    assert unknown_group.value.status == 422


def _follow_up_rates(row: FiguresRow) -> dict[str, tuple[int | None, int | None]]:
    return {
        f.key: (f.numerator, f.denominator)
        for f in row.figures
        if f.key in ("rectified_rate", "revisit_rate")
    }


def test_rectified_and_revisited_bad_reviews_count_by_their_window(server, client_for, clock, hall):
    desk, _ = _known_days(server, client_for, clock, hall)
    manager = desk.manager  # type: ignore[attr-defined]
    [bad_at_1] = manager.followups(window_no=1)  # #3 不满意 at window 1 (#7 is window 2's)
    steps = [
        ("assign", AssignIn(department_code="ZONGHE")),
        ("verify", VerifyIn(result=VerifyResult.NOT_TRUE, note="经核实，等候时间在承诺时限内")),
        ("reply", ReplyIn(text="已向办事人说明情况")),
        ("revisit", RevisitIn(result=RevisitResult.SATISFIED)),
        ("close", CloseIn()),
    ]
    for step, body in steps:
        manager.followup_step(bad_at_1.id, step, body)
    by_window = {row.key: row for row in manager.evaluation_figures(DAY1, DAY2, FiguresGroup.WINDOW).rows}
    assert _follow_up_rates(by_window["1"]) == {"rectified_rate": (1, 1), "revisit_rate": (1, 1)}
    assert _follow_up_rates(by_window["2"]) == {"rectified_rate": (0, 1), "revisit_rate": (0, 1)}
    totals = manager.evaluation_figures(DAY1, DAY2).totals
    assert {f.key: f.value for f in totals.figures}["rectified_rate"] == 0.5
