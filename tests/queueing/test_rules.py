"""The queue rules as pure functions: no database, plain values."""

from datetime import UTC, date, datetime, timedelta

import pytest

from hall_server.contract.queue import Priority
from hall_server.queueing import rules

HEAD_STARTS = {"APPOINTMENT": 20, "ELDERLY": 10, "DISABLED": 10, "MILITARY": 10}
T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


def test_ticket_number_pads_to_three_digits_and_grows_past_999():
    assert rules.ticket_number("A", 7) == "A007"
    assert rules.ticket_number("B", 999) == "B999"
    assert rules.ticket_number("B", 1000) == "B1000"


@pytest.mark.parametrize(
    ("claim", "age", "appointment", "expected"),
    [
        (None, 30, False, Priority.NORMAL),
        (None, 59, False, Priority.NORMAL),
        (None, 60, False, Priority.ELDERLY),
        (Priority.DISABLED, 30, False, Priority.DISABLED),
        (Priority.MILITARY, None, False, Priority.MILITARY),
        (None, 70, True, Priority.APPOINTMENT),  # the largest head start wins
        (None, None, True, Priority.APPOINTMENT),
    ],
)
def test_derive_priority(claim, age, appointment, expected):
    got = rules.derive_priority(
        claim=claim, age=age, elderly_age=60, appointment=appointment, head_starts=HEAD_STARTS
    )
    assert got is expected


def test_priority_ticket_queues_as_if_it_came_earlier():
    normal = rules.sort_key(T0, Priority.NORMAL, HEAD_STARTS)
    elderly = rules.sort_key(T0, Priority.ELDERLY, HEAD_STARTS)
    assert normal - elderly == 600


def test_ageing_bounds_how_long_priority_can_hold_a_normal_ticket_back():
    """A normal ticket that has waited longer than the head start is ahead of every new priority ticket."""
    normal = rules.sort_key(T0, Priority.NORMAL, HEAD_STARTS)
    just_inside = rules.sort_key(T0 + timedelta(minutes=9), Priority.ELDERLY, HEAD_STARTS)
    after = rules.sort_key(T0 + timedelta(minutes=11), Priority.ELDERLY, HEAD_STARTS)
    assert just_inside < normal < after


def test_requeue_goes_n_places_back_or_to_the_end():
    waiting = [10.0, 20.0, 30.0, 40.0]
    assert rules.requeue_sort_key(waiting, 3, 99.0) == 35.0
    assert rules.requeue_sort_key([10.0, 20.0], 3, 99.0) == 99.0
    assert rules.requeue_sort_key([], 3, 99.0) == 99.0
    assert rules.requeue_sort_key([10.0, 200.0], 3, 99.0) == 201.0
    assert rules.requeue_sort_key([5.0, 5.0, 5.0, 5.0], 3, 99.0) == 5.001  # same-instant tickets


def test_estimate_uses_default_until_enough_samples_then_rolling_average():
    default = rules.estimate_wait(
        people_ahead=4, durations=[60, 60], default_seconds=600, categories_served=[1, 1]
    )
    assert default.service_time_basis == "DEFAULT"
    assert default.wait_seconds == 4 * 600 // 2
    rolling = rules.estimate_wait(
        people_ahead=4, durations=[300, 300, 600], default_seconds=600, categories_served=[1, 1]
    )
    assert rolling.service_time_basis == "ROLLING"
    assert rolling.avg_service_seconds == 400
    assert rolling.wait_seconds == 800
    assert rolling.explanation == "前面还有4人，近3位办理平均约7分钟，2个窗口办理，预计等候约14分钟"


def test_a_window_shared_with_other_categories_counts_for_its_share():
    """Window 1 serves this category alone, window 2 serves it and two others: 1 + 1/3 windows' worth."""
    estimate = rules.estimate_wait(
        people_ahead=4, durations=[], default_seconds=600, categories_served=[1, 3]
    )
    assert (estimate.open_windows, estimate.window_share) == (2, 1.33)
    assert estimate.wait_seconds == 1800  # 4 × 600 s ÷ 4/3
    assert estimate.explanation == (
        "前面还有4人，平均办理约10分钟，2个窗口办理（兼办其他业务，折合约1.3个窗口），预计等候约30分钟"
    )


def test_estimate_with_no_open_window_says_so_instead_of_guessing():
    estimate = rules.estimate_wait(people_ahead=3, durations=[], default_seconds=600, categories_served=[])
    assert estimate.wait_seconds is None
    assert "没有开放的窗口" in estimate.explanation


def test_age_counts_the_birthday():
    assert rules.age_on(date(1966, 11, 26), date(2026, 11, 25)) == 59
    assert rules.age_on(date(1966, 11, 25), date(2026, 11, 25)) == 60
    assert rules.age_on(None, date(2026, 11, 25)) is None


def test_a_returning_ticket_cannot_starve_a_normal_ticket():
    head_starts = {"ELDERLY": 10, "DISABLED": 15}
    start = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    waited_long = rules.sort_key(start, Priority.NORMAL, head_starts)
    returned_soon = rules.return_sort_key(start + timedelta(minutes=14), head_starts)
    returned_late = rules.return_sort_key(start + timedelta(minutes=16), head_starts)
    later_priority = rules.sort_key(start + timedelta(minutes=14, seconds=1), Priority.DISABLED, head_starts)
    assert returned_soon < waited_long and returned_soon < later_priority
    assert returned_late > waited_long
