"""The `yimen` command. Each app adds its own subcommands through the `yimen.commands` entry point group,
so this module imports none of them (the hall server never imports the device layer or the GUIs)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yimen", description="Yimen (一门) government service hall")
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for entry in sorted(entry_points(group="yimen.commands"), key=lambda e: e.name):
        try:
            register = entry.load()
        except ImportError as exc:
            # An app whose extra is not installed here (e.g. no pyserial on a server-only machine).
            print(f"yimen: {entry.name} commands unavailable: {exc}", file=sys.stderr)
            continue
        register(subcommands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    status: int | None = args.run(args)
    return status or 0


if __name__ == "__main__":
    sys.exit(main())
