"""The documented install on a fresh database, then a second hall: `yimen db upgrade` → `yimen staff add
--role admin` (a regional account, before any hall exists) → the admin signs in → PUT /api/v1/hall."""

from __future__ import annotations

import subprocess

import httpx
import pytest

from hall_server.client import HallClient
from hall_server.contract.halls import HallIn
from tests.cli.test_cli import YIMEN, _wait_healthy, run
from tests.conftest import free_port
from tests.factories import ORG_USCC

pytestmark = pytest.mark.slow  # real `yimen` processes

COUNTY = HallIn(
    code="341122-ZWFW-01", name="示范县政务服务中心", region_code="341122000000", level="4", org_uscc=ORG_USCC
)
TOWN = HallIn(
    code="341122-ZWFW-02",
    name="示范县某镇便民服务中心",
    region_code="341122100000",
    level="5",
    org_uscc=ORG_USCC,
)
THIRD = HallIn(
    code="341122-ZWFW-03",
    name="示范县另一镇便民服务中心",
    region_code="341122101000",
    level="5",
    org_uscc=ORG_USCC,
)


@pytest.fixture
def fresh_env(tmp_path) -> dict[str, str]:
    import os

    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("YIMEN_") or k.startswith("YIMEN_TEST")},
        "YIMEN_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
        "YIMEN_KEY_FILE": str(tmp_path / "keys.json"),
        "YIMEN_PASSWORD_TIME_COST": "1",
        "YIMEN_PASSWORD_MEMORY_KIB": "1024",
    }


def test_fresh_install_then_a_second_hall(fresh_env):
    run(fresh_env, "db", "upgrade")
    run(fresh_env, "staff", "add", "--login", "admin", "--role", "admin", "--password", "admin-pass-1")
    unknown = run(fresh_env, "staff", "add", "--login", "x1", "--role", "clerk", "--password", "x" * 9,
                  "--hall", "NO-SUCH-HALL", check=False)  # fmt: skip
    assert (
        unknown.returncode == 2 and "HALL_NOT_FOUND" in unknown.stderr and "Traceback" not in unknown.stderr
    )
    port = free_port()
    server = subprocess.Popen([YIMEN, "server", "--port", str(port)], env=fresh_env, text=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_healthy(base)
        with HallClient.login(base, "admin", "admin-pass-1") as admin:
            before = httpx.put(  # a change that needs a hall, before there is one: said, never a 500
                f"{base}/api/v1/categories/SOCIAL",
                json={"code": "SOCIAL", "name": "社会事务", "prefix": "B"},
                headers={"Authorization": f"Bearer {admin.token}"},
            )
            assert (before.status_code, before.json()["code"]) == (404, "HALL_NOT_CONFIGURED"), before.text
            assert admin.configure_hall(COUNTY).code == COUNTY.code
            assert admin.hall().code == COUNTY.code  # a regional admin acts in the default (first) hall
            assert admin.configure_hall(TOWN).code == TOWN.code  # and adds a second one
            assert admin.hall().code == COUNTY.code
            town = httpx.get(
                f"{base}/api/v1/hall",
                headers={"Authorization": f"Bearer {admin.token}", "X-Yimen-Hall": TOWN.code},
            )
            assert town.status_code == 200 and town.json()["code"] == TOWN.code
        args = ("--login", "town-admin", "--role", "admin", "--password", "town-pass-1", "--hall", TOWN.code)
        assert TOWN.code in run(fresh_env, "staff", "add", *args).stdout
        with HallClient.login(base, "town-admin", "town-pass-1") as town_admin:
            assert town_admin.hall().code == TOWN.code  # bound to its hall
            with pytest.raises(Exception) as refused:  # and may not configure another
                town_admin.configure_hall(COUNTY)
            assert getattr(refused.value, "status", None) == 403
            other = httpx.get(
                f"{base}/api/v1/hall",
                headers={"Authorization": f"Bearer {town_admin.token}", "X-Yimen-Hall": COUNTY.code},
            )
            assert other.status_code == 403
        # a regional manager covering the county hall and the town, not a third point
        with HallClient.login(base, "admin", "admin-pass-1") as admin:
            admin.configure_hall(THIRD)
        args = ("--login", "region", "--role", "manager", "--password", "region-pass-1")
        made = run(fresh_env, "staff", "add", *args, "--halls", f"{COUNTY.code},{TOWN.code}").stdout
        assert TOWN.code in made
        with HallClient.login(base, "region", "region-pass-1") as region:
            assert [h.code for h in region.halls()] == [COUNTY.code, TOWN.code]
            third = httpx.get(
                f"{base}/api/v1/hall",
                headers={"Authorization": f"Bearer {region.token}", "X-Yimen-Hall": THIRD.code},
            )
            assert (third.status_code, third.json()["code"]) == (403, "HALL_NOT_COVERED")
    finally:
        server.terminate()
        server.wait(timeout=10)
