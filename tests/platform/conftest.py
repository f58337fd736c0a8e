"""One receiver per test, on SQLite (a file) and on PostgreSQL (a fresh database), served by real uvicorn."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PgDatabases, fresh_pg
from tests.platform.helpers import RunningPlatform, SignedClient, settings_for, start_platform


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def platform_db(
    request: pytest.FixtureRequest, tmp_path: Path, pg_databases: PgDatabases | None
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'platform.db'}"
        return
    yield from fresh_pg(pg_databases)


@pytest.fixture
def start(platform_db: str) -> Iterator[Callable[..., RunningPlatform]]:
    """start(**settings overrides): a receiver on the test's database; stopped at the end of the test."""
    running: list[RunningPlatform] = []

    def make(**overrides: Any) -> RunningPlatform:
        platform = start_platform(settings_for(platform_db, **overrides))
        running.append(platform)
        return platform

    yield make
    for platform in running:
        platform.stop()


@pytest.fixture
def platform(start: Callable[..., RunningPlatform]) -> RunningPlatform:
    return start()


@pytest.fixture
def client(platform: RunningPlatform) -> Iterator[SignedClient]:
    signed = SignedClient(platform.base_url)
    yield signed
    signed.close()
