"""`yimen sync`: run the delivery worker as its own process, and look after it."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import date, timedelta
from typing import Any

from hall_server.cli_errors import USAGE, CommandFailed
from hall_server.core.config import get_settings


def register(subcommands: Any) -> None:
    sync = subcommands.add_parser(
        "sync", help="deliver events to the online platform (default: run the worker)"
    )
    sync.set_defaults(run=run_worker)
    actions = sync.add_subparsers(dest="sync_command", required=False)
    actions.add_parser("run", help="run the delivery worker until stopped").set_defaults(run=run_worker)
    actions.add_parser("status", help="backlog, lag and dead letters per target").set_defaults(run=run_status)
    dead = actions.add_parser("dead", help="list the events a target refused, with the reason")
    dead.add_argument("--target")
    dead.set_defaults(run=run_dead)
    replay = actions.add_parser("replay", help="send dead letters (or given events) again")
    replay.add_argument("--event", action="append", default=[], help="an event id; repeatable")
    replay.add_argument("--all-dead", action="store_true")
    replay.add_argument("--target")
    replay.set_defaults(run=run_replay)
    reconcile = actions.add_parser("reconcile", help="compare a day with the target and re-queue any gap")
    reconcile.add_argument("--day", type=date.fromisoformat, help="local date (default: yesterday)")
    reconcile.set_defaults(run=run_reconcile)
    backfill = actions.add_parser("backfill", help="queue past events for a target added later")
    backfill.add_argument("--target", required=True)
    backfill.set_defaults(run=run_backfill)


def _state() -> Any:
    from hall_server.app import build_state

    settings = get_settings().model_copy(update={"sync_in_server": True})
    return build_state(settings)


def check_target_secrets(settings: Any) -> None:
    """Read every target's secret now: a missing one would otherwise surface as a traceback from the
    worker's start (inside the server's startup, or in the middle of a reconciliation)."""
    for target in settings.targets():
        if target.secret_env or target.secret_file:
            try:
                target.secret()
            except ValueError as exc:
                raise CommandFailed(f"同步目标的密钥不可用：{exc}", status=USAGE) from exc
            except OSError as exc:
                raise CommandFailed(f"同步目标 {target.name} 的密钥文件无法读取：{exc}") from exc


def run_worker(_: argparse.Namespace) -> int:
    from hall_server import logs
    from hall_server.sync.worker import DeliveryWorker

    settings = get_settings()
    logs.configure(settings.log_level, settings.log_json)
    check_target_secrets(settings)
    state = _state()
    if not state.uow.targets:
        print("yimen sync: 没有配置同步目标（YIMEN_SYNC_TARGETS），无事可做", file=sys.stderr)
        return 2
    worker = DeliveryWorker(state.uow)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    worker.start()  # sender threads look again every sync_idle_seconds for events other processes wrote
    stop.wait()
    worker.stop()
    return 0


def run_status(_: argparse.Namespace) -> int:
    from hall_server.sync import service

    state = _state()
    for target in state.uow.across_halls().run(lambda ctx: service.status(ctx, ctx.targets)):
        print(
            f"{target.target:<12} 待送达 {target.backlog:>7}  今日已送达 {target.delivered_today:>8}"
            f"  拒收 {target.dead:>5}  最久未送达 {target.lag_seconds:,.0f} 秒"
        )
    return 0


def run_dead(args: argparse.Namespace) -> int:
    from hall_server.sync import service

    state = _state()
    rows = state.uow.across_halls().run(
        lambda ctx: [
            (d.target, d.event_id, d.event_type, d.aggregate_key, d.attempts, d.last_error)
            for d in service.dead_letters(ctx, args.target)
        ]
    )
    for target, event_id, event_type, aggregate, attempts, error in rows:
        print(f"{target}\t{event_id}\t{event_type}\t{aggregate}\t{attempts}\t{error}")
    print(f"共 {len(rows)} 条拒收事件")
    return 0


def run_replay(args: argparse.Namespace) -> int:
    from hall_server.sync import service

    if not args.event and not args.all_dead:
        print("yimen sync: 请给出 --event ID 或 --all-dead", file=sys.stderr)
        return 2
    state = _state()
    count = state.uow.across_halls().run(
        lambda ctx: service.replay(ctx, event_ids=args.event, target=args.target, all_dead=args.all_dead)
    )
    print(f"已重新排队 {count} 条事件")
    return 0


def run_reconcile(args: argparse.Namespace) -> int:
    from hall_server.sync.reconcile import reconcile
    from hall_server.sync.targets import build_target

    check_target_secrets(get_settings())
    state = _state()
    day = args.day or state.clock.today() - timedelta(days=1)
    for config in state.uow.targets:
        target = build_target(config)
        try:
            report = state.uow.across_halls().run(lambda ctx, t=target: reconcile(ctx, t, day))
        finally:
            target.close()
        verdict = "一致" if report.matched else f"不一致，已重新排队 {len(report.requeued)} 条"
        print(
            f"{report.target} {report.day}: 本地 {report.local_count} 条，"
            f"平台 {report.remote_count} 条，{verdict}"
        )
        for event_id in report.unknown_remote:
            print(f"  平台有而本地未送达: {event_id}")
    return 0


def run_backfill(args: argparse.Namespace) -> int:
    from hall_server.sync import service

    state = _state()
    config = next((t for t in state.uow.targets if t.name == args.target), None)
    if config is None:
        print(f"yimen sync: 没有名为 {args.target} 的同步目标", file=sys.stderr)
        return 2
    count = state.uow.across_halls().run(lambda ctx: service.backfill(ctx, config))
    print(f"已为 {args.target} 补充 {count} 条待送达事件")
    return 0
