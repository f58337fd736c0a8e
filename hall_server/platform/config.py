"""What one receiver runs with: database, the apps allowed to send and their secrets, the SM4 keys of
`protected` blocks, the local time zone, and the faults to start with.

Secrets come from the command line, the environment or a file named on the command line; never from the
repository.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hall_server.platform.faults import FaultPlan

APPS_ENV = "YIMEN_PLATFORM_APPS"
PROTECT_KEYS_ENV = "YIMEN_PLATFORM_PROTECT_KEYS"
ADMIN_TOKEN_ENV = "YIMEN_PLATFORM_ADMIN_TOKEN"  # noqa: S105 (a variable name)
DEFAULT_DATABASE_URL = "sqlite:///var/platform.db"


class ConfigError(ValueError):
    """A setting that cannot be used; the message is Chinese, for the operator."""


@dataclass(frozen=True)
class PlatformSettings:
    apps: Mapping[str, bytes]
    database_url: str = DEFAULT_DATABASE_URL
    protect_keys: Mapping[str, bytes] = field(default_factory=dict)
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    allow_mid_stream: bool = False
    admin_token: str | None = None
    faults: FaultPlan = field(default_factory=FaultPlan)
    # PROJID = prefix + local date (yyyyMMdd) + 8-digit sequence; letters in the prefix keep the digits
    # from ever reading as an ID card or mobile number
    case_no_prefix: str = "370000SB"


def parse_apps(pairs: Iterable[str]) -> dict[str, bytes]:
    """`APP_ID:SECRET` pairs; the secret is everything after the first colon, used as UTF-8 bytes."""
    apps: dict[str, bytes] = {}
    for number, pair in enumerate(pairs, start=1):
        app_id, sep, secret = pair.partition(":")
        if not sep or not app_id or not secret:
            raise ConfigError(f"第 {number} 个应用应写作 APP_ID:SECRET")
        apps[app_id] = secret.encode()
    return apps


def apps_from_json(text: str, origin: str) -> dict[str, bytes]:
    try:
        mapping = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{origin} 不是 JSON：{exc.msg}") from exc
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and k and isinstance(v, str) and v for k, v in mapping.items()
    ):
        raise ConfigError(f"{origin} 应为 {{应用编号: 密钥}} 形式的 JSON 对象")
    return {app_id: secret.encode() for app_id, secret in mapping.items()}


def parse_protect_keys(pairs: Iterable[str]) -> dict[str, bytes]:
    """`KID:HEX` pairs; an SM4 key is 16 bytes (32 hex characters)."""
    keys: dict[str, bytes] = {}
    for pair in pairs:
        kid, sep, hex_key = pair.rpartition(":")
        try:
            key = bytes.fromhex(hex_key)
        except ValueError:
            key = b""
        if not sep or not kid or len(key) != 16:
            raise ConfigError(f"保护密钥应写作 KID:HEX（32 位十六进制），收到 {kid or '?'}")
        keys[kid] = key
    return keys


def load_apps(
    pairs: Iterable[str], apps_file: Path | None, environ: Mapping[str, str] = os.environ
) -> dict[str, bytes]:
    """Apps from the environment, then the file, then `--app` (later ones win for the same app id)."""
    apps: dict[str, bytes] = {}
    if environ.get(APPS_ENV):
        apps.update(apps_from_json(environ[APPS_ENV], APPS_ENV))
    if apps_file is not None:
        try:
            text = apps_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"无法读取应用文件 {apps_file}：{exc.strerror}") from exc
        apps.update(apps_from_json(text, str(apps_file)))
    apps.update(parse_apps(pairs))
    if not apps:
        raise ConfigError(f"未配置任何应用：用 --app APP_ID:SECRET、--apps-file 或环境变量 {APPS_ENV}")
    return apps


def load_protect_keys(pairs: Iterable[str], environ: Mapping[str, str] = os.environ) -> dict[str, bytes]:
    keys: dict[str, bytes] = {}
    if environ.get(PROTECT_KEYS_ENV):
        try:
            mapping = json.loads(environ[PROTECT_KEYS_ENV])
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{PROTECT_KEYS_ENV} 不是 JSON：{exc.msg}") from exc
        if not isinstance(mapping, dict):
            raise ConfigError(f"{PROTECT_KEYS_ENV} 应为 {{KID: HEX}} 形式的 JSON 对象")
        keys.update(parse_protect_keys(f"{kid}:{value}" for kid, value in mapping.items()))
    keys.update(parse_protect_keys(pairs))
    return keys


def load_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"未知时区 {name}") from exc
