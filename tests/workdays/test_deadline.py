from datetime import date

from hall_server.workdays.calendar import add_working_days, shipped
from hall_server.workdays.deadline import warning, working_days_between


def test_the_warning_turns_yellow_near_the_deadline_and_red_after_it() -> None:
    cal = shipped()
    opened = date(2026, 2, 13)
    deadline = add_working_days(cal, opened, 15)  # 2026-03-12, across 春节 and two make-up Saturdays
    assert working_days_between(cal, opened, deadline) == 15
    assert warning(cal, opened, deadline, date(2026, 2, 24)) == "none"
    assert warning(cal, opened, deadline, date(2026, 3, 9)) == "yellow"  # 3 of 15 left: 20 %
    assert warning(cal, opened, deadline, date(2026, 3, 12)) == "yellow"
    assert warning(cal, opened, deadline, date(2026, 3, 13)) == "red"


def test_a_one_day_deadline_is_yellow_from_the_start() -> None:
    cal = shipped()
    deadline = add_working_days(cal, date(2026, 9, 30), 1)
    assert deadline == date(2026, 10, 8)
    assert warning(cal, date(2026, 9, 30), deadline, date(2026, 9, 30)) == "yellow"
