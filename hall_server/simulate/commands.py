"""`yimen simulate`: registered by hall_server.commands."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

HELP = """Simulate a hall day through the real API: visitors arrive by hour (peaks at 9-10 and 14-15) per
category, a kiosk issues their tickets, appointments are booked and checked in, clerks call, serve,
transfer and mark no-shows at their windows, display screens follow /ws. Each hall is its own server on
127.0.0.1 with its own database (one database holds exactly one hall today, so N halls are N servers and
databases driven concurrently) and a clock the simulator moves: a day takes minutes. Reports waits,
throughput, API and call-to-display latency, and the mean absolute error of the wait estimates given at
issue against the waits the simulated visitors actually had."""


def register(subcommands: Any) -> None:
    sim = subcommands.add_parser(
        "simulate",
        help="simulate a hall day through the real API (waits, latency, estimate error)",
        description=HELP,
    )
    sim.add_argument("--halls", type=int, default=1, help="N halls: N servers and databases at once")
    sim.add_argument("--windows", type=int, default=12, help="M windows per hall (demo hall has 12)")
    sim.add_argument("--visitors", type=int, default=600, help="visitors per hall over the day")
    sim.add_argument("--seed", type=int, default=1, help="the visitor plan's seed (hall h: seed+h-1)")
    sim.add_argument("--displays", type=int, default=2, help="display screens on /ws per hall")
    sim.add_argument("--no-show-rate", type=float, default=0.04, help="share not there when called")
    sim.add_argument(
        "--patience", type=float, default=75.0, help="median minutes a visitor waits before leaving"
    )
    sim.add_argument("--transfer-rate", type=float, default=0.05, help="share sent on to another category")
    sim.add_argument(
        "--appointment-share", type=float, default=0.10, help="share of bookable visitors with appointments"
    )
    sim.add_argument(
        "--speed",
        type=float,
        default=0.0,
        help="simulated seconds per real second (0: as fast as the server answers)",
    )
    sim.add_argument("--date", type=date.fromisoformat, default=None, help="the hall day (a workday)")
    sim.add_argument(
        "--database-url",
        help="a new, empty database instead of a temporary SQLite file; with --halls > 1 it must "
        "contain {hall} (one database per hall)",
    )
    sim.add_argument("--json", action="store_true", help="print the report as JSON")
    sim.set_defaults(run=run_simulate)


def run_simulate(args: argparse.Namespace) -> int:
    from hall_server.simulate import DEFAULT_DAY, SimParams, simulate
    from hall_server.simulate.plan import PlanParams
    from hall_server.simulate.report import render

    if args.halls < 1 or args.windows < 1 or args.visitors < 0 or args.displays < 0:
        print(
            "yimen simulate: --halls 和 --windows 至少为 1，--visitors 和 --displays 不能为负数",
            file=sys.stderr,
        )
        return 2
    if args.database_url and args.halls > 1 and "{hall}" not in args.database_url:
        print(
            "yimen simulate: 多个大厅时 --database-url 必须含 {hall}（每个大厅一个数据库）", file=sys.stderr
        )
        return 2
    plan = PlanParams(
        visitors=args.visitors,
        seed=args.seed,
        no_show_rate=args.no_show_rate,
        patience_minutes=args.patience,
        transfer_rate=args.transfer_rate,
        appointment_share=args.appointment_share,
    )
    sim = SimParams(
        halls=args.halls,
        windows=args.windows,
        displays=args.displays,
        speed=args.speed,
        day=args.date or DEFAULT_DAY,
        database_url=args.database_url,
    )
    result = simulate(sim, plan, log=lambda line: print(line, file=sys.stderr))
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else render(result))
    return 0
