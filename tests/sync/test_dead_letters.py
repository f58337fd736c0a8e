"""A target that refuses an event: it goes to the dead letters with the reason, holds back the later events
of its aggregate (order is never broken), and is delivered once the cause is fixed and it is replayed."""

from __future__ import annotations

import json

from hall_server.client import HallClient
from hall_server.contract.events import AggregateType, EventType
from hall_server.events.service import record
from tests.conftest import make_settings, start_server
from tests.factories import seed_hall
from tests.platform.helpers import APPS, PROTECT_KEY, settings_for, start_platform
from tests.sync.processes import wait_for


def test_refused_event_is_a_dead_letter_until_replayed(database_url, tmp_path, clock, monkeypatch):
    platform_db = f"sqlite:///{tmp_path}/platform.db"
    platform = start_platform(settings_for(platform_db, protect_keys={"k1": PROTECT_KEY}))
    monkeypatch.setenv("YIMEN_TEST_HALL_SECRET", APPS["HALL-A"].decode())
    settings = make_settings(
        database_url,
        tmp_path,
        sync_idle_seconds=0.1,
        sync_backoff_base_seconds=0.05,
        sync_targets=[
            {
                "name": "province",
                "kind": "hall-sync-rest",
                "url": platform.base_url,
                "app_id": "HALL-A",
                "secret_env": "YIMEN_TEST_HALL_SECRET",
            }
        ],
        sync_protect_key=PROTECT_KEY.hex(),
        sync_protect_kid="k2",  # a key the platform does not know yet
    )
    hall_server = start_server(settings, clock)
    try:
        hall = seed_hall(hall_server.state.uow)
        uow = hall_server.state.uow

        def applicant_event(ctx, seq_note: str) -> str:
            return record(
                ctx,
                EventType.APPOINTMENT_BOOKED,
                AggregateType.APPOINTMENT,
                "A-77",
                {"note": seq_note},
                personal={"id_no": "11010519491231002X", "name": "张小三"},
            ).event_id

        first = uow.run(lambda ctx: applicant_event(ctx, "first"))
        second = uow.run(
            lambda ctx: (
                record(
                    ctx, EventType.APPOINTMENT_CANCELLED, AggregateType.APPOINTMENT, "A-77", {"by": "CITIZEN"}
                ).event_id
            )
        )
        with HallClient(hall_server.base_url, hall.tokens["manager"]) as manager:
            wait_for(lambda: manager._call("GET", "/sync/dead", list), 20, "the refusal")
            dead = manager._call("GET", "/sync/dead", list)
            assert [d["event_id"] for d in dead] == [first]
            assert "PROTECTED_KID_UNKNOWN" in dead[0]["last_error"]
            status = manager._call("GET", "/sync/status", dict)["targets"][0]
            assert status["dead"] == 1 and status["backlog"] == 1  # the cancellation waits behind it
            with hall_server.state.factory() as session:
                from hall_server.sync.models import Delivery

                held = session.get(Delivery, (second, "province"))
                assert held.status == "PENDING" and held.attempts == 0

            platform.stop()  # the province installs key k2
            both_keys = {"k1": PROTECT_KEY, "k2": PROTECT_KEY}
            restarted = start_platform(
                settings_for(platform_db, protect_keys=both_keys), port=_port(platform)
            )
            try:
                replayed = manager._call("POST", "/sync/replay", dict, _body({"all_dead": True}))
                assert replayed == {"requeued": 1}
                hall_server.state.worker.wake()
                wait_for(
                    lambda: manager._call("GET", "/sync/status", dict)["targets"][0]["backlog"] == 0,
                    20,
                    "delivery after the replay",
                )
                assert manager._call("GET", "/sync/dead", list) == []
            finally:
                restarted.stop()
    finally:
        hall_server.stop()


def _body(data):
    from tests.factories import RawBody

    return RawBody(json.dumps(data))


def _port(platform) -> int:
    return int(platform.base_url.rsplit(":", 1)[1])
