"""`yimen events`: check the event log's hash chain, sign its head."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from hall_server.core.config import get_settings


def register(subcommands: Any) -> None:
    events = subcommands.add_parser("events", help="the event log (全过程留痕): tamper evidence")
    actions = events.add_subparsers(dest="events_command", required=True)
    verify = actions.add_parser(
        "verify",
        help="check the hash chain and signed checkpoints; exit 1 on a changed, removed or inserted row",
    )
    verify.add_argument("--max-findings", type=int, default=100, help="print at most this many findings")
    verify.set_defaults(run=run_verify)
    actions.add_parser("checkpoint", help="sign the chain's head now").set_defaults(run=run_checkpoint)


def _state() -> Any:
    from hall_server.app import build_state

    return build_state(get_settings())


def run_verify(args: argparse.Namespace) -> int:
    from hall_server.events.verify import verify

    state = _state()
    # A reading transaction: on SQLite it does not hold the write lock while it walks a large log.
    report = state.uow.across_halls().read(
        lambda ctx: verify(ctx.session, ctx.keys, max_findings=args.max_findings)
    )
    state.engine.dispose()
    for finding in report.findings:
        print(finding.line(), file=sys.stderr)
    if report.more_findings:
        print(f"……另有 {report.more_findings} 处问题未列出", file=sys.stderr)
    rate = report.events / report.seconds if report.seconds else 0.0
    summary = (
        f"已检查 {report.events} 条事件（至位置 {report.head_pos}，链头 {report.head_hash[:16]}…）、"
        f"{report.checkpoints} 个签名检查点，用时 {report.seconds:.1f} 秒（{rate:.0f} 条/秒）"
    )
    if report.intact:
        print(f"事件链完整：{summary}")
        return 0
    print(f"事件链被篡改：发现 {len(report.findings) + report.more_findings} 处问题；{summary}")
    return 1


def run_checkpoint(_: argparse.Namespace) -> int:
    from hall_server.events.chain import checkpoint

    state = _state()
    made = state.uow.across_halls().run(lambda ctx: checkpoint(ctx, force=True))
    state.engine.dispose()
    if made is None:
        print("自上一个检查点以来没有新事件")
        return 0
    print(f"已签名检查点：位置 {made.chain_pos}，哈希 {made.head_hash}")
    return 0
