"""The `yimen` command. Each app adds its own subcommands through the `yimen.commands` entry point group,
so this module imports none of them (the hall server never imports the device layer or the GUIs)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points
from typing import Any

from hall_server.cli_errors import explain


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yimen", description="Yimen (一门) government service hall")
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for entry in sorted(entry_points(group="yimen.commands"), key=lambda e: e.name):
        try:
            register = entry.load()
        except ModuleNotFoundError as exc:
            _add_unavailable(subcommands, entry.name, exc)
            continue
        register(subcommands)
    return parser


def _add_unavailable(subcommands: Any, name: str, exc: ModuleNotFoundError) -> None:
    """A group whose modules are not installed here (the server's on a kiosk) says so when it is used,
    instead of breaking every other command."""
    reason = f"命令组 {name} 在本机不可用：缺少模块 {exc.name}"
    parser = subcommands.add_parser(name, help=reason, add_help=False)
    parser.add_argument("rest", nargs=argparse.REMAINDER)

    def run(args: argparse.Namespace) -> int:
        print(f"yimen: {reason}", file=sys.stderr)
        return 2

    parser.set_defaults(run=run)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Its expected failures (hall_server.cli_errors) end as one line on stderr and a
    non-zero status; an exception not listed there is a bug and keeps its traceback."""
    args = build_parser().parse_args(argv)
    try:
        status: int | None = args.run(args)
    except (Exception, KeyboardInterrupt) as error:
        failure = explain(error)
        if failure is None:
            raise
        print(f"yimen {args.command}: {failure.message}", file=sys.stderr)
        return failure.status
    return status or 0


if __name__ == "__main__":
    sys.exit(main())
