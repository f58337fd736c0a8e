"""The one server of a simulation: a real uvicorn on 127.0.0.1 over one database holding every hall, on a
clock the simulator moves.

One process (SQLite, or PostgreSQL with `workers` 1): uvicorn runs in a thread of the simulator, on a
`SettableClock`. K > 1 processes (PostgreSQL only): `python -m uvicorn hall_server.simulate.server:worker_app
--workers K` in a process group of its own, every worker on a `SharedClock`: the hall time lives in a small
file the simulator writes and every process maps, so all of them read the same moment.
"""

from __future__ import annotations

import mmap
import os
import secrets
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from hall_server.core.clock import Clock, SettableClock
from hall_server.core.config import Settings, get_settings

CLOCK_FILE_ENV = "YIMEN_SIM_CLOCK_FILE"
SETUP_LOCK = threading.Lock()  # alembic keeps its migration context in module globals
STARTUP_SECONDS = 180.0
PREPARE_AT = timedelta(hours=8, minutes=30)  # the halls are configured and the appointments booked
_STAMP = struct.Struct("<d")  # epoch seconds, one aligned 8-byte word


class SharedClock(Clock):
    """A settable clock every process of the simulation reads from one mapped file."""

    def __init__(self, tz: Any, path: Path, start: datetime | None = None) -> None:
        super().__init__(tz)
        if start is not None:
            path.write_bytes(_STAMP.pack(start.timestamp()))
        self._file = path.open("r+b")
        self._map = mmap.mmap(self._file.fileno(), _STAMP.size)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return datetime.fromtimestamp(_STAMP.unpack_from(self._map, 0)[0], UTC)

    def set(self, moment: datetime) -> None:
        with self._lock:
            _STAMP.pack_into(self._map, 0, moment.timestamp())

    def advance(self, **delta: float) -> datetime:
        with self._lock:
            moment = self.now() + timedelta(**delta)
            _STAMP.pack_into(self._map, 0, moment.timestamp())
            return moment


def worker_app() -> Any:
    """The app of one worker process (uvicorn imports this in each): settings from the environment, the
    simulator's clock from the file it names."""
    from hall_server.app import create_app

    settings = get_settings()
    return create_app(settings, SharedClock(settings.tz, Path(os.environ[CLOCK_FILE_ENV])))


def normalise_url(url: str) -> str:
    """`postgresql://…` means the project's driver (psycopg 3)."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url.removeprefix(plain)
    return url


class SimServer:
    """Migrate the database, load the halls (`load`, in this process), then serve them."""

    def __init__(self, folder: Path, database_url: str | None, workers: int, day: date) -> None:
        self.folder, self.workers = folder, workers
        url = normalise_url(database_url) if database_url else f"sqlite:///{folder}/region.db"
        self.values: dict[str, Any] = {
            "database_url": url,
            "key_file": folder / "keys.json",
            "data_key": secrets.token_hex(16),
            "lookup_key": secrets.token_hex(32),
            "sweep_seconds": 24 * 3600.0,  # the simulator ends the day itself
            "log_level": "WARNING",
            "log_json": False,
            "password_time_cost": 1,
            "password_memory_kib": 1024,
        }
        self.settings = Settings(_env_file=None, **self.values)
        self.t0 = datetime.combine(day, datetime.min.time(), self.settings.tz)  # the day's midnight
        start = self.t0 + PREPARE_AT
        self.clock: SettableClock | SharedClock
        if workers > 1:
            self.clock = SharedClock(self.settings.tz, folder / "clock", start)
        else:
            self.clock = SettableClock(self.settings.tz, start)
        self.base_url = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._state: Any = None

    def start(self, load: Callable[[Any], list[dict[str, Any]]]) -> list[dict[str, Any]]:
        """`load(uow)` configures the halls and returns their accounts; then the server starts."""
        from hall_server.app import build_state, create_app
        from hall_server.migrate import upgrade

        with SETUP_LOCK:
            upgrade(self.settings.database_url)
        port = free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        if self.workers > 1:
            state = build_state(self.settings, self.clock)
            try:
                accounts = load(state.uow)
            finally:
                state.engine.dispose()
            self._spawn(port)
            return accounts
        app = create_app(self.settings, self.clock)
        self._state = app.state.yimen
        accounts = load(self._state.uow)  # before the server's first sweep wants the database
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", proxy_headers=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the simulation's server did not start")
            time.sleep(0.02)
        return accounts

    def _spawn(self, port: int) -> None:
        env = {
            **os.environ,
            **{f"YIMEN_{key.upper()}": str(value) for key, value in self.values.items()},
            CLOCK_FILE_ENV: str(self.folder / "clock"),
        }
        self._log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in stop()
            prefix="server-", suffix=".log", dir=self.folder, delete=False
        )
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "hall_server.simulate.server:worker_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(self.workers),
            "--log-level",
            "warning",
            "--no-proxy-headers",
        ]
        self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command,
            env=env,
            cwd=self.folder,  # no stray .env
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            start_new_session=True,
        )
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _healthy(self.base_url):
            if time.monotonic() > deadline or self._process.poll() is not None:
                self._log.seek(0)
                raise RuntimeError(f"the simulation's server did not start: {self._log.read()[-2000:]!r}")
            time.sleep(0.2)
        # the first worker answers; the others take a moment more (each builds its app)
        time.sleep(1.0 + 0.5 * self.workers)

    def stop(self) -> None:
        if self._process is not None:
            os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait(timeout=10)
            self._log.close()
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        if self._state is not None:
            self._state.engine.dispose()


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (bound and released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
