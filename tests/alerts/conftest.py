from __future__ import annotations

from pathlib import Path

import pytest

from hall_server.core.config import Settings
from tests.conftest import make_settings

ALERT_CHECK_SECONDS = 0.2


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path, alert_check_seconds=ALERT_CHECK_SECONDS)
