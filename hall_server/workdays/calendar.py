"""Working days as data: one JSON file per year (data/YEAR.json), the State Council arrangement.

A day is a working day when it is a listed make-up working day (调休上班), or a Monday-to-Friday not listed
as a holiday. Deadlines in working days (差评整改, complaints) count with add_working_days.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)
    provisional_years: frozenset[int] = field(default_factory=frozenset)


def is_working_day(calendar: WorkCalendar, day: date) -> bool:
    if day in calendar.workdays:
        return True
    return day.weekday() < 5 and day not in calendar.holidays


def add_working_days(calendar: WorkCalendar, start: date, n: int) -> date:
    """The n-th working day after start (start itself not counted); n = 0 gives start."""
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    while n > 0:
        day += timedelta(days=1)
        if is_working_day(calendar, day):
            n -= 1
    return day


def parse_year(data: dict[str, Any]) -> WorkCalendar:
    """One year's arrangement from its JSON form (holidays as [first, last, name] ranges)."""
    holidays: set[date] = set()
    for first, last, _name in data["holidays"]:
        day, end = date.fromisoformat(first), date.fromisoformat(last)
        while day <= end:
            holidays.add(day)
            day += timedelta(days=1)
    workdays = {date.fromisoformat(entry[0]) for entry in data["workdays"]}
    provisional = {int(data["year"])} if data.get("provisional") else set()
    return WorkCalendar(frozenset(holidays), frozenset(workdays), frozenset(provisional))


def merge(*calendars: WorkCalendar) -> WorkCalendar:
    return WorkCalendar(
        frozenset().union(*(c.holidays for c in calendars)),
        frozenset().union(*(c.workdays for c in calendars)),
        frozenset().union(*(c.provisional_years for c in calendars)),
    )


@cache
def shipped_years() -> dict[int, dict[str, Any]]:
    """The arrangements shipped with the server (2026 official, 2027 provisional) by year, as in the files."""
    folder = resources.files("hall_server.workdays") / "data"
    found = (
        json.loads(entry.read_text(encoding="utf-8"))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".json")
    )
    return {int(data["year"]): data for data in found}


def shipped() -> WorkCalendar:
    return merge(*(parse_year(data) for data in shipped_years().values()))
