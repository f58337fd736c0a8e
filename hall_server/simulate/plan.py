"""The visitor plan of a simulated hall day: who comes when, for what, how long they take at the window,
whether they are there when called, whether the clerk sends them on. A pure function of the parameters and
the seed, drawn before the day starts, so the same seed gives the same day whatever the server answers."""

from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass, field
from datetime import time

from hall_server.contract.idnumbers import mod11_2_check

# Relative arrival rate per hour of the day (hall hours 9:00-17:30): a morning peak at 9-10, a lull over
# lunch (12:00-13:30, windows stay staffed in shifts) and an afternoon peak at 14-15.
HOURLY_CURVE: dict[int, float] = {
    9: 1.9,
    10: 1.5,
    11: 1.1,
    12: 0.4,
    13: 0.7,
    14: 1.7,
    15: 1.3,
    16: 0.8,
    17: 0.5,
}
OPENS, CLOSES = time(9, 0), time(17, 30)


@dataclass(frozen=True)
class CategoryProfile:
    """How a category's visitors behave: share of arrivals, service minutes (lognormal: median and
    sigma), a morning/afternoon tilt of the hourly curve (>1 favours the morning), where transfers go."""

    share: float
    median_minutes: float
    sigma: float = 0.5
    morning_tilt: float = 1.0
    transfer_to: str | None = None


# The demo county hall's seven categories, sized so that 12 windows serve ~600 visitors with peaks that
# build a queue and drain it (≈ 85-90% of window time over the day, walking up to the window included).
DEMO_PROFILES: dict[str, CategoryProfile] = {
    "ENTERPRISE": CategoryProfile(0.15, 11.0, morning_tilt=1.3, transfer_to="RESULT_PICKUP"),
    "SOCIAL_AFFAIRS": CategoryProfile(0.21, 7.5, transfer_to="RESULT_PICKUP"),
    "INVESTMENT": CategoryProfile(0.05, 24.0, 0.6, morning_tilt=1.4, transfer_to="ENTERPRISE"),
    "INTERMEDIARY": CategoryProfile(0.04, 15.0, transfer_to="INVESTMENT"),
    "PUBLIC_RESOURCES": CategoryProfile(0.07, 14.0, transfer_to="INTERMEDIARY"),
    "RESULT_PICKUP": CategoryProfile(0.34, 2.0, 0.4, morning_tilt=0.7, transfer_to="CONSULTATION"),
    "CONSULTATION": CategoryProfile(0.14, 3.5, 0.7, transfer_to="SOCIAL_AFFAIRS"),
}
BOOKABLE = ("ENTERPRISE", "SOCIAL_AFFAIRS", "INVESTMENT", "INTERMEDIARY", "PUBLIC_RESOURCES")
SLOT_MINUTES, SLOT_CAPACITY = 30, 4  # the demo hall's generated slots (SlotGenerateIn defaults)
LUNCH = (12 * 60, 13 * 60 + 30)


@dataclass(frozen=True)
class PlanParams:
    visitors: int = 600
    seed: int = 1
    no_show_rate: float = 0.04  # not there when called, whatever the wait
    patience_minutes: float = 75.0  # median patience (lognormal, sigma 0.5): who waits longer has left
    transfer_rate: float = 0.05  # the clerk sends the visitor on to another category after a first part
    appointment_share: float = 0.10  # of visitors to bookable categories


@dataclass(frozen=True)
class Visitor:
    index: int
    arrive_s: float  # seconds after local midnight
    category: str
    service_s: float  # at the first window
    absent: bool  # gone before being called, whatever the wait
    patience_s: float
    walk_s: float  # from the call to the window
    transfer_to: str | None = None
    second_service_s: float = 0.0
    slot_minute: int | None = None  # appointment: the slot's start, minutes after midnight
    id_number: str = ""


@dataclass
class Plan:
    params: PlanParams
    visitors: list[Visitor] = field(default_factory=list)

    def as_dicts(self) -> list[dict[str, object]]:
        return [asdict(v) for v in self.visitors]


def _arrival_second(rng: random.Random, tilt: float) -> float:
    """A time of day drawn from the hourly curve, tilted towards the morning (tilt>1) or afternoon."""
    weights = {
        hour: rate * (tilt if hour < 12 else 1 / tilt) * (0.5 if hour == 17 else 1.0)  # 17:00-17:30 only
        for hour, rate in HOURLY_CURVE.items()
    }
    hour = rng.choices(list(weights), weights=list(weights.values()))[0]
    span = 1800 if hour == 17 else 3600
    return hour * 3600 + rng.uniform(0, span)


def _lognormal_seconds(rng: random.Random, median_minutes: float, sigma: float) -> float:
    return max(30.0, 60 * median_minutes * math.exp(rng.gauss(0, sigma)))


def _id_number(index: int, rng: random.Random) -> str:
    year = rng.randint(1950, 2002)
    first17 = f"341122{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{index % 1000:03d}"
    return first17 + mod11_2_check(first17)


def _slots() -> list[int]:
    start, end = OPENS.hour * 60, 17 * 60  # generated slots run 9:00-17:00 around lunch
    return [m for m in range(start, end, SLOT_MINUTES) if not LUNCH[0] <= m < LUNCH[1]]


def make_plan(params: PlanParams, profiles: dict[str, CategoryProfile] = DEMO_PROFILES) -> Plan:
    rng = random.Random(params.seed)
    codes = list(profiles)
    booked: dict[tuple[str, int], int] = {}
    visitors: list[Visitor] = []
    for index in range(params.visitors):
        code = rng.choices(codes, weights=[profiles[c].share for c in codes])[0]
        profile = profiles[code]
        arrive = _arrival_second(rng, profile.morning_tilt)
        service = _lognormal_seconds(rng, profile.median_minutes, profile.sigma)
        absent = rng.random() < params.no_show_rate
        patience = 60 * params.patience_minutes * math.exp(rng.gauss(0, 0.5))
        walk = rng.uniform(15, 60)
        transfer_to = None
        second = 0.0
        if profile.transfer_to and rng.random() < params.transfer_rate:
            transfer_to = profile.transfer_to
            target = profiles[transfer_to]
            second = _lognormal_seconds(rng, target.median_minutes, target.sigma)
            service *= rng.uniform(0.3, 0.6)  # the first window's part before sending the visitor on
        slot_minute = None
        wants_slot = rng.random() < params.appointment_share
        id_number = _id_number(index, rng)
        if code in BOOKABLE and wants_slot:
            nearest = min(_slots(), key=lambda m: abs(m * 60 - arrive))
            if booked.get((code, nearest), 0) < SLOT_CAPACITY:
                booked[(code, nearest)] = booked.get((code, nearest), 0) + 1
                slot_minute = nearest
                arrive = nearest * 60 - rng.uniform(0, 20 * 60)  # check-in opens 30 minutes early
        visitors.append(
            Visitor(
                index=index,
                arrive_s=round(arrive, 3),
                category=code,
                service_s=round(service, 3),
                absent=absent,
                patience_s=round(patience, 3),
                walk_s=round(walk, 3),
                transfer_to=transfer_to,
                second_service_s=round(second, 3),
                slot_minute=slot_minute,
                id_number=id_number,
            )
        )
    visitors.sort(key=lambda v: (v.arrive_s, v.index))
    return Plan(params, visitors)
