"""`yimen devices`: the device kinds and serial ports of this machine, a technician's self-test, and
simulators run standalone.

    yimen devices list
    yimen devices selftest sim://idcard?card=resident_male
    yimen devices selftest serial:///dev/ttyUSB0 --kind idcard
    yimen devices sim idcard --option card=hmt_permit --option cycle=5

Every kind's self-test follows one rule for its exit status (SELFTEST_EXIT_STATUS, also in `--help`):
0 the device answered and reports itself ready, 1 it answered with a fault, 2 the command was used wrongly,
3 it did not answer. A feature the device does not have (an optional command) is reported, not failed.

Everything goes through devices.registry, so a device kind appears here as soon as its plugin module
exists; a kind whose plugin is not installed gets a plain error. More actions (the printer test page)
are added by appending their `add_*` function to ACTIONS.
"""

from __future__ import annotations

import argparse
import importlib.util
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

from serial.tools import list_ports

from devices import registry
from devices.errors import DeviceError, DeviceFault, DeviceTimeout, DeviceUnavailable
from devices.transport import DeviceUrlError, parse_device_url

READY, FAULT, USAGE, NO_ANSWER = 0, 1, 2, 3
SELFTEST_EXIT_STATUS = (
    "退出码（所有设备类型相同）：0 设备有应答且报告就绪（无证件、纸卷将尽、缺少可选功能仍为就绪）；"
    "1 设备有应答但报告故障（缺纸、纸仓盖打开、脱机、安全模块自检失败、模组故障、应答内容错误）；"
    "2 用法错误（地址、选项或设备类型不对，驱动未安装）；"
    "3 设备无应答（端口无法打开、超时、连接中断）"
)
READY_LINE = "自检结论：设备就绪"


class CliError(Exception):
    """A mistake in how the command was called, or a kind that cannot be used here: exit status 2."""


def register(subcommands: Any) -> None:
    parser = subcommands.add_parser(
        "devices", help="设备：列出、自检、运行模拟器", description="设备：列出、自检、运行模拟器"
    )
    actions = parser.add_subparsers(dest="devices_action", required=True, metavar="ACTION")
    for add_action in ACTIONS:
        add_action(actions)


def add_list(actions: Any) -> None:
    parser = actions.add_parser("list", help="列出设备类型和本机串口")
    parser.set_defaults(run=run_list)


def add_selftest(actions: Any) -> None:
    parser = actions.add_parser(
        "selftest",
        help="自检一台设备，打印设备报告的全部信息",
        description="自检一台设备，打印设备报告的全部信息。" + SELFTEST_EXIT_STATUS,
    )
    parser.add_argument("url", help="设备地址，如 serial:///dev/ttyUSB0 或 sim://idcard?card=resident_male")
    parser.add_argument("--kind", help="设备类型（sim:// 地址可省略）: " + ", ".join(registry.KINDS))
    parser.set_defaults(run=run_selftest)


def add_sim(actions: Any) -> None:
    parser = actions.add_parser("sim", help="单独运行一个设备模拟器，直到按 Ctrl-C")
    parser.add_argument("kind", help="设备类型: " + ", ".join(registry.KINDS))
    parser.add_argument(
        "--option", "-o", action="append", default=[], metavar="KEY=VALUE", help="模拟器选项，可重复"
    )
    parser.set_defaults(run=run_sim)


def add_testpage(actions: Any) -> None:
    parser = actions.add_parser("testpage", help="打印机测试页（检查中文编码、二维码和切纸）")
    parser.add_argument("url", help="打印机地址，如 serial:///dev/ttyUSB0 或 sim://printer")
    parser.set_defaults(run=run_testpage)


ACTIONS: list[Callable[[Any], None]] = [add_list, add_selftest, add_sim, add_testpage]


def _reported(action: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn our errors into one readable line and an exit status instead of a traceback."""

    def run(args: argparse.Namespace) -> int:
        try:
            return action(args)
        except (CliError, DeviceUrlError) as exc:
            print(f"yimen devices: {exc}", file=sys.stderr)
            return USAGE
        except registry.UnknownDeviceKind as exc:
            print(f"yimen devices: {exc.args[0]}", file=sys.stderr)
            return USAGE
        except DeviceError as exc:
            print(
                f"错误: {exc.message}（{exc.code}{'; ' + exc.detail if exc.detail else ''}）", file=sys.stderr
            )
            return device_error_status(exc)

    return run


def device_error_status(error: DeviceError) -> int:
    """A fault the device reported is 1, silence or a lost line 3; any other device error (a garbled
    answer, a card the reader rejects) is the device answering wrongly, 1."""
    if isinstance(error, DeviceFault):
        return FAULT
    if isinstance(error, (DeviceUnavailable, DeviceTimeout)):
        return NO_ANSWER
    return FAULT


@_reported
def run_list(args: argparse.Namespace) -> int:
    print("设备类型:")
    for kind in registry.KINDS.values():
        state = "可用" if _plugin_present(kind) else "驱动未安装"
        print(f"  {kind.name:<10} {kind.title}  [{state}]")
    print("串口:")
    ports = sorted(list_ports.comports(), key=lambda port: port.device)
    if not ports:
        print("  （未发现串口）")
    for port in ports:
        print(f"  {port.device:<16} {port.description}  {port.hwid}")
    return 0


@_reported
def run_selftest(args: argparse.Namespace) -> int:
    url = parse_device_url(args.url)
    implied = url.target if url.scheme == "sim" else None
    if args.kind and implied and args.kind != implied:
        raise CliError(f"--kind {args.kind} 与地址中的模拟器类型 {implied} 不一致")
    kind = args.kind or implied
    if kind is None:
        raise CliError("请用 --kind 指明设备类型（例如 --kind idcard）；只有 sim:// 地址自带类型")
    _load_plugin(kind)
    for line in registry.selftest(kind, args.url):
        print(line, flush=True)
    print(READY_LINE, flush=True)
    return READY


@_reported
def run_sim(args: argparse.Namespace) -> int:
    options = dict(_option(text) for text in args.option)
    kind = registry.kind_named(args.kind)
    _load_plugin(kind.name)
    running = registry.start_simulator(kind.name, options)
    endpoint = running.endpoint if "://" in running.endpoint else f"serial://{running.endpoint}"
    print(endpoint, flush=True)
    print(f"{kind.title} 模拟器运行中：用上面的地址连接，按 Ctrl-C 停止", file=sys.stderr, flush=True)
    stopping = threading.Event()
    # Handlers of our own, not KeyboardInterrupt: a shell that starts us in the background sets SIGINT to
    # "ignored", Python then installs no KeyboardInterrupt, and Ctrl-C or `kill` would never stop us.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    try:
        while running.thread.is_alive() and not stopping.wait(0.5):
            pass
    finally:
        running.stop()
    print("模拟器已停止", file=sys.stderr)
    return 0


@_reported
def run_testpage(args: argparse.Namespace) -> int:
    url = parse_device_url(args.url)
    if url.scheme == "sim" and url.target != "printer":
        raise CliError(f"测试页只能发给打印机，{url.target} 不是打印机")
    _load_plugin("printer")
    plugin = registry.kind_named("printer").plugin()
    lines: list[str] = plugin.print_test_page(url)
    for line in lines:
        print(line, flush=True)
    return 0 if not any("未打印" in line for line in lines) else 1


def _option(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise CliError(f"选项 {text!r} 应写成 KEY=VALUE")
    return key, value


def _load_plugin(kind_name: str) -> None:
    kind = registry.kind_named(kind_name)
    try:
        kind.plugin()
    except ModuleNotFoundError as exc:
        if exc.name and f"{kind.module}.".startswith(f"{exc.name}."):
            raise CliError(
                f"设备类型 {kind.name}（{kind.title}）的驱动尚未安装：没有模块 {kind.module}"
            ) from exc
        raise CliError(f"设备类型 {kind.name} 缺少依赖模块 {exc.name}：请安装 yimen[devices]") from exc


def _plugin_present(kind: registry.DeviceKind) -> bool:
    try:
        return importlib.util.find_spec(kind.module) is not None
    except ModuleNotFoundError:
        return False
