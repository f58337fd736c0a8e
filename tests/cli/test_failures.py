"""Every `yimen` command's expected failures, run as real processes: one line on stderr naming the problem,
a non-zero exit status, never a traceback."""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from hall_server.app import build_state
from hall_server.cli_errors import explain
from hall_server.core.config import Settings
from hall_server.identity.service import check, identify
from tests.cli.test_cli import YIMEN
from tests.conftest import free_port
from tests.factories import person

pytestmark = pytest.mark.slow  # dozens of real `yimen` processes

TEST_KEYS = {"YIMEN_DATA_KEY": "00112233445566778899aabbccddeeff", "YIMEN_LOOKUP_KEY": "11" * 32}
OTHER_KEYS = {"data_key": "ff" * 16, "lookup_key": "ee" * 32}
REST_TARGET = {"name": "prov", "kind": "hall-sync-rest", "url": "http://127.0.0.1:1", "app_id": "hall-1"}
_names = itertools.count()


def yimen(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([YIMEN, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


def assert_one_line(result: subprocess.CompletedProcess[str], status: int, *words: str) -> None:
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("yimen ")
    for word in words:
        assert word in lines[0]


@pytest.fixture
def base_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIMEN_") or k.startswith("YIMEN_TEST")}
    return {
        **env,
        "YIMEN_KEY_FILE": str(tmp_path / "keys.json"),
        "YIMEN_PASSWORD_TIME_COST": "1",
        "YIMEN_PASSWORD_MEMORY_KIB": "1024",
    }


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database that exists and is reachable but was never migrated."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hall.db'}"
        return
    admin_url = os.environ.get("YIMEN_TEST_PG_URL")
    if not admin_url:
        pytest.skip("PostgreSQL not configured (set YIMEN_TEST_PG_URL)")
    name = f"yimen_cli_empty_{os.getpid()}_{next(_names)}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.mark.parametrize(
    "args",
    [
        ["server", "--port", "0"],
        ["staff", "add", "--login", "night", "--role", "clerk", "--password", "night-shift-1"],
        ["device", "add", "--kind", "kiosk", "--name", "kiosk-1"],
        ["demo-data"],
        ["sync", "replay", "--all-dead"],
    ],
)
def test_before_db_upgrade_every_command_says_run_it(
    base_env: dict[str, str], empty_database_url: str, args: list[str]
) -> None:
    env = {**base_env, **TEST_KEYS, "YIMEN_DATABASE_URL": empty_database_url}
    assert_one_line(yimen(env, *args), 1, "数据库尚未建表", "yimen db upgrade")


def test_without_keys_the_commands_point_at_db_upgrade(base_env: dict[str, str], tmp_path: Path) -> None:
    env = {**base_env, "YIMEN_DATABASE_URL": f"sqlite:///{tmp_path / 'hall.db'}"}
    for args in (["server", "--port", str(free_port())], ["sync", "status"]):
        assert_one_line(yimen(env, *args), 1, "密钥错误", "keys.json does not exist", "yimen db upgrade")


def test_a_key_file_that_is_not_one(base_env: dict[str, str], tmp_path: Path) -> None:
    env = {**base_env, "YIMEN_DATABASE_URL": f"sqlite:///{tmp_path / 'hall.db'}"}
    (tmp_path / "keys.json").write_text('{"data_key": "00"}')
    assert_one_line(yimen(env, "sync", "status"), 1, "密钥错误", "is not a key file")
    (tmp_path / "keys.json").write_text("{not json")
    assert_one_line(yimen(env, "demo-data"), 1, "密钥错误", "is not a key file")
    env_keys = {**env, "YIMEN_DATA_KEY": "zz", "YIMEN_LOOKUP_KEY": "zz"}
    assert_one_line(yimen(env_keys, "sync", "status"), 1, "密钥错误", "not hex")


def test_keys_that_do_not_open_the_stored_identities(base_env: dict[str, str], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    env = {**base_env, "YIMEN_DATABASE_URL": url}
    assert yimen(env, "db", "upgrade").returncode == 0
    state = build_state(Settings(database_url=url, key_file=tmp_path / "keys.json"))
    state.uow.run(lambda ctx: identify(ctx, check(person(), ctx.clock.today())))
    state.engine.dispose()
    state.read_engine.dispose()
    (tmp_path / "keys.json").write_text(json.dumps(OTHER_KEYS))
    for args in (["server", "--port", str(free_port())], ["demo-data"]):
        assert_one_line(yimen(env, *args), 1, "密钥与数据库中已加密的身份数据不匹配", "YIMEN_KEY_FILE")


@pytest.mark.parametrize(
    ("database_url", "status", "words"),
    [
        ("postgresql+psycopg://postgres@127.0.0.1:1/hall", 1, ["无法连接数据库", "port 1"]),
        ("not a url", 2, ["数据库地址无效", "YIMEN_DATABASE_URL"]),
        ("sqlite:////nonexistent-yimen-dir/hall.db", 1, ["无法打开 SQLite 数据库文件"]),
    ],
)
def test_a_database_that_cannot_be_reached(
    base_env: dict[str, str], database_url: str, status: int, words: list[str]
) -> None:
    env = {**base_env, **TEST_KEYS, "YIMEN_DATABASE_URL": database_url}
    for args in (["sync", "status"], ["staff", "password", "--login", "x", "--password", "long-enough-1"]):
        assert_one_line(yimen(env, *args), status, *words)


def test_db_upgrade_of_an_unreachable_database(base_env: dict[str, str]) -> None:
    env = {**base_env, "YIMEN_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/hall"}
    assert_one_line(yimen(env, "db", "upgrade"), 1, "无法连接数据库")


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def test_a_port_in_use(base_env: dict[str, str], tmp_path: Path, busy_port: int) -> None:
    env = {**base_env, **TEST_KEYS, "YIMEN_DATABASE_URL": f"sqlite:///{tmp_path / 'hall.db'}"}
    port = str(busy_port)
    assert_one_line(yimen(env, "server", "--port", port), 1, f"端口 127.0.0.1:{port} 已被占用")
    platform_db = f"sqlite:///{tmp_path / 'platform.db'}"
    result = yimen(env, "platform", "serve", "--port", port, "--app", "a:b", "--database-url", platform_db)
    assert_one_line(result, 1, f"端口 127.0.0.1:{port} 已被占用")


def test_platform_with_a_bad_database_url(base_env: dict[str, str]) -> None:
    port = str(free_port())
    result = yimen(base_env, "platform", "serve", "--port", port, "--app", "a:b", "--database-url", "x")
    assert_one_line(result, 2, "数据库地址无效")


@pytest.fixture
def upgraded_env(base_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    env = {**base_env, "YIMEN_DATABASE_URL": f"sqlite:///{tmp_path / 'hall.db'}"}
    assert yimen(env, "db", "upgrade").returncode == 0
    return env


def test_a_sync_target_whose_secret_is_missing(upgraded_env: dict[str, str], tmp_path: Path) -> None:
    by_env = {**REST_TARGET, "secret_env": "YIMEN_CLI_TEST_NO_SUCH_SECRET"}
    env = {**upgraded_env, "YIMEN_SYNC_TARGETS": json.dumps([by_env])}
    for args in (["server", "--port", str(free_port())], ["sync", "reconcile"], ["sync"]):
        assert_one_line(yimen(env, *args), 2, "同步目标的密钥不可用", "YIMEN_CLI_TEST_NO_SUCH_SECRET")
    by_file = {**REST_TARGET, "secret_file": str(tmp_path / "no-secret")}
    env = {**upgraded_env, "YIMEN_SYNC_TARGETS": json.dumps([by_file])}
    assert_one_line(yimen(env, "sync", "reconcile"), 1, "密钥文件无法读取", "no-secret")


def test_sync_settings_and_targets(upgraded_env: dict[str, str], tmp_path: Path) -> None:
    env = {**upgraded_env, "YIMEN_SYNC_TARGETS": "not json"}
    assert_one_line(yimen(env, "sync", "status"), 2, "配置错误", "sync_targets")
    env = {**upgraded_env, "YIMEN_SYNC_TARGETS": json.dumps([REST_TARGET])}  # no secret source
    assert_one_line(yimen(env, "sync", "status"), 2, "输入或配置无效", "give secret_env or secret_file")
    env = {**upgraded_env, "YIMEN_SYNC_TARGETS_FILE": str(tmp_path / "targets.json")}
    assert_one_line(yimen(env, "sync", "status"), 1, "文件或目录不存在", "targets.json")
    reachable_nowhere = {**REST_TARGET, "secret_env": "HOME", "timeout_seconds": 2}
    env = {**upgraded_env, "YIMEN_SYNC_TARGETS": json.dumps([reachable_nowhere])}
    assert_one_line(yimen(env, "sync", "reconcile"), 1, "同步目标无法送达", "ConnectError")
    assert_one_line(yimen(upgraded_env, "sync"), 2, "没有配置同步目标")
    assert_one_line(yimen(upgraded_env, "sync", "replay"), 2, "--all-dead")
    assert_one_line(yimen(upgraded_env, "sync", "backfill", "--target", "nowhere"), 2, "nowhere")


def test_bad_input_and_unknown_things(upgraded_env: dict[str, str], tmp_path: Path) -> None:
    args = ["staff", "add", "--login", "a", "--role", "clerk", "--password", "long-enough-1"]
    assert_one_line(yimen(upgraded_env, *args), 2, "输入或配置无效", "login")
    args = ["staff", "add", "--login", "night", "--role", "clerk", "--password", "long-enough-1"]
    assert yimen(upgraded_env, *args).returncode == 0
    assert_one_line(yimen(upgraded_env, *args), 2, "yimen staff: STAFF_LOGIN_TAKEN: ")
    missing = tmp_path / "no" / "dir" / "accounts.json"
    assert_one_line(yimen(upgraded_env, "demo-data", "--accounts", str(missing)), 1, "文件或目录不存在")
    unknown = yimen(upgraded_env, "devices", "selftest", "sim://toaster")
    assert unknown.returncode == 2 and "unknown device kind" in unknown.stderr
    assert "Traceback" not in unknown.stderr and len(unknown.stderr.splitlines()) == 1


def test_a_bug_is_not_explained_away() -> None:
    assert explain(RuntimeError("a bug")) is None
    assert explain(KeyError("x")) is None
    failure = explain(KeyboardInterrupt())
    assert failure is not None and failure.status == 130
