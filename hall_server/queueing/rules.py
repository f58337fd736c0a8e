"""Queue rules as pure functions: numbering, priority with ageing, re-queue position, wait estimates.

Priority with ageing: a priority ticket is queued as if it had arrived `head start` minutes earlier
(sort key = issue time − head start). A normal ticket that has waited longer than the largest head start
is therefore ahead of every priority ticket that arrives after that: priority cannot starve normal tickets,
and the rule is one sentence a clerk can explain.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from hall_server.contract.queue import Priority, WaitEstimate

DEFAULT_BASIS = "DEFAULT"
ROLLING_BASIS = "ROLLING"
MIN_ROLLING_SAMPLES = 3


def ticket_number(prefix: str, number: int) -> str:
    """A012; past 999 the number simply grows (A1000) rather than wrapping into a duplicate."""
    return f"{prefix}{number:03d}"


def derive_priority(
    *,
    claim: Priority | None,
    age: int | None,
    elderly_age: int,
    appointment: bool,
    head_starts: Mapping[str, int],
) -> Priority:
    """The applicable priority with the largest head start (a visitor can qualify several ways)."""
    applicable = [Priority.NORMAL]
    if claim is not None:
        applicable.append(claim)
    if age is not None and age >= elderly_age:
        applicable.append(Priority.ELDERLY)
    if appointment:
        applicable.append(Priority.APPOINTMENT)
    return max(applicable, key=lambda p: (head_starts.get(p.value, 0), p is not Priority.NORMAL))


def return_sort_key(returned_at: datetime, head_starts: Mapping[str, int]) -> float:
    """转办回流: a ticket coming back to its first window queues as if it arrived at its return time with
    the largest head start: ahead of every later arrival, priority or not, yet behind normal tickets that
    already waited longer than that head start, so returns cannot starve anyone."""
    return returned_at.timestamp() - 60 * max(head_starts.values(), default=0)


def sort_key(arrived_at: datetime, priority: Priority, head_starts: Mapping[str, int]) -> float:
    return arrived_at.timestamp() - 60 * head_starts.get(priority.value, 0)


def requeue_sort_key(waiting_keys: Sequence[float], positions: int, now_key: float) -> float:
    """Where a returning no-show rejoins: `positions` places back from the head of its queue (过号顺延)."""
    ordered = sorted(waiting_keys)
    if len(ordered) <= positions:
        return max(now_key, ordered[-1] + 1) if ordered else now_key
    before, after = ordered[positions - 1], ordered[positions]
    if after - before < 0.002:  # tickets issued in the same instant: go just after them
        return before + 0.001
    return (before + after) / 2


def average_service_seconds(durations: Sequence[float], default_seconds: float) -> tuple[float, str]:
    """The rolling mean of recent service times, or the category default until there are enough."""
    if len(durations) < MIN_ROLLING_SAMPLES:
        return default_seconds, DEFAULT_BASIS
    return sum(durations) / len(durations), ROLLING_BASIS


def window_share(categories_served: Sequence[int]) -> float:
    """What the open windows serving a category give it: a window serving n categories calls them all (by
    arrival time), so it counts 1/n. Counting each as a whole window underestimated waits by 7.5 minutes on a
    busy simulated day (README, hall-day simulator)."""
    return sum(1 / n for n in categories_served if n > 0)


def estimate_wait(
    *,
    people_ahead: int,
    durations: Sequence[float],
    default_seconds: float,
    categories_served: Sequence[int],
) -> WaitEstimate:
    """Wait ≈ people ahead × average service time ÷ the open windows' share of the category.

    `categories_served` has one entry per open window serving the category: how many categories that window
    serves (1 for a window of this category alone)."""
    average, basis = average_service_seconds(durations, default_seconds)
    open_windows = len(categories_served)
    share = window_share(categories_served)
    minutes = max(1, round(average / 60))
    source = (
        f"近{len(durations)}位办理平均约{minutes}分钟"
        if basis == ROLLING_BASIS
        else f"平均办理约{minutes}分钟"
    )
    if open_windows == 0:
        return WaitEstimate(
            people_ahead=people_ahead,
            avg_service_seconds=average,
            service_time_basis=basis,
            samples=len(durations),
            open_windows=0,
            window_share=0.0,
            wait_seconds=None,
            explanation=f"前面还有{people_ahead}人；目前没有开放的窗口办理此类业务，暂无法估算等候时间",
        )
    wait = math.ceil(round(people_ahead * average / share, 3))  # 1/3 + 1/3 + 1/3 must not add a second
    return WaitEstimate(
        people_ahead=people_ahead,
        avg_service_seconds=average,
        service_time_basis=basis,
        samples=len(durations),
        open_windows=open_windows,
        window_share=round(share, 2),
        wait_seconds=wait,
        explanation=(
            f"前面还有{people_ahead}人，{source}，{_windows_phrase(open_windows, share)}，"
            f"预计等候约{max(0, math.ceil(wait / 60))}分钟"
        ),
    )


def _windows_phrase(open_windows: int, share: float) -> str:
    if share >= open_windows - 0.005:
        return f"{open_windows}个窗口办理"
    return f"{open_windows}个窗口办理（兼办其他业务，折合约{share:.1f}个窗口）"


def age_on(birth: date | None, day: date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
