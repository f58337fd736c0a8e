"""`yimen display`: the hall display service on the big-screen PC. It follows the hall server, serves the
big-screen page on http://127.0.0.1:PORT/ for Chromium in kiosk mode, and speaks every call. Every option
may also come from an environment variable YIMEN_DISPLAY_<OPTION> (e.g. YIMEN_DISPLAY_TOKEN), so the token
need not be on the command line where other users of the machine could read it."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from display.config import DisplayConfig


def env(name: str, default: str = "") -> str:
    return os.environ.get(f"YIMEN_DISPLAY_{name}", default)


def register(subcommands: Any) -> None:
    parser = subcommands.add_parser(
        "display", help="叫号大屏服务（大屏页面、语音叫号）", description="启动叫号大屏服务"
    )
    parser.add_argument("--server", default=env("SERVER", "http://127.0.0.1:8000"), help="大厅服务器地址")
    parser.add_argument("--token", default=env("TOKEN"), help="本大屏的设备令牌（设备类型 display）")
    parser.add_argument(
        "--token-file", type=Path, default=env("TOKEN_FILE") or None, help="从文件读取设备令牌"
    )
    parser.add_argument("--profile", default=env("PROFILE", "hall"), help="显示配置名（hall 为全厅）")
    parser.add_argument("--host", default=env("HOST", "127.0.0.1"), help="页面监听地址（默认仅本机）")
    parser.add_argument("--port", type=int, default=int(env("PORT", "8300")), help="页面端口")
    parser.add_argument(
        "--voice", default=env("VOICE", "sim://voice?engine=clips"), help="语音（空为不朗读）"
    )
    parser.add_argument(
        "--voice-repeat", type=int, default=int(env("VOICE_REPEAT", "2")), help="每次叫号朗读遍数"
    )
    parser.add_argument("--volume", type=int, default=int(env("VOLUME", "100")), help="音量 0–100")
    parser.add_argument("--quiet-hours", default=env("QUIET_HOURS"), help="静音时段，如 22:00-07:00")
    parser.add_argument(
        "--sound-device",
        default=env("SOUND_DEVICE"),
        help="声音输出设备（aplay -D，如 null；record 为仅记录）",
    )
    parser.set_defaults(run=run_display)


def config_from(args: argparse.Namespace) -> DisplayConfig:
    token = args.token
    if args.token_file is not None:
        token = Path(args.token_file).read_text(encoding="utf-8").strip()
    if not token:
        raise SystemExit("yimen display: 需要设备令牌：--token、--token-file 或环境变量 YIMEN_DISPLAY_TOKEN")
    try:
        return DisplayConfig(
            server=args.server,
            token=token,
            profile=args.profile,
            host=args.host,
            port=args.port,
            voice=args.voice,
            voice_repeat=args.voice_repeat,
            volume=args.volume,
            quiet_hours=args.quiet_hours,
            sound_device=args.sound_device,
        )
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise SystemExit(f"yimen display: 参数有误：{problems}") from None


def run_display(args: argparse.Namespace) -> int:
    config = config_from(args)
    refused = token_refused(config)
    if refused:
        print(f"yimen display: {refused}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    from display.service import serve

    try:
        return serve(config)
    except KeyboardInterrupt:
        return 0
    except (OSError, ValueError) as exc:  # the port is taken; a voice URL that is not one
        print(f"yimen display: {exc}", file=sys.stderr)
        return 2


def token_refused(config: DisplayConfig) -> str:
    """A refused token is a setup error to say at once (exit 2). An unreachable server is not: the service
    starts, the page says it is reconnecting, and it catches up when the server answers."""
    from hall_server.client import token_refusal

    return token_refusal(config.server, config.token)
