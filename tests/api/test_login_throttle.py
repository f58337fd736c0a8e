"""Sign-in throttling through the real server, from real different source addresses on the loopback
(127.0.0.1 is the clerk's window computer; 127.0.0.2… are other machines)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from hall_server.auth.address import client_address
from hall_server.auth.models import LoginThrottle
from hall_server.auth.service import set_password
from hall_server.client import ApiError, HallClient
from tests.conftest import make_settings, start_server
from tests.factories import PASSWORD, seed_hall

WINDOW_PC = "127.0.0.1"


def from_address(server, host: str) -> HallClient:
    return HallClient(server.base_url, transport=httpx.HTTPTransport(local_address=host))


def wrong_password(client: HallClient, login: str, times: int) -> None:
    for _ in range(times):
        with pytest.raises(ApiError) as caught:
            client.sign_in(login, "wrong-password")
        assert caught.value.code == "LOGIN_FAILED"


def refused(client: HallClient, login: str, password: str = PASSWORD) -> httpx.Response:
    response = client.http.post("/api/v1/auth/login", json={"login": login, "password": password})
    assert response.status_code == 429, response.text
    assert response.json()["code"] == "LOGIN_LOCKED" and "分钟后再试" in response.json()["message"]
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    return response


def test_an_attacker_elsewhere_cannot_lock_the_clerk_out(server, hall, clock):
    window = from_address(server, WINDOW_PC)
    window.sign_in("clerk4", PASSWORD)  # the clerk's own computer: a known address from now on
    attacker = from_address(server, "127.0.0.2")
    wrong_password(attacker, "clerk4", 5)
    refused(attacker, "clerk4")  # even the right password: this address is locked for this account
    assert window.sign_in("clerk4", PASSWORD).staff.login == "clerk4"
    wrong_password(from_address(server, "127.0.0.3"), "clerk4", 1)  # another machine has its own count

    clock.advance(minutes=16)
    assert attacker.sign_in("clerk4", PASSWORD).staff.login == "clerk4"


def test_guessing_from_many_addresses_stops_at_new_addresses_only(server, hall):
    window = from_address(server, WINDOW_PC)
    window.sign_in("clerk3", PASSWORD)
    for host in ("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"):
        wrong_password(from_address(server, host), "clerk3", 5)  # 20 from addresses clerk3 never used
    message = refused(from_address(server, "127.0.0.6"), "clerk3").json()["message"]
    assert "新电脑" in message
    assert window.sign_in("clerk3", PASSWORD).staff.login == "clerk3"


def test_one_address_guessing_many_accounts_is_stopped(server, hall):
    scanner = from_address(server, "127.0.0.7")
    for n in range(20):
        wrong_password(scanner, f"user{n:02d}", 1)
    assert "本机" in refused(scanner, "manager").json()["message"]
    assert from_address(server, WINDOW_PC).sign_in("manager", PASSWORD).staff.login == "manager"


def test_a_new_password_ends_the_accounts_locks(server, hall):
    attacker = from_address(server, "127.0.0.2")
    wrong_password(attacker, "clerk2", 5)
    refused(attacker, "clerk2")
    server.state.uow.run(lambda ctx: set_password(ctx, "clerk2", "a-new-password-1"))
    assert attacker.sign_in("clerk2", "a-new-password-1").staff.login == "clerk2"


def test_forwarded_for_counts_only_behind_a_trusted_proxy(database_url, tmp_path, clock):
    def sign_in(server, forwarded: str, password: str) -> int:
        response = httpx.post(
            f"{server.base_url}/api/v1/auth/login",
            json={"login": "clerk1", "password": password},
            headers={"X-Forwarded-For": forwarded},
        )
        return response.status_code

    behind_proxy = start_server(make_settings(database_url, tmp_path, trusted_proxies=["127.0.0.1"]), clock)
    try:
        seed_hall(behind_proxy.state.uow)
        assert [sign_in(behind_proxy, "203.0.113.5", "wrong") for _ in range(6)] == [401] * 5 + [429]
        assert sign_in(behind_proxy, "203.0.113.5, 198.51.100.9", PASSWORD) == 200  # another client
    finally:
        behind_proxy.stop()


def test_forwarded_for_from_anyone_else_is_ignored(server, hall):
    statuses = [
        httpx.post(
            f"{server.base_url}/api/v1/auth/login",
            json={"login": "clerk1", "password": "wrong"},
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        ).status_code
        for n in range(6)
    ]
    assert statuses == [401] * 5 + [429]  # the same peer, whatever it claims


def test_client_address_takes_the_last_hop_not_a_proxy():
    proxies = ["10.0.0.0/8", "127.0.0.1"]
    assert client_address("127.0.0.1", {"x-forwarded-for": "1.2.3.4, 10.1.1.1"}, proxies) == "1.2.3.4"
    assert client_address("127.0.0.1", {"x-forwarded-for": "6.6.6.6, 1.2.3.4"}, proxies) == "1.2.3.4"
    assert client_address("127.0.0.1", {}, proxies) == "127.0.0.1"
    assert client_address("192.0.2.1", {"x-forwarded-for": "1.2.3.4"}, proxies) == "192.0.2.1"
    assert client_address(None, {}, []) == ""


def test_counts_whose_time_is_over_are_forgotten(server, hall, clock):
    def rows() -> int:
        return server.state.uow.read(
            lambda ctx: ctx.session.scalar(select(func.count()).select_from(LoginThrottle))
        )

    for n in range(4):
        wrong_password(from_address(server, f"127.0.0.{n + 2}"), f"user{n}", 1)
    assert rows() == 4 * 3  # account from address, address, account from new addresses
    clock.advance(minutes=31)
    wrong_password(from_address(server, "127.0.0.9"), "someone", 1)
    assert rows() == 3
