"""`yimen platform serve`: the reference receiver of hall-sync/1, for development and tests."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import Any

from hall_server.cli_errors import check_port_free
from hall_server.platform.config import (
    ADMIN_TOKEN_ENV,
    APPS_ENV,
    DEFAULT_DATABASE_URL,
    PROTECT_KEYS_ENV,
    PlatformSettings,
    load_apps,
    load_protect_keys,
    load_zone,
)
from hall_server.platform.faults import FaultPlan, parse_fault

log = logging.getLogger("yimen.platform")


def register(subcommands: Any) -> None:
    platform = subcommands.add_parser(
        "platform", help="the provincial platform's side of hall-sync/1 (dev, tests)"
    )
    platform_commands = platform.add_subparsers(dest="platform_command", required=True)
    serve = platform_commands.add_parser(
        "serve",
        help="run the reference receiver",
        description=f"Secrets: --app, --apps-file or {APPS_ENV} (JSON {{app_id: secret}}); "
        f"SM4 keys: --protect-key or {PROTECT_KEYS_ENV} (JSON {{kid: hex}}); "
        f"admin token: --admin-token or {ADMIN_TOKEN_ENV}.",
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8900)
    serve.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    serve.add_argument("--app", action="append", default=[], metavar="APP_ID:SECRET", help="repeatable")
    serve.add_argument("--apps-file", type=Path, help="JSON file {app_id: secret}")
    serve.add_argument("--protect-key", action="append", default=[], metavar="KID:HEX", help="repeatable")
    serve.add_argument("--tz", default="Asia/Shanghai", help="zone of the local day used by day summaries")
    serve.add_argument(
        "--allow-mid-stream", action="store_true", help="accept an aggregate's first event at any seq"
    )
    serve.add_argument("--admin-token", help="enables POST/GET /_admin/faults with this bearer token")
    serve.add_argument(
        "--fault",
        action="append",
        default=[],
        type=parse_fault,
        metavar="SPEC",
        help="down | slow=SECONDS | timeout=SECONDS | error_rate=P | drop_rate=P | drop_after_store_rate=P",
    )
    serve.add_argument("--fault-seed", type=int, help="seed of the fault dice (reproducible tests)")
    serve.add_argument("--log-level", default="INFO")
    serve.set_defaults(run=run_serve)


def settings_from_args(args: argparse.Namespace) -> PlatformSettings:
    return PlatformSettings(
        apps=load_apps(args.app, args.apps_file),
        database_url=args.database_url,
        protect_keys=load_protect_keys(args.protect_key),
        tz=load_zone(args.tz),
        allow_mid_stream=args.allow_mid_stream,
        admin_token=args.admin_token or os.environ.get(ADMIN_TOKEN_ENV) or None,
        faults=FaultPlan(faults=args.fault, seed=args.fault_seed),
    )


def run_serve(args: argparse.Namespace) -> int:
    from hall_server import logs
    from hall_server.platform.app import build_server

    settings = settings_from_args(args)  # ConfigError: one line, status 2 (hall_server.cli_errors)
    check_port_free(args.host, args.port)
    logs.configure(args.log_level.upper(), as_json=True)
    server = build_server(settings, args.host, args.port, log_level=args.log_level.lower())
    log.info(
        "platform starting",
        extra={
            "host": args.host,
            "port": args.port,
            "apps": sorted(settings.apps),
            "protect_kids": sorted(settings.protect_keys),
            "tz": args.tz,
            "allow_mid_stream": settings.allow_mid_stream,
            "admin": settings.admin_token is not None,
            "faults": settings.faults.model_dump(mode="json"),
        },
    )
    server.run()
    return 0
