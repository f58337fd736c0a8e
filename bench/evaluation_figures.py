"""好差评 figures (评价指标) of a month of a busy hall.

The demo hall is filled in bulk with HISTORY + DAYS consecutive days (default 335 + 30, a year,
backwards from yesterday) of PER_DAY service contacts each (default 2,000: 730,000 contacts), at the
demo hall's windows, clerks and matters (70 % with a matter):
- 60 % rated by the visitor: 非常满意 60 %, 满意 28 %, 基本满意 7 %, 差评 5 % of the ratings (3 % of
  the contacts); 2 % of the rated ones with a 追评;
- 10 % rated by default (默认评价), 25 % not evaluated, 5 % left open.
Then, in process (as the server runs it), the figures of the last DAYS days are timed for each
grouping (min, p50 and max of RUNS runs), the whole year by day, and the default rule's periodic look
when it is on and nothing is due. Target: each grouping under 1 s. PostgreSQL's tables are analysed
after the fill, as autovacuum would do after such a load.

    YIMEN_BENCH_DAYS=30 YIMEN_BENCH_HISTORY=335 YIMEN_BENCH_PER_DAY=2000 \
        python bench/evaluation_figures.py [sqlite] [postgresql]

PostgreSQL: database yimen_bench_evaluation on YIMEN_BENCH_PG_URL (see bench/_hall.py).
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._hall import backends, demo_hall, print_table, timed
from hall_server.app import build_state
from hall_server.auth.models import Staff
from hall_server.catalogue.models import Matter
from hall_server.contract.evaluation import Level, OpportunityStatus
from hall_server.contract.evaluation_figures import FiguresGroup
from hall_server.core.config import Settings
from hall_server.evaluation import figures, rules
from hall_server.evaluation.models import Evaluation, EvaluationOpportunity, EvaluationRule
from hall_server.queueing.models import Window

DAYS = int(os.environ.get("YIMEN_BENCH_DAYS", "30"))
HISTORY = int(os.environ.get("YIMEN_BENCH_HISTORY", "335"))
PER_DAY = int(os.environ.get("YIMEN_BENCH_PER_DAY", "2000"))
RUNS = int(os.environ.get("YIMEN_BENCH_RUNS", "7"))
CHUNK = 20_000
# (level, share of the visitor's own ratings)
LEVELS = (
    (Level.VERY_SATISFIED, 0.60),
    (Level.SATISFIED, 0.28),
    (Level.BASIC, 0.07),
    (Level.DISSATISFIED, 0.03),
    (Level.VERY_DISSATISFIED, 0.02),
)


def _level(rng: random.Random) -> Level:
    roll, total = rng.random(), 0.0
    for level, share in LEVELS:
        total += share
        if roll < total:
            return level
    return Level.VERY_SATISFIED


def _contact(rng: random.Random, oid: int, day: date, tz: Any, hall: dict[str, list[Any]]) -> tuple[Any, ...]:
    """One contact row and its evaluations."""
    served = datetime.combine(day, day_time(8, 30), tz) + timedelta(seconds=rng.uniform(0, 8.5 * 3600))
    roll = rng.random()
    status = (
        OpportunityStatus.EVALUATED
        if roll < 0.60
        else OpportunityStatus.DEFAULTED
        if roll < 0.70
        else OpportunityStatus.NOT_EVALUATED
        if roll < 0.95
        else OpportunityStatus.OPEN
    )
    contact = {
        "id": oid,
        "service_number": 1,
        "service_name": "窗口服务",
        "service_date": day,
        "served_at": served,
        "matter_id": rng.choice(hall["matters"]) if rng.random() < 0.7 else None,
        "window_no": rng.choice(hall["windows"]),
        "staff_id": rng.choice(hall["clerks"]),
        "status": status.value,
        "not_evaluated_reason": "DECLINED" if status is OpportunityStatus.NOT_EVALUATED else None,
        "version": 1,
    }
    evaluations = []
    if status is OpportunityStatus.EVALUATED:
        level = _level(rng)
        evaluations.append(_evaluation(oid, 1, level, served + timedelta(minutes=1), False))
        if rng.random() < 0.02:
            evaluations.append(_evaluation(oid, 2, _level(rng), served + timedelta(days=3), False))
    elif status is OpportunityStatus.DEFAULTED:
        evaluations.append(_evaluation(oid, 1, Level.SATISFIED, served + timedelta(days=7), True))
    return contact, evaluations


def _evaluation(oid: int, number: int, level: Level, at: datetime, default: bool) -> dict[str, Any]:
    bad = level in (Level.DISSATISFIED, Level.VERY_DISSATISFIED)
    return {
        "opportunity_id": oid,
        "assess_number": number,
        "level": level.value,
        "channel": "WINDOW_PAD",
        "indicator_codes": ["502"] if bad else [],
        "text": "",
        "anonymous": False,
        "is_default": default,
        "evaluated_at": at,
    }


def fill(state: Any, url: str, tz: Any) -> tuple[list[date], int, int]:
    """Bulk-insert the contacts and evaluations; returns the days, contacts and evaluations."""
    with state.factory() as session:
        hall = {
            "matters": list(session.scalars(select(Matter.id))),
            "windows": list(session.scalars(select(Window.number))),
            "clerks": list(session.scalars(select(Staff.id).where(Staff.role == "clerk")))
            or list(session.scalars(select(Staff.id))),
        }
    rng = random.Random(16)
    yesterday = datetime.now(tz).date() - timedelta(days=1)
    days = [yesterday - timedelta(days=n) for n in reversed(range(HISTORY + DAYS))]
    engine = create_engine(url)
    contacts: list[dict[str, Any]] = []
    evaluations: list[dict[str, Any]] = []
    counts = [0, 0]

    def flush() -> None:
        with engine.begin() as connection:
            connection.execute(insert(EvaluationOpportunity), contacts)
            if evaluations:
                connection.execute(insert(Evaluation), evaluations)
        counts[0] += len(contacts)
        counts[1] += len(evaluations)
        contacts.clear()
        evaluations.clear()

    with engine.connect() as connection:
        next_id = (connection.scalar(select(func.max(EvaluationOpportunity.id))) or 0) + 1
    for day in days:
        for _ in range(PER_DAY):
            contact, given = _contact(rng, next_id, day, tz, hall)
            next_id += 1
            contacts.append(contact)
            evaluations.extend(given)
        if len(contacts) >= CHUNK:
            flush()
    if contacts:
        flush()
    with engine.begin() as connection:  # the rule on since today: the periodic look finds nothing due
        connection.execute(
            insert(EvaluationRule),
            [
                {
                    "id": rules.RULE_ID,
                    "default_enabled": True,
                    "default_after_days": 7,
                    "default_since": yesterday + timedelta(days=1),
                    "updated_at": datetime.now(tz),
                    "version": 1,
                }
            ],
        )
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE evaluation_opportunity, evaluation"))
    engine.dispose()
    return days, counts[0], counts[1]


def bench_backend(backend: str) -> list[list[Any]]:
    rows: list[list[Any]] = []
    with demo_hall(backend, "yimen_bench_evaluation") as hall:
        os.environ.update(hall.env)
        state = build_state(Settings())
        started = time.perf_counter()
        days, contacts, given = fill(state, hall.database_url, state.clock.tz)
        print(
            f"{backend}: {contacts} contacts, {given} evaluations over {len(days)} days "
            f"inserted in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        last = days[-1]
        first = last - timedelta(days=DAYS - 1)
        month = f"{first.isoformat()}..{last.isoformat()}"

        def run(label: str, work: Callable[[Any], object]) -> None:
            best, p50, worst = timed(lambda: state.uow.read(work), RUNS)
            rows.append([backend, contacts, label, *(f"{t * 1000:.1f}" for t in (best, p50, worst))])
            print("  ".join(str(c) for c in rows[-1]), flush=True)

        for group in FiguresGroup:
            run(
                f"figures {month} by {group.value}",
                lambda ctx, g=group: figures.figures(ctx, g, first, last),
            )
        whole = f"{days[0].isoformat()}..{last.isoformat()}"
        run(f"figures {whole} by day", lambda ctx: figures.figures(ctx, FiguresGroup.DAY, days[0], last))
        run("default rule look (on, nothing due)", rules.defaults_due)
        state.engine.dispose()
        if state.read_engine is not None:
            state.read_engine.dispose()
    return rows


def main() -> None:
    rows = [row for backend in backends() for row in bench_backend(backend)]
    print_table(
        f"好差评 figures, {PER_DAY} contacts a day (ms, min, p50 and max of {RUNS} runs, in process)",
        ["backend", "contacts", "query", "min", "p50", "max"],
        rows,
    )


if __name__ == "__main__":
    main()
