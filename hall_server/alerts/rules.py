"""Which alerts the hall wants now, from plain values (no database): thresholds crossed, 冷热不均, a service
taking too long. The service module compares them with the open alerts and raises or clears.

冷热不均 (IMBALANCE), precisely:
- a category C is *overloaded* when people wait in it and its longest wait or its queue is over its
  threshold (the category's own, else the hall's), or it is *clearly heavier than the others*: at least
  IMBALANCE_MIN_WAITING people wait and the people waiting per open window serving C (all of them if no open
  window serves C) is at least IMBALANCE_FACTOR times the hall's people waiting per open window;
- a window W is *lightly loaded* when it is OPEN (not paused, not closed) and its share of the waiting
  people of its own categories (for each of its categories, the waiting divided by the open windows serving
  it, summed) is at most LIGHT_SHARE; *idle* when it also serves nobody right now;
- W *could be given* C when C is not one of W's categories and W's competence list (may_serve) is empty
  (综合窗口) or names C.
An overloaded C with such a W raises one alert, keyed by C and W, suggesting to add C to W (idle windows
first, then the lightest share, then the lowest number). Once W serves C the key's condition is gone and
the alert clears; if C is still overloaded the next lightest window is suggested under a new key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hall_server.contract.alerts import AlertKind, Suggestion

IMBALANCE_MIN_WAITING = 5
IMBALANCE_FACTOR = 2.0
LIGHT_SHARE = 1.0


@dataclass(frozen=True)
class Limits:
    max_wait_seconds: int | None = None
    max_waiting: int | None = None
    max_service_seconds: int | None = None


@dataclass(frozen=True)
class CategoryNow:
    code: str
    name: str
    waiting: int
    longest_wait_seconds: int
    open_windows: int


@dataclass(frozen=True)
class WindowNow:
    number: int
    open: bool  # OPEN: neither paused nor closed
    category_codes: list[str]
    may_serve: list[str]
    busy: bool = False  # a ticket called or in service
    serving_ticket: str | None = None  # in service (started), with:
    serving_category: str | None = None
    service_started_at: datetime | None = None


@dataclass
class Wanted:
    """An alert the current state calls for; `since`: when the condition began, if known."""

    kind: AlertKind
    key: str
    title: str
    detail: str
    value: float | None = None
    limit: float | None = None
    since: datetime | None = None
    category_code: str | None = None
    window_no: int | None = None
    device_id: int | None = None
    help_id: int | None = None
    suggestion: Suggestion | None = field(default=None)


def duration(seconds: float) -> str:
    """Chinese, to the minute: 42 分钟, 1 小时 5 分钟."""
    minutes = max(0, round(seconds / 60))
    if minutes < 60:
        return f"{minutes} 分钟"
    hours, rest = divmod(minutes, 60)
    return f"{hours} 小时" + (f" {rest} 分钟" if rest else "")


def wait_over(category: CategoryNow, limits: Limits) -> bool:
    limit = limits.max_wait_seconds
    return category.waiting > 0 and limit is not None and category.longest_wait_seconds > limit


def queue_over(category: CategoryNow, limits: Limits) -> bool:
    limit = limits.max_waiting
    return limit is not None and category.waiting > limit


def threshold_alerts(
    now: datetime, categories: list[CategoryNow], limits: Mapping[str, Limits]
) -> list[Wanted]:
    wanted = []
    for c in categories:
        own = limits.get(c.code, Limits())
        if wait_over(c, own):
            assert own.max_wait_seconds is not None
            limit = own.max_wait_seconds
            wanted.append(
                Wanted(
                    AlertKind.WAIT_TOO_LONG,
                    f"{AlertKind.WAIT_TOO_LONG}:{c.code}",
                    f"{c.name}等候超时",
                    f"{c.name}最长已等候 {duration(c.longest_wait_seconds)}，超过上限 {duration(limit)}",
                    value=c.longest_wait_seconds,
                    limit=limit,
                    since=now - timedelta(seconds=c.longest_wait_seconds - limit),
                    category_code=c.code,
                )
            )
        if queue_over(c, own):
            wanted.append(
                Wanted(
                    AlertKind.QUEUE_TOO_LONG,
                    f"{AlertKind.QUEUE_TOO_LONG}:{c.code}",
                    f"{c.name}排队过长",
                    f"{c.name}有 {c.waiting} 人等候，超过上限 {own.max_waiting} 人",
                    value=c.waiting,
                    limit=own.max_waiting,
                    category_code=c.code,
                )
            )
    return wanted


def service_alerts(
    now: datetime, windows: list[WindowNow], limits: Mapping[str, Limits], hall: Limits
) -> list[Wanted]:
    """A window serving one ticket (started) longer than the ticket's category's limit (else the hall's)."""
    wanted = []
    for w in windows:
        if w.service_started_at is None or w.serving_ticket is None:
            continue
        limit = limits.get(w.serving_category or "", hall).max_service_seconds
        taken = (now - w.service_started_at).total_seconds()
        if limit is None or taken <= limit:
            continue
        wanted.append(
            Wanted(
                AlertKind.SERVICE_TOO_LONG,
                f"{AlertKind.SERVICE_TOO_LONG}:{w.number}",
                f"{w.number} 号窗口办理超时",
                f"{w.number} 号窗口办理 {w.serving_ticket} 号已 {duration(taken)}，"
                f"超过上限 {duration(limit)}",
                value=round(taken),
                limit=limit,
                since=w.service_started_at + timedelta(seconds=limit),
                category_code=w.serving_category,
                window_no=w.number,
            )
        )
    return wanted


def _overload_reason(c: CategoryNow, own: Limits, hall_per_window: float) -> tuple[str, float | None] | None:
    """Why C is overloaded (Chinese) and the limit crossed, or None if it is not."""
    if wait_over(c, own):
        return (
            f"最长已等候 {duration(c.longest_wait_seconds)}，超过上限 {duration(own.max_wait_seconds or 0)}",
            (own.max_wait_seconds),
        )
    if queue_over(c, own):
        return f"超过上限 {own.max_waiting} 人", own.max_waiting
    if c.waiting < IMBALANCE_MIN_WAITING:
        return None
    if c.open_windows == 0:
        return "没有开放的窗口办理", None
    per_window = c.waiting / c.open_windows
    if per_window >= IMBALANCE_FACTOR * hall_per_window:
        ratio = per_window / hall_per_window
        return f"每个开放窗口 {per_window:.1f} 人，是全厅平均的 {ratio:.1f} 倍", None
    return None


def _share(window: WindowNow, waiting: Mapping[str, CategoryNow]) -> float:
    """The waiting people of the window's categories it would call, shared with the other open windows."""
    total = 0.0
    for code in window.category_codes:
        c = waiting.get(code)
        if c is not None and c.waiting:
            total += c.waiting / max(1, c.open_windows)
    return total


def imbalance_alerts(
    categories: list[CategoryNow], windows: list[WindowNow], limits: Mapping[str, Limits]
) -> list[Wanted]:
    by_code = {c.code: c for c in categories}
    open_windows = [w for w in windows if w.open]
    if not open_windows:
        return []
    hall_per_window = sum(c.waiting for c in categories) / len(open_windows)
    light = sorted(
        ((not w.busy, _share(w, by_code), w) for w in open_windows if _share(w, by_code) <= LIGHT_SHARE),
        key=lambda item: (not item[0], item[1], item[2].number),
    )
    wanted = []
    for c in categories:
        reason = _overload_reason(c, limits.get(c.code, Limits()), hall_per_window)
        if reason is None:
            continue
        candidates = [
            (idle, w)
            for idle, _, w in light
            if c.code not in w.category_codes and (not w.may_serve or c.code in w.may_serve)
        ]
        if not candidates:
            continue
        idle, w = candidates[0]
        text = f"把 {w.number} 号窗口加开{c.name}"
        why, limit = reason
        wanted.append(
            Wanted(
                AlertKind.IMBALANCE,
                f"{AlertKind.IMBALANCE}:{c.code}:{w.number}",
                f"冷热不均：{c.name}",
                f"{c.name}有 {c.waiting} 人等候（{why}），"
                f"{w.number} 号窗口{'空闲' if idle else '较闲'}；建议{text}",
                value=c.waiting,
                limit=limit,
                category_code=c.code,
                window_no=w.number,
                suggestion=Suggestion(
                    window_no=w.number,
                    category_code=c.code,
                    category_name=c.name,
                    category_codes=[*w.category_codes, c.code],
                    text=text,
                ),
            )
        )
    return wanted
