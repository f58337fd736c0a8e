"""冷热不均 and threshold rules with plain values (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hall_server.alerts.rules import (
    CategoryNow,
    Limits,
    WindowNow,
    duration,
    imbalance_alerts,
    service_alerts,
    threshold_alerts,
)

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
SOCIAL = CategoryNow("SOCIAL", "社会事务", waiting=6, longest_wait_seconds=600, open_windows=1)
ENTERPRISE = CategoryNow("ENTERPRISE", "企业服务", waiting=0, longest_wait_seconds=0, open_windows=1)


def window(number: int, codes: list[str], **kw) -> WindowNow:
    return WindowNow(
        number=number,
        open=kw.pop("open", True),
        category_codes=codes,
        may_serve=kw.pop("may_serve", []),
        **kw,
    )


def test_a_heavy_category_and_an_idle_window_suggest_adding_it():
    windows = [window(1, ["SOCIAL"], busy=True), window(7, ["ENTERPRISE"])]
    [alert] = imbalance_alerts([SOCIAL, ENTERPRISE], windows, {})
    assert alert.key == "IMBALANCE:SOCIAL:7"
    assert alert.suggestion is not None
    assert alert.suggestion.text == "把 7 号窗口加开社会事务"
    assert alert.suggestion.category_codes == ["ENTERPRISE", "SOCIAL"]
    assert "7 号窗口空闲" in alert.detail and "是全厅平均的 2.0 倍" in alert.detail
    # after the fix the window serves the category: nothing left to suggest
    fixed = [window(1, ["SOCIAL"], busy=True), window(7, ["ENTERPRISE", "SOCIAL"])]
    shared = CategoryNow("SOCIAL", "社会事务", 6, 600, open_windows=2)
    assert imbalance_alerts([shared, ENTERPRISE], fixed, {}) == []


def test_no_suggestion_for_windows_that_may_not_serve_it_paused_or_busy_with_their_own_queue():
    busy_enterprise = CategoryNow(
        "ENTERPRISE", "企业服务", waiting=3, longest_wait_seconds=60, open_windows=1
    )
    windows = [
        window(1, ["SOCIAL"], busy=True),
        window(2, ["ENTERPRISE"], may_serve=["ENTERPRISE", "PICKUP"]),  # not competent
        window(3, ["PICKUP"], open=False),  # paused or closed
    ]
    assert imbalance_alerts([SOCIAL, ENTERPRISE], windows, {}) == []
    loaded = [window(1, ["SOCIAL"], busy=True), window(2, ["ENTERPRISE"])]  # 3 waiting for it: not light
    assert imbalance_alerts([SOCIAL, busy_enterprise], loaded, {}) == []
    competent = [
        window(1, ["SOCIAL"], busy=True),
        window(2, ["ENTERPRISE"], may_serve=["SOCIAL", "ENTERPRISE"]),
    ]
    assert [a.key for a in imbalance_alerts([SOCIAL, ENTERPRISE], competent, {})] == ["IMBALANCE:SOCIAL:2"]


def test_a_light_busy_window_is_suggested_after_idle_ones_and_thresholds_make_a_small_queue_overloaded():
    small = CategoryNow("SOCIAL", "社会事务", waiting=2, longest_wait_seconds=2400, open_windows=1)
    windows = [window(1, ["SOCIAL"], busy=True), window(2, ["ENTERPRISE"], busy=True), window(9, ["PICKUP"])]
    assert imbalance_alerts([small, ENTERPRISE], windows, {}) == []  # 2 people: not clearly heavier
    limits = {"SOCIAL": Limits(max_wait_seconds=1800)}
    [alert] = imbalance_alerts([small, ENTERPRISE], windows, limits)
    assert alert.key == "IMBALANCE:SOCIAL:9"  # the idle one before the busy one
    assert "最长已等候 40 分钟，超过上限 30 分钟" in alert.detail
    without_idle = windows[:2]
    [busy] = imbalance_alerts([small, ENTERPRISE], without_idle, limits)
    assert busy.key == "IMBALANCE:SOCIAL:2" and "2 号窗口较闲" in busy.detail


def test_nobody_serving_a_category_with_people_waiting_is_overloaded():
    orphan = CategoryNow("PICKUP", "综合出件", waiting=5, longest_wait_seconds=60, open_windows=0)
    [alert] = imbalance_alerts([orphan, ENTERPRISE], [window(3, ["ENTERPRISE"])], {})
    assert alert.suggestion is not None and alert.suggestion.text == "把 3 号窗口加开综合出件"
    assert "没有开放的窗口办理" in alert.detail


def test_thresholds_per_category_wait_and_queue():
    limits = {
        "SOCIAL": Limits(max_wait_seconds=300, max_waiting=5),
        "ENTERPRISE": Limits(max_wait_seconds=300),
    }
    alerts = threshold_alerts(NOW, [SOCIAL, ENTERPRISE], limits)
    assert [(a.key, a.value, a.limit) for a in alerts] == [
        ("WAIT_TOO_LONG:SOCIAL", 600, 300),
        ("QUEUE_TOO_LONG:SOCIAL", 6, 5),
    ]
    assert alerts[0].since == NOW - timedelta(seconds=300)
    assert alerts[0].detail == "社会事务最长已等候 10 分钟，超过上限 5 分钟"
    assert alerts[1].detail == "社会事务有 6 人等候，超过上限 5 人"
    assert threshold_alerts(NOW, [SOCIAL], {"SOCIAL": Limits(max_wait_seconds=600, max_waiting=6)}) == []


def test_a_service_longer_than_the_limit():
    started = NOW - timedelta(minutes=25)
    serving = window(
        4, ["SOCIAL"], busy=True, serving_ticket="B003", serving_category="SOCIAL", service_started_at=started
    )
    hall = Limits(max_service_seconds=1200)
    [alert] = service_alerts(NOW, [serving], {"SOCIAL": hall}, hall)
    assert (alert.key, alert.value, alert.limit) == ("SERVICE_TOO_LONG:4", 1500, 1200)
    assert alert.detail == "4 号窗口办理 B003 号已 25 分钟，超过上限 20 分钟"
    assert service_alerts(NOW, [serving], {"SOCIAL": Limits(max_service_seconds=1800)}, hall) == []


def test_durations_in_chinese():
    assert [duration(s) for s in (0, 59, 600, 3600, 3900)] == [
        "0 分钟",
        "1 分钟",
        "10 分钟",
        "1 小时",
        "1 小时 5 分钟",
    ]
