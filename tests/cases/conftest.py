from __future__ import annotations

from pathlib import Path

import pytest

from hall_server.client import HallClient
from hall_server.core.config import Settings
from tests.cases.helpers import back_office_departments
from tests.conftest import make_settings

PROTECT_KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The key shared with the platform: case events carry the applicant in `protected`."""
    return make_settings(database_url, tmp_path, sync_protect_key=PROTECT_KEY)


@pytest.fixture
def back(server, hall, client_for) -> HallClient:
    """`backoffice` works in 社会事务科, the department of the matters' implementing body (same USCC);
    `backoffice2` in 企业服务科."""
    hall.tokens["backoffice2"] = back_office_departments(server.state.uow)
    return client_for("backoffice")
