"""Shared by the hall-server benchmarks: a migrated database with the demo hall, a real server process,
percentiles and a printed table. Backends: sqlite (a file in a temporary folder) and postgresql
(database yimen_bench on YIMEN_BENCH_PG_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/test)."""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

YIMEN = str(Path(sys.executable).with_name("yimen"))
PG_ADMIN = os.environ.get("YIMEN_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@dataclass
class Hall:
    backend: str
    env: dict[str, str]
    accounts: dict[str, Any]

    @property
    def database_url(self) -> str:
        return self.env["YIMEN_DATABASE_URL"]

    def device_token(self, name: str = "kiosk-1") -> str:
        token: str = self.accounts["devices"][name]
        return token


def _fresh_pg_url(name: str) -> str:
    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)


@contextmanager
def demo_hall(backend: str, database: str = "yimen_bench") -> Iterator[Hall]:
    """`database`: the PostgreSQL database's name (dropped and made again)."""
    with tempfile.TemporaryDirectory(prefix="yimen-bench-") as folder:
        url = f"sqlite:///{folder}/hall.db" if backend == "sqlite" else _fresh_pg_url(database)
        env = {
            **os.environ,
            "YIMEN_DATABASE_URL": url,
            "YIMEN_KEY_FILE": f"{folder}/keys.json",
            "YIMEN_LOG_LEVEL": "WARNING",
        }
        subprocess.run([YIMEN, "db", "upgrade"], env=env, check=True, capture_output=True)
        accounts_file = Path(folder) / "accounts.json"
        subprocess.run(
            [YIMEN, "demo-data", "--accounts", str(accounts_file)], env=env, check=True, capture_output=True
        )
        yield Hall(backend, env, json.loads(accounts_file.read_text()))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_up(process: subprocess.Popen[bytes], ready: Callable[[], bool], what: str) -> None:
    """Poll `ready` until it holds (30 s at most); a process that exits first is an error with its stderr."""
    deadline = time.monotonic() + 30
    while True:
        try:
            if ready():
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            stderr = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"{what} did not start: {stderr}")
        time.sleep(0.1)


@contextmanager
def server_process(hall: Hall) -> Iterator[str]:
    """`yimen server` in its own process, so clients and server do not share one interpreter."""
    with server(hall) as running:
        yield running.base


@dataclass
class Server:
    base: str
    pid: int

    def cpu_seconds(self) -> float:
        """User and system CPU the server has used so far: the process and its children (the workers of
        `--workers N`; with one worker uvicorn runs in the process itself)."""
        return process_cpu_seconds(self.pid) + sum(_children_cpu_seconds(self.pid))


@contextmanager
def server(hall: Hall) -> Iterator[Server]:
    port = free_port()
    process = subprocess.Popen(
        [YIMEN, "server", "--port", str(port)],
        env=hall.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(process, lambda: httpx.get(f"{base}/healthz").status_code == 200, "server")
        yield Server(base, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of /proc/PID/stat (fields 14 and 15, after the parenthesised command name)."""
    return _cpu_seconds(_stat_fields(Path(f"/proc/{pid}/stat")))


def _children_cpu_seconds(pid: int) -> Iterator[float]:
    """utime + stime of each live process whose parent is `pid` (field 4 of /proc/N/stat)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = _stat_fields(stat)
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == pid:
            yield _cpu_seconds(fields)


def _stat_fields(stat: Path) -> list[str]:
    """The fields of a /proc/N/stat after the parenthesised command name (field 3 is the first)."""
    return stat.read_text().rsplit(")", 1)[1].split()


def _cpu_seconds(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(work: Callable[[], object], runs: int) -> tuple[float, float, float]:
    """min, median and max seconds of `runs` runs of `work`, after one warm-up run (plans, caches)."""
    work()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return min(samples), statistics.median(samples), max(samples)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(values: list[float]) -> tuple[str, str, str]:
    return (
        f"{percentile(values, 50) * 1000:.1f}",
        f"{percentile(values, 99) * 1000:.1f}",
        f"{statistics.fmean(values) * 1000:.1f}" if values else "nan",
    )


def print_table(title: str, header: list[str], rows: list[list[Any]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    print(f"\n{title}")
    print("  ".join(str(h).rjust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).rjust(w) for c, w in zip(row, widths, strict=True)))


def backends() -> list[str]:
    chosen = sys.argv[1:] or ["sqlite", "postgresql"]
    return [b for b in chosen if b in ("sqlite", "postgresql")]
