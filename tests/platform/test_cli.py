"""`yimen platform serve` as a real process: secrets from flags, a file and the environment; faults from
flags; a restart on the same SQLite file keeps the events and the nonces (no replay window reopens)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hall_server.sync import wire
from tests.conftest import free_port
from tests.platform.helpers import PROTECT_KEY, SignedClient, envelope

YIMEN = str(Path(sys.executable).with_name("yimen"))
SECRETS = {"HALL-A": "cli-secret-a", "HALL-B": "cli-secret-b", "HALL-C": "cli-secret-c"}
APPLICANT = {"applicant": {"name": "张小三", "id_no": "11010519491231002X", "mobile": "13812341234"}}


class Served:
    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("a") as out:
            self.process = subprocess.Popen(
                [YIMEN, "platform", "serve", "--port", str(self.port), *args],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, log.read_text()
            try:
                httpx.get(f"{self.base_url}/healthz", timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError("yimen platform serve did not come up")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=15)

    def client(self, app_id: str) -> SignedClient:
        return SignedClient(self.base_url, app_id, secret=SECRETS[app_id].encode())


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[list[str], dict[str, str], Path, list[Served]]]:
    apps_file = tmp_path / "apps.json"
    apps_file.write_text(json.dumps({"HALL-B": SECRETS["HALL-B"]}))
    args = [
        "--database-url", f"sqlite:///{tmp_path / 'var' / 'platform.db'}",
        "--app", f"HALL-A:{SECRETS['HALL-A']}",
        "--apps-file", str(apps_file),
        "--protect-key", f"k1:{PROTECT_KEY.hex()}",
        "--admin-token", "cli-admin",
        "--tz", "Asia/Shanghai",
    ]  # fmt: skip
    env = {**os.environ, "YIMEN_PLATFORM_APPS": json.dumps({"HALL-C": SECRETS["HALL-C"]})}
    served: list[Served] = []
    yield args, env, tmp_path / "platform.log", served
    for server in served:
        server.stop()


def test_serve_restart_keeps_events_and_nonces(setup):
    args, env, log, served = setup
    first = Served(args, env, log)
    served.append(first)
    a, b, c = first.client("HALL-A"), first.client("HALL-B"), first.client("HALL-C")
    event = envelope("t-cli", 1)
    event["protected"] = wire.protect(PROTECT_KEY, "k1", event, APPLICANT)
    body = wire.encode_body(event)
    headers = {**a.headers("POST", wire.EVENTS_PATH, body), wire.IDEMPOTENCY_HEADER: event["event_id"]}
    assert (
        a.results(a.http.post(wire.EVENTS_PATH, content=body, headers=headers))[0].outcome.value == "accepted"
    )
    assert b.deliver(envelope("t-cli", 2), envelope("t-cli", 3)) == ["accepted", "accepted"]
    assert c.stats()["apps"].keys() == {"HALL-A", "HALL-B"}
    first.stop()
    assert first.process.returncode in (0, -signal.SIGTERM)  # uvicorn re-raises SIGTERM after shutting down

    second = Served(args, env, log)
    served.append(second)
    a = second.client("HALL-A")
    replay = a.http.post(wire.EVENTS_PATH, content=body, headers=headers)
    assert (replay.status_code, replay.json()["code"]) == (401, "NONCE_REPLAYED")
    assert [e["seq"] for e in a.aggregate("ticket", "t-cli")["events"]] == [1, 2, 3]
    assert a.results(a.post_event(event))[0].outcome.value == "duplicate"
    assert a.deliver(envelope("t-cli", 4)) == ["accepted"]
    second.stop()

    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    assert any(line["msg"] == "platform starting" and line["apps"] == sorted(SECRETS) for line in lines)
    assert sum("Application shutdown complete" in line["msg"] for line in lines) == 2
    assert [line["outcome"] for line in lines if line["msg"] == "event"] == ["accepted"] * 3 + [
        "duplicate",
        "accepted",
    ]
    text = log.read_text()
    for never in [*SECRETS.values(), PROTECT_KEY.hex(), "cli-admin", "13812341234", "张小三"]:
        assert never not in text  # no secret and no personal data in the logs


def test_faults_from_flags_then_cleared_by_admin(setup):
    args, env, log, served = setup
    server = Served([*args, "--fault", "slow=0.2", "--fault", "down", "--fault-seed", "3"], env, log)
    served.append(server)
    client = server.client("HALL-A")
    started = time.monotonic()
    response = client.post_event(envelope("t1", 1))
    assert (response.status_code, response.json()["code"]) == (503, "PLATFORM_DOWN")
    assert time.monotonic() - started >= 0.2
    admin = {"Authorization": "Bearer cli-admin"}
    plan = httpx.get(f"{server.base_url}/_admin/faults", headers=admin, timeout=10).json()
    assert plan == {"faults": [{"mode": "slow", "rate": 1.0, "delay": 0.2},
                               {"mode": "down", "rate": 1.0, "delay": None}], "seed": 3}  # fmt: skip
    httpx.post(f"{server.base_url}/_admin/faults", json={"mode": "drop_rate"}, headers=admin, timeout=10)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        client.post_event(envelope("t1", 1))
    httpx.post(f"{server.base_url}/_admin/faults", json={"mode": "none"}, headers=admin, timeout=10)
    assert client.deliver(envelope("t1", 1)) == ["accepted"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--protect-key", "k1:abcd"], "保护密钥"),
        (["--tz", "Mars/Olympus"], "未知时区"),
        (["--apps-file", "/nonexistent/apps.json"], "无法读取应用文件"),
    ],
)
def test_bad_settings_refuse_to_start(tmp_path, extra, message):
    env = {**os.environ, "YIMEN_PLATFORM_APPS": json.dumps({"HALL-A": "x"})}
    result = subprocess.run(
        [YIMEN, "platform", "serve", "--database-url", f"sqlite:///{tmp_path / 'p.db'}", *extra],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2 and message in result.stderr


def test_no_apps_refuses_to_start(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "YIMEN_PLATFORM_APPS"}
    result = subprocess.run(
        [YIMEN, "platform", "serve", "--database-url", f"sqlite:///{tmp_path / 'p.db'}"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2 and "未配置任何应用" in result.stderr
    help_text = subprocess.run([YIMEN, "--help"], capture_output=True, text=True, timeout=60).stdout
    assert "platform" in help_text
