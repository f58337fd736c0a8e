"""Time. The server asks a Clock, never datetime.now(), so tests can move a real server through a day."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hall_server.contract.base import FIRST_DAY, LAST_DAY
from hall_server.core.errors import Invalid


class Clock:
    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz

    def now(self) -> datetime:
        """Aware UTC now."""
        return datetime.now(UTC)

    def local(self, moment: datetime | None = None) -> datetime:
        return (moment or self.now()).astimezone(self.tz)

    def today(self) -> date:
        """The service day: the local date in the hall's time zone (numbering resets at local midnight)."""
        return self.local().date()

    def day_bounds(self, on_date: date) -> tuple[datetime, datetime]:
        """From local midnight of `on_date` to the next local midnight."""
        if not FIRST_DAY <= on_date <= LAST_DAY:
            raise Invalid(
                "DATE_OUT_OF_RANGE",
                f"日期超出范围（{FIRST_DAY.isoformat()} 至 {LAST_DAY.isoformat()}）",
                {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
            )
        start = datetime.combine(on_date, time(0), self.tz)
        return start, start + timedelta(days=1)


class SettableClock(Clock):
    """A clock that starts at a given time and moves only when told (tests, benchmarks, demos)."""

    def __init__(self, tz: ZoneInfo, start: datetime) -> None:
        super().__init__(tz)
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment.astimezone(UTC)

    def advance(self, **delta: float) -> datetime:
        with self._lock:
            self._now += timedelta(**delta)
            return self._now
