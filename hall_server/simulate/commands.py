"""`yimen simulate`: registered by hall_server.commands."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

HELP = """Simulate a hall day through the real API: visitors arrive by hour (peaks at 9-10 and 14-15) per
category, a kiosk issues their tickets, appointments are booked and checked in, clerks call, serve,
transfer and mark no-shows at their windows, display screens follow /ws. One server on 127.0.0.1 (K worker
processes on PostgreSQL) and one database hold every hall (341122-ZWFW-01 … NN), on a clock the simulator
moves: a day takes minutes. Reports per hall and overall: waits, throughput, API and call-to-display
latency, and the mean absolute error of the wait estimates given at issue against the waits the simulated
visitors actually had."""


def register(subcommands: Any) -> None:
    sim = subcommands.add_parser(
        "simulate",
        help="simulate a hall day through the real API (waits, latency, estimate error)",
        description=HELP,
    )
    sim.add_argument("--halls", type=int, default=1, help="N halls in the one server and database")
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
        "--db",
        "--database-url",
        dest="database_url",
        help="a new, empty database for every hall (postgresql://… or sqlite:///…) instead of a "
        "temporary SQLite file",
    )
    sim.add_argument(
        "--workers", type=int, default=1, help="K server processes (PostgreSQL only; SQLite is one process)"
    )
    sim.add_argument("--json", action="store_true", help="print the report as JSON")
    sim.set_defaults(run=run_simulate)


def run_simulate(args: argparse.Namespace) -> int:
    from hall_server.simulate import DEFAULT_DAY, SimParams, simulate
    from hall_server.simulate.plan import PlanParams
    from hall_server.simulate.report import render

    if args.halls < 1 or args.windows < 1 or args.workers < 1 or args.visitors < 0 or args.displays < 0:
        print(
            "yimen simulate: --halls、--windows 和 --workers 至少为 1，--visitors 和 --displays 不能为负数",
            file=sys.stderr,
        )
        return 2
    if args.halls > 99:
        print("yimen simulate: --halls 至多为 99（大厅编码 341122-ZWFW-01 至 99）", file=sys.stderr)
        return 2
    if args.database_url and "{hall}" in args.database_url:
        print("yimen simulate: 所有大厅共用一个数据库，--db 不再含 {hall}", file=sys.stderr)
        return 2
    if args.workers > 1 and not (args.database_url or "").startswith(("postgresql", "postgres:")):
        print(
            "yimen simulate: SQLite 只支持单进程运行，--workers 大于 1 需用 PostgreSQL（--db postgresql://…）",
            file=sys.stderr,
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
        workers=args.workers,
    )
    result = simulate(sim, plan, log=lambda line: print(line, file=sys.stderr))
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else render(result))
    return 0
