"""`yimen kiosk`: start the self-service kiosk window (PySide6). With no device URLs it opens sim://
devices, so it runs on any PC; the token may come from YIMEN_KIOSK_TOKEN or a file instead of the
command line (where other users of the machine could read it)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from typing import Any

from kiosk.config import KioskConfig, Language, Orientation


def register(subcommands: Any) -> None:
    parser = subcommands.add_parser(
        "kiosk", help="自助服务终端（取号、预约签到、办事指南）", description="启动自助服务终端窗口"
    )
    parser.add_argument("--server", default="http://127.0.0.1:8000", help="大厅服务器地址")
    parser.add_argument("--token", default=os.environ.get("YIMEN_KIOSK_TOKEN"), help="本终端的设备令牌")
    parser.add_argument("--token-file", type=Path, help="从文件读取设备令牌")
    parser.add_argument("--idcard", default="sim://idcard", help="身份证阅读器地址")
    parser.add_argument("--printer", default="sim://printer", help="票据打印机地址")
    parser.add_argument("--camera", default="sim://camera", help="摄像头地址（扫描预约二维码）")
    parser.add_argument("--voice", default="sim://voice?engine=espeak", help="语音（长者模式朗读）")
    parser.add_argument("--voice-always", action="store_true", help="标准模式也朗读每一步（默认仅长者模式）")
    parser.add_argument("--sound-device", default="", help="声音输出设备（aplay -D，如 null）")
    parser.add_argument("--place", default="自助服务区", help="终端所在位置（求助、设备状态中显示）")
    parser.add_argument("--fullscreen", action="store_true", help="全屏")
    parser.add_argument("--elder", action="store_true", help="以长者模式启动")
    parser.add_argument("--landscape", action="store_true", help="横屏 1920×1080（默认竖屏 1080×1920）")
    parser.add_argument("--english", action="store_true", help="以英文界面启动")
    parser.add_argument("--idle", type=float, default=60.0, help="无操作多少秒后返回首页并清除个人信息")
    parser.add_argument(
        "--screenshot",
        type=Path,
        help="安装检查：服务器应答后把首页截图保存为 PNG 并退出（成功退出码 0，连不上服务器为 2）",
    )
    parser.add_argument(
        "--exit-after",
        type=float,
        metavar="SECONDS",
        help="运行若干秒后退出（服务器应答过为 0，否则为 2）；与 --screenshot 同用时为最长等待时间",
    )
    parser.set_defaults(run=run_kiosk)


def config_from(args: argparse.Namespace) -> KioskConfig:
    token = args.token
    if args.token_file is not None:
        token = args.token_file.read_text(encoding="utf-8").strip()
    if not token:
        raise SystemExit("yimen kiosk: 需要设备令牌：--token、--token-file 或环境变量 YIMEN_KIOSK_TOKEN")
    return KioskConfig(
        server=args.server,
        token=token,
        idcard=args.idcard,
        printer=args.printer,
        camera=args.camera,
        voice=args.voice,
        voice_always=args.voice_always,
        sound_device=args.sound_device,
        place=args.place,
        fullscreen=args.fullscreen,
        elder=args.elder,
        language=Language.EN if args.english else Language.ZH,
        orientation=Orientation.LANDSCAPE if args.landscape else Orientation.PORTRAIT,
        idle_seconds=args.idle,
    )


def run_kiosk(args: argparse.Namespace) -> int:
    config = config_from(args)
    refused = token_refused(config)
    if refused:
        print(f"yimen kiosk: {refused}", file=sys.stderr)
        return 2
    from PySide6.QtWidgets import QApplication

    from kiosk.views.app import application_font, build_kiosk
    from kiosk.views.collector import UiThreadCollector

    app = QApplication(sys.argv[:1])
    app.setFont(application_font())
    UiThreadCollector(app)  # no Qt object freed by a worker thread's garbage collection
    window, controller = build_kiosk(config)
    if config.fullscreen:
        window.showFullScreen()
    else:
        window.show()
    controller.start()
    stop_on_signals(app)
    check = None
    if args.screenshot is not None or args.exit_after is not None:
        from kiosk.views.app import InstallCheck

        check = InstallCheck(
            window,
            args.screenshot,
            args.exit_after or SCREENSHOT_WAIT_SECONDS,
            ready=lambda: controller.online and bool(controller.hall_name),
            server=config.server,
        )
    try:
        status = app.exec()
    finally:
        controller.stop()
    if check is not None and check.failure:
        print(f"yimen kiosk: {check.failure}", file=sys.stderr)
    return status


SCREENSHOT_WAIT_SECONDS = 20.0


def stop_on_signals(app: Any) -> None:
    """SIGTERM (the PC shutting down at closing time, systemd stopping the service) and Ctrl-C end the event
    loop, so the kiosk stops in order: its last health report says it is switching off (no 设备失联 alarm
    overnight). Qt's loop runs no Python code while idle, so a timer lets the handler run."""
    from PySide6.QtCore import QTimer

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: app.quit())
    heartbeat = QTimer(app)
    heartbeat.timeout.connect(lambda: None)
    heartbeat.start(250)


def token_refused(config: KioskConfig) -> str:
    """Ask the hall server who this token is, before any window: a refused token is a setup error to say
    at once (exit 2). An unreachable server is not: the kiosk starts with its offline banner."""
    from hall_server.client import token_refusal

    return token_refusal(config.server, config.token)
