"""The statistics service on known tickets: exact figures per group, the targets, the definitions, ranges."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hall_server.contract.stats import DEFINITIONS, MAX_RANGE_DAYS, ONE_VISIT, ONE_WINDOW, StatsGroup
from hall_server.core.errors import Invalid
from hall_server.stats import service
from tests.stats.scenario import (
    BY_GROUP,
    DAY1,
    DAY1_ROW,
    DAY2,
    DAY2_ROW,
    TOTAL_ROW,
    figures,
    make_history,
)


@pytest.fixture
def history(server, clock, hall, client_for):
    return make_history(server, clock, hall, client_for)


def stats(server, group: StatsGroup, start: date | None = DAY1, end: date | None = DAY2):
    return server.state.uow.read(lambda ctx: service.statistics(ctx, group, start, end))


def test_by_day_exact_figures_totals_and_definitions(server, history):
    out = stats(server, StatsGroup.DAY)
    assert [(r.key, r.label) for r in out.rows] == [
        ("2026-11-25", "2026-11-25"),
        ("2026-11-26", "2026-11-26"),
    ]
    assert [figures(r) for r in out.rows] == [DAY1_ROW, DAY2_ROW]
    assert (out.totals.key, out.totals.label, figures(out.totals)) == ("total", "合计", TOTAL_ROW)
    assert out.wait_threshold_seconds == 1800
    assert out.group_name == "日期"
    assert [d.key for d in out.definitions] == [d.key for d in DEFINITIONS]
    waits = {d.key: d.text for d in out.definitions}
    assert "首次叫号时间 − 取号时间" in waits["avg_wait_seconds"]
    assert "办结时间 − 开始办理时间" in waits["avg_service_seconds"]


@pytest.mark.parametrize("group", ["category", "window", "clerk", "matter"])
def test_by_group_exact_figures(server, history, group):
    out = stats(server, StatsGroup(group))
    assert {(r.key, r.label): figures(r) for r in out.rows} == BY_GROUP[group]
    assert figures(out.totals) == TOTAL_ROW  # the same tickets, however grouped
    assert "" not in [r.key for r in out.rows[:-1]]  # "none" comes last
    if group == "window":
        assert [r.key for r in out.rows] == ["1", "2", "3", ""]


def test_targets_one_window_and_one_visit(server, history):
    targets = {t.key: t for t in stats(server, StatsGroup.DAY).targets}
    one_window = targets[ONE_WINDOW]
    # 4 served, t5 was transferred from window 1 to window 2
    assert (one_window.value, one_window.numerator, one_window.denominator) == (0.75, 3, 4)
    assert one_window.name == "一窗办结率" and "转移" in one_window.definition
    one_visit = targets[ONE_VISIT]
    # (YOUNG_ID, marriage) came on both days, (OTHER_ID, company) on one: 1 of 2 pairs
    assert (one_visit.value, one_visit.numerator, one_visit.denominator) == (0.5, 1, 2)
    assert one_visit.reason == "依据 3 张可识别办事人并选择事项的办结号票（占办结号票 75%）"
    first_day = {t.key: t for t in stats(server, StatsGroup.DAY, DAY1, DAY1).targets}
    assert (first_day[ONE_WINDOW].value, first_day[ONE_VISIT].value) == (1.0, 1.0)


def test_a_range_without_tickets_gives_empty_rows_and_null_targets_with_reasons(server, history):
    out = stats(server, StatsGroup.CATEGORY, date(2026, 10, 1), date(2026, 10, 31))
    assert out.rows == []
    assert figures(out.totals) == (0, 0, 0, 0, 0, None, None, None, None, 0, None)
    assert all(t.value is None and t.reason for t in out.targets)


def test_only_the_range_is_counted_and_defaults_are_this_month(server, history):
    assert [figures(r) for r in stats(server, StatsGroup.DAY, DAY2, DAY2).rows] == [DAY2_ROW]
    out = stats(server, StatsGroup.DAY, None, None)  # the clock is on 2026-11-26
    assert (out.date_from, out.date_to) == (date(2026, 11, 1), DAY2)
    assert figures(out.totals) == TOTAL_ROW


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        (DAY2, DAY1, "STATS_RANGE_REVERSED"),
        (DAY1, DAY1 + timedelta(days=MAX_RANGE_DAYS), "STATS_RANGE_TOO_LONG"),
        (date(1999, 12, 31), DAY1, "DATE_OUT_OF_RANGE"),
    ],
)
def test_bad_ranges_are_refused_with_a_code(server, hall, start, end, code):
    with pytest.raises(Invalid) as caught:
        stats(server, StatsGroup.DAY, start, end)
    assert caught.value.code == code
    assert caught.value.message  # Chinese, for the page
    longest = stats(server, StatsGroup.DAY, DAY1, DAY1 + timedelta(days=MAX_RANGE_DAYS - 1))
    assert longest.rows == []


def test_hourly_buckets_by_local_hour(server, history):
    out = server.state.uow.read(lambda ctx: service.hourly(ctx, DAY1))
    assert len(out.hours) == 24
    by_hour = {h.hour: (h.arrivals, h.called, h.served, h.no_show, h.avg_wait_seconds) for h in out.hours}
    assert by_hour[9] == (4, 2, 2, 0, 900.0)  # t1 600 and t3 1200 first called in hour 9
    assert by_hour[10] == (0, 1, 0, 1, 3900.0)  # t2 called at 10:05, no-show at 10:10
    assert all(by_hour[h] == (0, 0, 0, 0, None) for h in range(24) if h not in (9, 10))


def test_the_hall_wait_threshold_is_used_when_set(server, history):
    from hall_server.alerts.models import Threshold

    server.state.uow.run(lambda ctx: ctx.session.add(Threshold(scope="hall", max_wait_seconds=1000)))
    out = stats(server, StatsGroup.DAY)
    assert out.wait_threshold_seconds == 1000
    assert [r.wait_over_threshold for r in out.rows] == [2, 1]  # 1200 and 3900; 1200
