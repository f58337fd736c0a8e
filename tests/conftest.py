"""Fixtures shared by every test: one fixture per real service (database, server, pty pair, browser).

Data-layer and API tests run on both databases: SQLite (a migrated file per test) and PostgreSQL (a database
per test, copied from a migrated template). PostgreSQL comes from YIMEN_TEST_PG_URL; scripts/test sets it
and YIMEN_TEST_REQUIRE_PG=1, so there a missing PostgreSQL fails the run instead of skipping it.
"""

from __future__ import annotations

import asyncio
import faulthandler
import gc
import itertools
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import uvicorn
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from hall_server.app import AppState, create_app
from hall_server.client import HallClient
from hall_server.core.clock import SettableClock
from hall_server.core.config import Settings
from hall_server.migrate import upgrade
from tests.factories import SeededHall, seed_hall

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Wednesday morning: the hall is open, appointment slots exist later the same day.
START = datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI)
TEST_KEYS = {"data_key": "00112233445566778899aabbccddeeff", "lookup_key": "11" * 32}


def cli_env(database_url: str, key_dir: Path) -> dict[str, str]:
    """The environment of a `yimen` command run against the test's database with the test keys."""
    return {
        **os.environ,
        "YIMEN_DATABASE_URL": database_url,
        "YIMEN_KEY_FILE": str(key_dir / "keys.json"),
        "YIMEN_DATA_KEY": TEST_KEYS["data_key"],
        "YIMEN_LOOKUP_KEY": TEST_KEYS["lookup_key"],
    }


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--hardware", action="store_true", help="run tests that need real devices attached")


@pytest.hookimpl(trylast=True)  # after pytest's own faulthandler plugin, which writes to stderr
def pytest_configure(config: pytest.Config) -> None:
    """With YIMEN_CRASH_LOG (scripts/test sets it), a crash (a segfault in Qt, say) dumps every thread's
    stack into that file, and scripts/test prints the crashing thread's stack last: a CI log that keeps only
    its head and tail would otherwise cut it out of the middle of the dump."""
    if path := os.environ.get("YIMEN_CRASH_LOG"):
        crash_log = open(path, "w")  # noqa: SIM115 - open until the process ends
        config.stash[CRASH_LOG] = crash_log
        faulthandler.enable(file=crash_log, all_threads=True)
    gc.disable()  # collected after each test on the main thread: _garbage_collected_on_the_main_thread


CRASH_LOG = pytest.StashKey[Any]()


def _patient_qtbot() -> None:
    """pytest-qt waits 5 s by default for a condition or a signal; a loaded CI machine can take longer to
    paint a screen. Widget tests assert what happens, not how fast (performance lives in bench/)."""
    try:
        from pytestqt.qtbot import QtBot
    except ImportError:  # pragma: no cover - pytest-qt is a test dependency
        return
    wait_until, wait_signal = QtBot.waitUntil, QtBot.waitSignal

    def patient_wait_until(
        self: QtBot, callback: Callable[[], bool | None], *, timeout: int = 30_000
    ) -> None:
        wait_until(self, callback, timeout=timeout)

    def patient_wait_signal(self: QtBot, signal: Any, *, timeout: int = 30_000, **options: Any) -> Any:
        return wait_signal(self, signal, timeout=timeout, **options)

    QtBot.waitUntil = patient_wait_until  # type: ignore[method-assign]
    QtBot.waitSignal = patient_wait_signal  # type: ignore[method-assign]


_patient_qtbot()


def _patient_httpx() -> None:
    """httpx gives up after 5 s by default (`httpx.get(...)`, `httpx.Client()` without a timeout); a loaded
    CI machine sometimes answers later. The default object is shared by every signature, so raising its
    fields makes those calls wait 30 s; calls that pass their own timeout keep it."""
    default = httpx._config.DEFAULT_TIMEOUT_CONFIG
    default.connect = default.read = default.write = default.pool = 30.0


_patient_httpx()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--hardware"):
        return
    skip = pytest.mark.skip(reason="needs real hardware: run with --hardware")
    for item in items:
        if "hardware" in item.keywords:
            item.add_marker(skip)


# --- databases -------------------------------------------------------------------------------------------


def _pg_admin_url() -> str | None:
    url = os.environ.get("YIMEN_TEST_PG_URL")
    if not url:
        return None
    try:
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:
        if os.environ.get("YIMEN_TEST_REQUIRE_PG"):
            raise RuntimeError(f"PostgreSQL required but not reachable at {url}: {exc}") from exc
        return None
    return url


class PgDatabases:
    """Creates a migrated template database once, then one copy per test."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.prefix = f"yimen_t{os.getpid()}"
        self.template = f"{self.prefix}_tpl"
        self.counter = itertools.count()
        self._drop(self.template)
        self._execute(f'CREATE DATABASE "{self.template}"')
        upgrade(self.url_for(self.template))

    def url_for(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def _execute(self, sql: str) -> None:
        with self.engine.connect() as connection:
            connection.execute(text(sql))

    def _drop(self, name: str) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def create(self) -> tuple[str, str]:
        name = f"{self.prefix}_{next(self.counter)}"
        self._drop(name)
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return name, self.url_for(name)

    def drop(self, name: str) -> None:
        self._drop(name)

    def close(self) -> None:
        self._drop(self.template)
        self.engine.dispose()


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[PgDatabases | None]:
    url = _pg_admin_url()
    if url is None:
        yield None
        return
    databases = PgDatabases(url)
    yield databases
    databases.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path, pg_databases: PgDatabases | None
) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "hall.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    yield from fresh_pg(pg_databases)


def fresh_pg(pg_databases: PgDatabases | None) -> Iterator[str]:
    """For a fixture: a new PostgreSQL database for one test, dropped after it (skip if not configured)."""
    if pg_databases is None:
        pytest.skip("PostgreSQL not configured (set YIMEN_TEST_PG_URL; scripts/test does)")
    name, url = pg_databases.create()
    yield url
    pg_databases.drop(name)


@pytest.fixture
def pg_url(pg_databases: PgDatabases | None) -> Iterator[str]:
    """A fresh PostgreSQL database, for tests that are about PostgreSQL only (real concurrency)."""
    yield from fresh_pg(pg_databases)


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(SHANGHAI, START)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path)


def make_settings(database_url: str, tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "key_file": tmp_path / "keys.json",
        "sweep_seconds": 3600.0,
        "log_json": False,
        "password_time_cost": 1,
        "password_memory_kib": 1024,
        **TEST_KEYS,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(autouse=True)
def _garbage_collected_on_the_main_thread(request: pytest.FixtureRequest) -> Iterator[None]:
    """Python's cycle collector is off in the test process (pytest_configure) and runs here, after each
    test, on the main thread. Left on, it runs in whichever thread crosses its threshold, and in this process
    that is often a server thread while the main thread sits in Qt's event loop with Playwright's greenlets
    beside it: the collector then crashed the process (a segfault in a server thread "Garbage-collecting",
    seen in CI and reproduced with a browser test before the counter's widget tests). A widget test's
    windows (closed by pytest-qt) are deleted first, so their garbage goes too."""
    yield
    if "qtbot" in request.fixturenames:
        from PySide6.QtCore import QCoreApplication, QEvent

        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    from kiosk.views.collector import collect_due

    collect_due(GC_THRESHOLDS)  # as the automatic collector would: a full collection after each test costs
    # about 0.4 s once the session's heap has grown


GC_THRESHOLDS = gc.get_threshold()


def qt_objects_in_cyclic_garbage() -> list[str]:
    """The Qt objects only Python's cycle collector would free, by type. That collector runs in whichever
    thread allocates when its threshold is crossed (an HTTP worker, a server thread in a test): a QObject it
    frees there is destroyed off its own thread, which crashes Qt (seen in CI as a segfault in a server
    thread's collection). The garbage is freed on the way."""
    from PySide6.QtCore import QObject

    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        return [type(found).__name__ for found in gc.garbage if isinstance(found, QObject)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


# --- a real server -----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class RunningServer:
    base_url: str
    ws_url: str
    state: AppState
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve_in_thread(server: uvicorn.Server, what: str) -> tuple[uvicorn.Server, threading.Thread]:
    """Run a uvicorn server in a daemon thread and wait (15 s at most) until it accepts connections."""
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.01)
    return server, thread


def start_server(settings: Settings, clock: SettableClock, port: int | None = None) -> RunningServer:
    """A real uvicorn server in a thread; `port` to come back where a stopped one was."""
    app = create_app(settings, clock)
    port = port or free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws_ping_interval=None,
        lifespan="on",
        proxy_headers=False,  # as `yimen server`: only YIMEN_TRUSTED_PROXIES are believed
    )
    server, thread = serve_in_thread(uvicorn.Server(config), "uvicorn")
    return RunningServer(
        f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/ws", app.state.yimen, server, thread
    )


@pytest.fixture
def server(settings: Settings, clock: SettableClock) -> Iterator[RunningServer]:
    running = start_server(settings, clock)
    yield running
    running.stop()


@pytest.fixture
def hall(server: RunningServer) -> SeededHall:
    return seed_hall(server.state.uow)


@pytest.fixture
def client_for(server: RunningServer, hall: SeededHall) -> Iterator[Callable[[str], HallClient]]:
    """client_for("clerk1") / client_for("kiosk"): a typed client signed in as that person or device."""
    clients: list[HallClient] = []

    def make(who: str) -> HallClient:
        client = HallClient(server.base_url, hall.tokens[who], timeout=30)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


# --- a real browser ----------------------------------------------------------------------------------------

CHROMIUM = os.environ.get("YIMEN_TEST_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(autouse=True)
def _playwright_loop_set_aside(request: pytest.FixtureRequest) -> Iterator[None]:
    """Playwright's sync API runs its event loop in a greenlet that stays suspended inside
    `run_until_complete`, so once the session's browser exists this thread reports that loop as running
    and every later `asyncio.run` (the live-feed tests) fails with "cannot be called from a running event
    loop". Tests that do not drive the browser get the thread without it, and it is put back after."""
    if "browser" in request.fixturenames:
        yield
        return
    playwright_loop = asyncio.events._get_running_loop()
    asyncio.events._set_running_loop(None)
    try:
        yield
    finally:
        asyncio.events._set_running_loop(playwright_loop)


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright (never a browser Playwright downloads itself)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: scripts/test installs it (apt-get install chromium)")
    from playwright.sync_api import expect

    # Playwright's assertions give up after 5 s; on a loaded CI machine a page's first WebSocket snapshot
    # has come later than that (like the patient qtbot and httpx above: what must happen, not how fast).
    expect.set_options(timeout=20_000)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
