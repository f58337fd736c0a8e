"""`yimen simulate`: a day of one or more halls driven through the real API (see engine.py and plan.py).

One server, one database, every hall in it (tenancy): server.py starts it, halls.py configures the halls,
engine.py plays the day."""

from __future__ import annotations

import tempfile
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from hall_server.simulate.engine import Agenda, HallSim, run_day
from hall_server.simulate.plan import PlanParams, make_plan
from hall_server.simulate.report import report
from hall_server.simulate.server import SimServer

DEFAULT_DAY = date(2026, 11, 25)  # a Wednesday: a fixed day, so a seed gives the same day every time


@dataclass(frozen=True)
class SimParams:
    halls: int = 1
    windows: int = 12
    displays: int = 2
    speed: float = 0.0
    day: date = DEFAULT_DAY
    database_url: str | None = None  # a new, empty database holding every hall; None: a temporary SQLite
    workers: int = 1  # server processes (PostgreSQL only above 1)


def simulate(sim: SimParams, plan_params: PlanParams, log: Any = lambda _: None) -> dict[str, Any]:
    """Run N halls in one server and database and return the report. Hall h uses seed + h - 1, so halls
    differ yet the whole run repeats."""
    from hall_server.simulate.halls import load_hall

    with tempfile.TemporaryDirectory(prefix="yimen-sim-") as folder:
        server = SimServer(Path(folder), sim.database_url, sim.workers, sim.day)

        def load(uow: Any) -> list[dict[str, Any]]:
            return [uow.run(lambda ctx, h=h: load_hall(ctx, h, sim.windows)) for h in range(1, sim.halls + 1)]

        agenda = Agenda()
        halls: list[HallSim] = []
        try:
            accounts = server.start(load)
            log(
                f"服务已启动 {server.base_url}（{sim.halls} 个大厅，{sim.workers} 个进程），"
                f"数据库 {server.settings.database_url.split('://')[0]}"
            )
            for h, hall_accounts in enumerate(accounts, start=1):
                params = PlanParams(**{**asdict(plan_params), "seed": plan_params.seed + h - 1})
                hall = HallSim(
                    h,
                    make_plan(params),
                    base_url=server.base_url,
                    clock=server.clock,
                    t0=server.t0,
                    accounts=hall_accounts,
                    agenda=agenda,
                    windows=sim.windows,
                    displays=sim.displays,
                    log=log,
                )
                halls.append(hall)
                hall.prepare()
            log("模拟开始")
            wall = run_day(halls, agenda, server.clock, sim.speed)
            results = [hall.result(wall) for hall in halls]
        finally:
            for hall in halls:
                hall.stop()
            server.stop()
    figures = {
        "date": sim.day.isoformat(),
        "halls": sim.halls,
        "windows": sim.windows,
        "displays": sim.displays,
        "speed": sim.speed,
        "workers": sim.workers,
        "database": server.settings.database_url.split("://")[0],
        **asdict(plan_params),
    }
    return report(results, figures)
