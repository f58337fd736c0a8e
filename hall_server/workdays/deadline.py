"""Overdue warnings for deadlines in working days (standards §2.5): yellow before, red after."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from hall_server.workdays.calendar import WorkCalendar, is_working_day

Warning = Literal["none", "yellow", "red"]


def working_days_between(calendar: WorkCalendar, start: date, end: date) -> int:
    """Working days after start up to and including end (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(calendar, day)
    return count


def warning(calendar: WorkCalendar, opened: date, deadline: date, today: date) -> Warning:
    """Red once the deadline day is past; yellow when ≤ 1 working day or ≤ 20 % of the period remains."""
    if today > deadline:
        return "red"
    remaining = working_days_between(calendar, today, deadline)
    total = working_days_between(calendar, opened, deadline)
    if remaining <= 1 or remaining * 5 <= total:
        return "yellow"
    return "none"
