from __future__ import annotations

from pathlib import Path

import pytest

from hall_server.core.config import Settings
from tests.conftest import make_settings

PROTECT_KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The key shared with the platform: case events carry the applicant in `protected`."""
    return make_settings(database_url, tmp_path, sync_protect_key=PROTECT_KEY)
