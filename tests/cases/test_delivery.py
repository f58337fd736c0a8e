"""办件 events through the outbox: the hall's own worker delivers every step of a case to the reference
receiver, accepted in order, the applicant readable only in `protected` with the shared key; a hall that
sends to a platform without that key refuses intake clearly rather than send a case without its applicant."""

from __future__ import annotations

import pytest

from hall_server.client import ApiError, HallClient
from hall_server.contract.cases import AgentIn, CaseOpenIn, MaterialsIn, PickupIn, ResultReadyIn
from hall_server.sync import wire
from tests.cases.helpers import concluded_case, instant_matter
from tests.conftest import start_server
from tests.factories import ELDERLY_ID, OTHER_ID, YOUNG_ID, person, seed_hall
from tests.platform.helpers import (
    PROTECT_KEY,
    SignedClient,
    hall_delivering_to,
    settings_for,
    start_platform,
)
from tests.sync.processes import wait_for


def test_every_step_of_a_case_reaches_the_receiver_in_order_with_the_applicant_protected(
    database_url, tmp_path, clock, monkeypatch
):
    platform = start_platform(settings_for(f"sqlite:///{tmp_path}/platform.db"))
    settings = hall_delivering_to(platform.base_url, database_url, tmp_path, monkeypatch)
    hall_server = start_server(settings, clock)
    receiver = SignedClient(platform.base_url)
    try:
        hall = seed_hall(hall_server.state.uow)
        clerk = HallClient(hall_server.base_url, hall.tokens["clerk1"])
        case = clerk.open_case(CaseOpenIn(matter_id=hall.matters["marriage"], applicant=person()))
        form = next(m.material_id for m in case.materials if m.name == "申请表")
        clerk.require_correction(case.id)
        clerk.receive_materials(case.id, MaterialsIn(received=[form]))
        clerk.accept_case(case.id)

        def delivered() -> list[dict]:
            events: list[dict] = receiver.aggregate("case", str(case.id))["events"]
            return events

        wait_for(lambda: len(delivered()) == 4, 30, "the case's four events delivered")
        events = delivered()
        assert [e["event_type"] for e in events] == [
            "case.submitted",
            "case.correction_required",
            "case.materials_received",
            "case.accepted",
        ]
        assert [e["seq"] for e in events] == [1, 2, 3, 4]
        submitted = events[0]["envelope"]
        assert YOUNG_ID not in str(events) and "张小三" not in str(events)
        assert wire.unprotect(PROTECT_KEY, submitted) == {"applicant": YOUNG_ID, "applicant_name": "张小三"}
        assert receiver.stats()["apps"]["HALL-A"]["rejected"] == 0
    finally:
        receiver.close()
        hall_server.stop()
        platform.stop()


def test_a_hall_sending_to_a_platform_without_the_shared_key_refuses_intake(
    database_url, tmp_path, clock, monkeypatch
):
    settings = hall_delivering_to(
        "http://127.0.0.1:9", database_url, tmp_path, monkeypatch, sync_protect_key=None
    )
    hall_server = start_server(settings, clock)
    try:
        hall = seed_hall(hall_server.state.uow)
        clerk = HallClient(hall_server.base_url, hall.tokens["clerk1"])
        with pytest.raises(ApiError) as refused:
            clerk.open_case(CaseOpenIn(matter_id=hall.matters["marriage"], applicant=person()))
        assert (refused.value.status, refused.value.code) == (503, "SYNC_PROTECT_KEY_MISSING")
        assert "YIMEN_SYNC_PROTECT_KEY" in refused.value.message
    finally:
        hall_server.stop()


def test_a_whole_case_to_pickup_reaches_the_receiver_in_order(database_url, tmp_path, clock, monkeypatch):
    """Intake, conclusion at the window (即办件), an agent, the result ready, a wrong card refused, the
    pickup: every event accepted in order, the agent readable only in `protected`."""
    platform = start_platform(settings_for(f"sqlite:///{tmp_path}/platform.db"))
    settings = hall_delivering_to(platform.base_url, database_url, tmp_path, monkeypatch)
    hall_server = start_server(settings, clock)
    receiver = SignedClient(platform.base_url)
    try:
        hall = seed_hall(hall_server.state.uow)
        clerk = HallClient(hall_server.base_url, hall.tokens["clerk1"])
        case = concluded_case(clerk, instant_matter(hall_server.state.uow)).case
        clerk.record_case_agent(case.id, AgentIn(agent=person(OTHER_ID, "李代理")))
        clerk.result_ready(case.id, ResultReadyIn())
        with pytest.raises(ApiError):
            clerk.pick_up_result(case.id, PickupIn(card=person(ELDERLY_ID)))
        clerk.pick_up_result(case.id, PickupIn(card=person(OTHER_ID)))
        expected = [
            "case.submitted",
            "case.accepted",
            "case.concluded",
            "case.agent_recorded",
            "result.ready_for_pickup",
            "result.pickup_refused",
            "result.picked_up",
        ]

        def delivered() -> list[dict]:
            events: list[dict] = receiver.aggregate("case", str(case.id))["events"]
            return events

        wait_for(lambda: len(delivered()) == len(expected), 30, "the whole case delivered")
        events = delivered()
        assert [e["event_type"] for e in events] == expected
        assert [e["seq"] for e in events] == list(range(1, len(expected) + 1))
        assert OTHER_ID not in str(events) and "李代理" not in str(events)
        agent = events[3]["envelope"]
        assert wire.unprotect(PROTECT_KEY, agent) == {"agent": OTHER_ID, "agent_name": "李代理"}
        assert events[-1]["envelope"]["data"]["picked_by"] == "AGENT"
        assert receiver.stats()["apps"]["HALL-A"]["rejected"] == 0
    finally:
        receiver.close()
        hall_server.stop()
        platform.stop()
