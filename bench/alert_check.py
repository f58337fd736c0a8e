"""What one alert evaluation costs (every YIMEN_ALERT_CHECK_SECONDS, and after help, device, window and
threshold events): the demo hall with its thresholds, all 12 windows open, N tickets waiting today.

`plan` is the read-only pass that runs every time; `evaluate` the write transaction that runs when an alert
is raised, cleared or its figures change (timed with alerts open, the wait growing between passes).

    YIMEN_BENCH_WAITING=100,1000 python bench/alert_check.py [sqlite] [postgresql]
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._hall import backends, demo_hall, print_table, summary_ms
from hall_server.alerts import service as alerts
from hall_server.app import build_state
from hall_server.contract.queue import Channel, IssueTicketRequest
from hall_server.core.clock import SettableClock
from hall_server.core.config import Settings
from hall_server.core.context import UnitOfWork
from hall_server.queueing import tickets, windows

SIZES = [int(n) for n in os.environ.get("YIMEN_BENCH_WAITING", "100,1000").split(",")]
SAMPLES = 30
CATEGORIES = ["ENTERPRISE", "SOCIAL_AFFAIRS", "INVESTMENT", "RESULT_PICKUP"]


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def measure(uow: UnitOfWork, clock: SettableClock) -> tuple[str, list[float], list[float]]:
    plan = [timed(lambda: uow.read(alerts.plan)) for _ in range(SAMPLES)]
    evaluate = []
    for _ in range(SAMPLES):
        clock.advance(seconds=61)  # the wait grows: figures refreshed every pass
        evaluate.append(timed(lambda: uow.run(alerts.evaluate_alerts)))
    kinds = Counter(uow.read(lambda ctx: [a.kind for a in alerts.list_alerts(ctx, True)]))
    return " ".join(f"{kind}×{n}" for kind, n in sorted(kinds.items())), plan, evaluate


def main() -> None:
    rows = []
    for backend in backends():
        with demo_hall(backend) as hall:
            os.environ.update(hall.env)
            settings = Settings()
            clock = SettableClock(settings.tz, datetime.now(UTC))
            state = build_state(settings, clock)
            for number in range(1, 13):
                state.uow.run(lambda ctx, n=number: windows.open_window(ctx, n))
            waiting = 0
            for size in SIZES:
                while waiting < size:
                    batch = [
                        IssueTicketRequest(category_code=CATEGORIES[n % len(CATEGORIES)])
                        for n in range(waiting, min(size, waiting + 100))
                    ]
                    state.uow.run(
                        lambda ctx, b=batch: [tickets.issue_ticket(ctx, r, Channel.WINDOW) for r in b]
                    )
                    waiting += len(batch)
                clock.advance(minutes=40)  # every category over its wait limit
                opened, plan, evaluate = measure(state.uow, clock)
                rows.append([backend, size, opened, *summary_ms(plan), *summary_ms(evaluate)])
            state.engine.dispose()
            if state.read_engine is not None:
                state.read_engine.dispose()
    print_table(
        "One alert evaluation, demo hall, 12 windows open (ms)",
        ["backend", "waiting", "open alerts", "plan p50", "p99", "mean", "evaluate p50", "p99", "mean"],
        rows,
    )


if __name__ == "__main__":
    main()
