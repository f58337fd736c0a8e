"""The expected failures of every `yimen` command, as one line for the technician instead of a traceback.

`main()` in hall_server/cli.py hands any exception a command raises to `explain`; a known one becomes a
`Failure` (one line on stderr, a non-zero exit status), anything else is a bug and keeps its traceback.

Exception classes are recognised by their qualified names along the MRO ("sqlalchemy.exc.OperationalError"),
so this module imports neither the server, nor SQLAlchemy, nor the device layer: the CLI core must run on a
kiosk that has none of them, and the hall server may not import the devices.

Exit statuses: 2 the command or its configuration is wrong (bad URL, bad setting, bad input);
1 the command could not do its work (database not migrated or unreachable, keys missing or wrong, port in
use, file missing, a device or the network not answering); 130 interrupted.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

USAGE = 2
FAILED = 1
INTERRUPTED = 130


@dataclass(frozen=True)
class Failure:
    status: int
    message: str


class CommandFailed(Exception):
    """A command's own expected failure, already worded for the technician."""

    def __init__(self, message: str, status: int = FAILED) -> None:
        super().__init__(message)
        self.status = status


def explain(error: BaseException) -> Failure | None:
    """The line and exit status for an expected failure; None for an exception that is a bug."""
    if isinstance(error, CommandFailed):
        return Failure(error.status, one_line(str(error)))
    for cls in type(error).__mro__:
        explainer = EXPLAINERS.get(f"{cls.__module__}.{cls.__qualname__}")
        if explainer is not None:
            return Failure(explainer[0], one_line(explainer[1](error)))
    return None


def one_line(text: str) -> str:
    return " ".join(text.split())


def check_port_free(host: str, port: int) -> None:
    """Raise OSError(EADDRINUSE) before a server starts on a port someone else holds: uvicorn would only
    log the bind error and exit. SO_REUSEADDR as uvicorn sets it, so a port in TIME_WAIT counts as free."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise OSError(errno.EADDRINUSE, f"端口 {host}:{port} 已被占用") from exc
            raise OSError(exc.errno, f"无法在 {host}:{port} 上监听：{exc.strerror or exc}") from exc


# --- explainers -------------------------------------------------------------------------------------------


def _database(error: Any) -> str:
    """SQLAlchemy DBAPIError: tell a schema that was never migrated from a database that cannot be reached."""
    cause = getattr(error, "orig", None) or error
    text = one_line(str(cause))
    kind = type(cause).__name__
    if "no such table" in text or kind == "UndefinedTable":
        return f"数据库尚未建表：请先运行 yimen db upgrade（{text}）"
    if "no such column" in text or kind == "UndefinedColumn":
        return f"数据库结构不是最新版本：请运行 yimen db upgrade（{text}）"
    if "unable to open database file" in text:
        return f"无法打开 SQLite 数据库文件：检查 YIMEN_DATABASE_URL 的路径和权限（{text}）"
    if type(error).__name__ == "OperationalError":
        return f"无法连接数据库：检查 YIMEN_DATABASE_URL 和数据库服务（{text}）"
    return f"数据库错误：{text}"


def _keys(error: BaseException) -> str:
    text = str(error)
    if "does not match the key" in text:
        return (
            "密钥与数据库中已加密的身份数据不匹配：请确认 YIMEN_KEY_FILE 或 "
            "YIMEN_DATA_KEY/YIMEN_LOOKUP_KEY 是这个数据库的密钥"
        )
    return f"密钥错误：{text}"


def _os_error(error: Any) -> str:
    where = f"：{error.filename}" if getattr(error, "filename", None) else ""
    reason = error.strerror or str(error)
    if isinstance(error, FileNotFoundError):
        return f"文件或目录不存在{where}"
    if isinstance(error, PermissionError):
        return f"没有权限{where}（{reason}）"
    if isinstance(error, IsADirectoryError):
        return f"这是目录，不是文件{where}"
    return f"{reason}{where}"


def _validation(error: Any) -> str:
    problems = [
        f"{'.'.join(str(part) for part in item['loc']) or '值'}: {item['msg']}" for item in error.errors()
    ]
    return "输入或配置无效：" + "；".join(problems)


def _domain(error: Any) -> str:
    return f"{error.code}: {error.message}"


def _device(error: Any) -> str:
    return f"{error.message}（{error.code}{'; ' + error.detail if error.detail else ''}）"


def _text(prefix: str) -> Callable[[BaseException], str]:
    return lambda error: f"{prefix}{error}"


EXPLAINERS: dict[str, tuple[int, Callable[[Any], str]]] = {
    # the database
    "sqlalchemy.exc.DBAPIError": (FAILED, _database),
    "sqlalchemy.exc.ArgumentError": (USAGE, _text("数据库地址无效（YIMEN_DATABASE_URL）：")),
    "alembic.util.exc.CommandError": (FAILED, _text("数据库迁移失败：")),
    # keys and settings
    "hall_server.identity.crypto.CryptoError": (FAILED, _keys),
    "pydantic_settings.exceptions.SettingsError": (USAGE, _text("配置错误：")),
    "pydantic_core._pydantic_core.ValidationError": (USAGE, _validation),
    "hall_server.platform.config.ConfigError": (USAGE, _text("配置错误：")),
    "json.decoder.JSONDecodeError": (USAGE, _text("文件内容不是有效的 JSON：")),
    # what the domains refuse, the sync targets, and the devices
    "hall_server.core.errors.DomainError": (USAGE, _domain),
    "hall_server.sync.targets.TransientFailure": (FAILED, _text("同步目标无法送达：")),
    "devices.errors.DeviceError": (FAILED, _device),
    # the network and the machine
    "httpx.InvalidURL": (USAGE, _text("地址无效：")),
    "httpx.UnsupportedProtocol": (USAGE, _text("地址无效：")),
    "httpx.TransportError": (FAILED, lambda error: f"网络错误：{type(error).__name__} {error}"),
    "httpx.HTTPStatusError": (FAILED, _text("对方返回错误：")),
    "builtins.OSError": (FAILED, _os_error),
    "builtins.ModuleNotFoundError": (
        FAILED,
        lambda error: f"缺少 Python 模块 {error.name}：请安装它（例如数据库驱动）后再运行",
    ),
    "builtins.KeyboardInterrupt": (INTERRUPTED, lambda error: "已中断"),
}
