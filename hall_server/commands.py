"""`yimen` subcommands of the hall server: server, db, staff, device, demo-data."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from hall_server.cli_errors import CommandFailed, check_port_free
from hall_server.core.config import Settings, get_settings


def register(subcommands: Any) -> None:
    server = subcommands.add_parser("server", help="serve the hall server (REST, WebSocket, dashboard)")
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--port", type=int, default=8000)
    server.add_argument(
        "--workers",
        type=_workers,
        default=1,
        help="server processes sharing the port (PostgreSQL only; the live feed spans them by LISTEN/NOTIFY)",
    )
    server.set_defaults(run=run_server)

    db = subcommands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="migrate the database to the newest schema").set_defaults(
        run=run_upgrade
    )

    staff = subcommands.add_parser("staff", help="staff accounts")
    staff_commands = staff.add_subparsers(dest="staff_command", required=True)
    add = staff_commands.add_parser("add", help="create a staff account")
    add.add_argument("--login", required=True)
    add.add_argument("--name", help="display name (defaults to the login)")
    add.add_argument("--role", required=True, choices=["clerk", "back_office", "manager", "admin"])
    add.add_argument("--password", help="omit to be asked (keeps it out of shell history)")
    bound = add.add_mutually_exclusive_group()
    bound.add_argument("--hall", help="bind the account to this hall (code); omit: a regional account")
    bound.add_argument(
        "--halls",
        help="a regional account covering these halls only (codes, comma-separated: a regional manager); "
        "omit both: a regional account covering every hall",
    )
    add.set_defaults(run=run_staff_add)
    password = staff_commands.add_parser("password", help="set a new password (signs the person out)")
    password.add_argument("--login", required=True)
    password.add_argument("--password")
    password.set_defaults(run=run_staff_password)

    device = subcommands.add_parser("device", help="registered devices")
    device_commands = device.add_subparsers(dest="device_command", required=True)
    device_add = device_commands.add_parser("add", help="register a device and print its token once")
    device_add.add_argument("--kind", required=True, choices=["kiosk", "display", "counter", "evalpad"])
    device_add.add_argument("--name", required=True)
    device_add.set_defaults(run=run_device_add)

    demo = subcommands.add_parser("demo-data", help="load the demo county hall (catalogue, windows, staff)")
    demo.add_argument("--if-empty", action="store_true", help="do nothing if a hall is already configured")
    demo.add_argument(
        "--accounts", type=Path, help="write the demo sign-ins and device tokens to this JSON file"
    )
    demo.set_defaults(run=run_demo)

    from hall_server.sync.commands import register as register_sync

    register_sync(subcommands)

    from hall_server.events.commands import register as register_events

    register_events(subcommands)

    from hall_server.complaints.commands import register as register_complaints

    register_complaints(subcommands)

    from hall_server.workdays.commands import register as register_workdays

    register_workdays(subcommands)

    from hall_server.simulate.commands import register as register_simulate

    register_simulate(subcommands)


def _uow() -> Any:
    from hall_server.app import build_state

    return build_state(get_settings()).uow


def _workers(value: str) -> int:
    try:
        count = int(value)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError("进程数须为正整数")
    return count


SQLITE_ONE_PROCESS = "SQLite 数据库只支持单进程运行（--workers 1）：多个进程需使用 PostgreSQL（YIMEN_DATABASE_URL=postgresql+psycopg://…）"


def run_server(args: argparse.Namespace) -> int:
    import uvicorn

    from hall_server import logs
    from hall_server.app import create_app
    from hall_server.sync.commands import check_target_secrets

    settings = get_settings()
    if args.workers > 1 and settings.database_url.startswith("sqlite"):
        raise CommandFailed(SQLITE_ONE_PROCESS, status=2)
    check_port_free(args.host, args.port)
    warning = connection_budget_warning(settings, args.workers)
    if warning:
        print(warning, file=sys.stderr)
    if settings.sync_in_server:
        check_target_secrets(settings)
    logs.configure(settings.log_level, settings.log_json)
    # proxy_headers off: which proxies to believe is YIMEN_TRUSTED_PROXIES (hall_server.auth.address).
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "log_config": None,
        "ws_ping_interval": 20,
        "proxy_headers": False,
    }
    if args.workers > 1:  # each worker process builds its own app from the environment
        uvicorn.run("hall_server.commands:worker_app", factory=True, workers=args.workers, **options)
    else:
        uvicorn.run(create_app(settings), **options)
    return 0


def connection_budget_warning(settings: Settings, workers: int) -> str | None:
    """On PostgreSQL, a warning when the server's processes may open more connections than the database
    accepts: at a peak, requests would then fail with "too many clients" instead of waiting for a pool."""
    if not settings.database_url.startswith("postgresql"):
        return None
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from hall_server.core.db import connections_per_process

    engine = create_engine(settings.database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            accepted = connection.execute(
                text(
                    "SELECT current_setting('max_connections')::int"
                    " - current_setting('superuser_reserved_connections')::int"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    needed = workers * connections_per_process(settings.db_pool_size, settings.db_max_overflow)
    if needed <= accepted:
        return None
    return (
        f"警告：{workers} 个服务进程高峰时最多需要 {needed} 个数据库连接，"
        f"超过 PostgreSQL 可用的 {accepted} 个（max_connections 减去保留连接）；"
        "请调高 max_connections，或减小 YIMEN_DB_POOL_SIZE / YIMEN_DB_MAX_OVERFLOW，或减少进程数"
    )


def worker_app() -> Any:
    """The app of one `yimen server --workers N` process (uvicorn imports this in each worker)."""
    from hall_server import logs
    from hall_server.app import create_app

    settings = get_settings()
    logs.configure(settings.log_level, settings.log_json)
    return create_app(settings)


def run_upgrade(_: argparse.Namespace) -> int:
    from hall_server.identity.crypto import load_keys
    from hall_server.migrate import upgrade

    settings = get_settings()
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    load_keys(settings.data_key, settings.lookup_key, settings.key_file, create=True)
    _sign_event_chain()
    print("数据库已升级到最新版本")
    return 0


def _sign_event_chain() -> None:
    """Events chained by a migration have no MAC (it had no keys): a checkpoint signed now covers them."""
    from hall_server.events.chain import checkpoint

    _uow().run(lambda ctx: checkpoint(ctx, force=True))


def _password(given: str | None) -> str:
    if given:
        return given
    first = getpass.getpass("密码: ")
    if first != getpass.getpass("再次输入密码: "):
        raise SystemExit("两次输入的密码不一致")
    return first


def run_staff_add(args: argparse.Namespace) -> int:
    from hall_server.auth.service import create_staff
    from hall_server.contract.auth import Role, StaffIn

    staff_in = StaffIn(
        login=args.login,
        name=args.name or args.login,
        role=Role(args.role),
        password=_password(args.password),
    )
    cover = [code.strip() for code in (args.halls or "").split(",") if code.strip()]
    staff = _run(lambda ctx: create_staff(ctx, staff_in, hall_code=args.hall, cover=cover))
    where = f"，{args.hall} 大厅" if args.hall else (f"，管辖 {'、'.join(cover)}" if cover else "")
    print(f"已创建工作人员 {staff.login}（{args.role}{where}）")
    return 0


def run_staff_password(args: argparse.Namespace) -> int:
    from hall_server.auth.service import set_password

    _run(lambda ctx: set_password(ctx, args.login, _password(args.password)))
    print(f"已为 {args.login} 设置新密码")
    return 0


def run_device_add(args: argparse.Namespace) -> int:
    from hall_server.auth.service import register_device
    from hall_server.contract.auth import DeviceIn, DeviceKind

    _, token = _run(lambda ctx: register_device(ctx, DeviceIn(kind=DeviceKind(args.kind), name=args.name)))
    print(token)
    return 0


def run_demo(args: argparse.Namespace) -> int:
    from hall_server.demo.load import load_demo

    accounts = _run(lambda ctx: load_demo(ctx, if_empty=args.if_empty))
    if accounts is None:
        print("大厅已配置，未导入演示数据")
        return 0
    if args.accounts:
        args.accounts.write_text(json.dumps(accounts, ensure_ascii=False, indent=2), encoding="utf-8")
    print("已导入演示大厅")
    return 0


def _run(work: Any) -> Any:
    return _uow().run(work)  # a DomainError becomes one line and status 2 in hall_server.cli_errors
