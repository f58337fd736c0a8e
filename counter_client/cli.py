"""`yimen counter`: start the counter app (窗口终端) a clerk calls and serves with. With no device URLs it
opens sim:// devices (LED screen, evaluation pad, ID card reader), so it runs on any PC."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from counter_client.config import CounterConfig

SCREENSHOT_WAIT_SECONDS = 20.0
SIM_PAD = "sim://evalpad?proto=json&press=satisfied&delay=3"  # a visitor who rates 满意 after 3 s


def register(subcommands: Any) -> None:
    parser = subcommands.add_parser(
        "counter", help="窗口终端（叫号、办理、转移、挂起、评价）", description="启动窗口工作人员的窗口终端"
    )
    parser.add_argument("--server", default="http://127.0.0.1:8000", help="大厅服务器地址")
    parser.add_argument("--window", type=int, help="本机所在窗口号（不填则登录后选择）")
    parser.add_argument("--login", default="", help="预先填好的登录名")
    parser.add_argument("--ledscreen", default="sim://ledscreen", help="窗口屏地址（空字符串表示没有）")
    parser.add_argument("--evalpad", default=SIM_PAD, help="评价器地址（空表示没有）")
    parser.add_argument("--idcard", default="sim://idcard", help="身份证阅读器地址（空表示没有）")
    parser.add_argument(
        "--printer",
        default=os.environ.get("YIMEN_COUNTER_PRINTER", "sim://printer"),
        help="回执打印机地址（空表示没有；环境变量 YIMEN_COUNTER_PRINTER）",
    )
    parser.add_argument(
        "--camera",
        default=os.environ.get("YIMEN_COUNTER_CAMERA", ""),
        help="材料拍照用的摄像头地址（如 file:///dev/video0；空表示没有；环境变量 YIMEN_COUNTER_CAMERA）",
    )
    parser.add_argument(
        "--public-base-url",
        default=os.environ.get("YIMEN_PUBLIC_BASE_URL", ""),
        help="回执二维码的网址前缀（环境变量 YIMEN_PUBLIC_BASE_URL；空则取号票的跟踪网址）",
    )
    parser.add_argument("--rating-seconds", type=float, default=60.0, help="评价器等待评价的秒数")
    parser.add_argument("--fullscreen", action="store_true", help="全屏")
    parser.add_argument(
        "--screenshot", type=Path, help="安装检查：服务器应答后把登录页截图保存为 PNG 并退出（连不上为 2）"
    )
    parser.add_argument(
        "--exit-after", type=float, metavar="SECONDS", help="与 --screenshot 同用：最长等待服务器应答的秒数"
    )
    parser.set_defaults(run=run_counter)


def config_from(args: argparse.Namespace) -> CounterConfig:
    if args.window is not None and not 1 <= args.window <= 999:
        raise SystemExit("yimen counter: 窗口号应为 1-999")
    if args.rating_seconds <= 0:
        raise SystemExit("yimen counter: --rating-seconds 应大于 0")
    return CounterConfig(
        server=args.server,
        window=args.window,
        ledscreen=args.ledscreen,
        evalpad=args.evalpad,
        idcard=args.idcard,
        printer=args.printer,
        camera=args.camera,
        public_base_url=args.public_base_url,
        login=args.login,
        rating_seconds=args.rating_seconds,
        fullscreen=args.fullscreen,
    )


def run_counter(args: argparse.Namespace) -> int:
    config = config_from(args)
    from PySide6.QtWidgets import QApplication

    from counter_client.views.app import build_counter
    from kiosk.views.app import InstallCheck, application_font
    from kiosk.views.collector import UiThreadCollector

    app = QApplication(sys.argv[:1])
    app.setFont(application_font())
    UiThreadCollector(app)  # no Qt object freed by a worker thread's garbage collection
    window, controller = build_counter(config)
    if config.fullscreen:
        window.showFullScreen()
    else:
        window.show()
    controller.start()
    check = None
    if args.screenshot is not None:
        wait = args.exit_after or SCREENSHOT_WAIT_SECONDS
        check = InstallCheck(
            window, args.screenshot, wait, ready=lambda: controller.online, server=config.server
        )
    try:
        status = app.exec()
    finally:
        controller.stop()
    if check is not None and check.failure:
        print(f"yimen counter: {check.failure}", file=sys.stderr)
    return status
