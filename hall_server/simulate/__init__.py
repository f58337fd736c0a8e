"""`yimen simulate`: a hall day driven through the real API (see engine.py and plan.py)."""

from __future__ import annotations

import tempfile
import threading
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from hall_server.simulate.engine import HallResult, HallSim
from hall_server.simulate.plan import PlanParams, make_plan
from hall_server.simulate.report import report

DEFAULT_DAY = date(2026, 11, 25)  # a Wednesday: a fixed day, so a seed gives the same day every time


@dataclass(frozen=True)
class SimParams:
    halls: int = 1
    windows: int = 12
    displays: int = 2
    speed: float = 0.0
    day: date = DEFAULT_DAY
    database_url: str | None = None  # with several halls: a URL with {hall} in it


def simulate(sim: SimParams, plan_params: PlanParams, log: Any = lambda _: None) -> dict[str, Any]:
    """Run N halls concurrently (each its own server and database: one database holds one hall) and
    return the report. Hall h uses seed + h - 1, so halls differ yet the whole run repeats."""
    results: list[HallResult | None] = [None] * sim.halls
    failures: list[BaseException] = []
    with tempfile.TemporaryDirectory(prefix="yimen-sim-") as folder:
        sims = []
        for hall in range(1, sim.halls + 1):
            params = PlanParams(**{**asdict(plan_params), "seed": plan_params.seed + hall - 1})
            url = sim.database_url.replace("{hall}", str(hall)) if sim.database_url else None
            sims.append(
                HallSim(
                    hall,
                    make_plan(params),
                    day=sim.day,
                    windows=sim.windows,
                    displays=sim.displays,
                    speed=sim.speed,
                    folder=Path(folder),
                    database_url=url,
                    log=log,
                )
            )

        def run(index: int, hall_sim: HallSim) -> None:
            try:
                hall_sim.prepare()
                log(f"大厅 {hall_sim.hall}：服务已启动 {hall_sim.base_url}，模拟开始")
                results[index] = hall_sim.run()
            except BaseException as exc:  # reported after every hall stopped
                failures.append(exc)

        threads = [threading.Thread(target=run, args=(i, s)) for i, s in enumerate(sims)]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            for hall_sim in sims:
                if hasattr(hall_sim, "server"):
                    hall_sim.stop()
    if failures:
        raise failures[0]
    finished = [r for r in results if r is not None]
    figures = {
        "date": sim.day.isoformat(),
        "halls": sim.halls,
        "windows": sim.windows,
        "displays": sim.displays,
        "speed": sim.speed,
        **asdict(plan_params),
    }
    return report(finished, figures)
