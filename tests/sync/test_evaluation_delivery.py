"""好差评 end to end through the outbox: a service, its 差评 with the follow-up it opens, a step of that
follow-up and a complaint are delivered by the hall's own worker to the reference receiver, all accepted,
each aggregate in order (the service record before its evaluation, as the national interface wants)."""

from __future__ import annotations

from sqlalchemy import select

from hall_server.client import HallClient
from hall_server.contract.complaints import ComplaintIn, ComplaintSubject
from hall_server.contract.evaluation import EvalChannel, EvaluationIn, Level
from hall_server.contract.followups import AssignIn
from hall_server.contract.queue import IssueTicketRequest
from hall_server.events.models import Event
from hall_server.sync.config import PLATFORM_PREFIXES
from tests.conftest import start_server
from tests.factories import seed_hall
from tests.platform.helpers import (
    PROTECT_KEY,
    SignedClient,
    hall_delivering_to,
    settings_for,
    start_platform,
)
from tests.sync.processes import wait_for


def test_evaluation_follow_up_and_complaint_events_reach_the_receiver_in_order(
    database_url, tmp_path, clock, monkeypatch
):
    platform = start_platform(
        settings_for(f"sqlite:///{tmp_path}/platform.db", protect_keys={"k1": PROTECT_KEY})
    )
    settings = hall_delivering_to(platform.base_url, database_url, tmp_path, monkeypatch)
    hall_server = start_server(settings, clock)
    receiver = SignedClient(platform.base_url)
    try:
        hall = seed_hall(hall_server.state.uow)
        base = hall_server.base_url
        kiosk, clerk = HallClient(base, hall.tokens["kiosk"]), HallClient(base, hall.tokens["clerk1"])
        manager = HallClient(base, hall.tokens["manager"])
        ticket = kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
        clerk.window_op(1, "open")
        clerk.call_next(1)
        clerk.window_op(1, "complete")
        opportunity = clerk.window_opportunity(1)
        assert opportunity is not None
        bad = EvaluationIn(
            level=Level.VERY_DISSATISFIED, channel=EvalChannel.WINDOW_PAD, text="材料没有一次说清"
        )
        clerk.evaluate(opportunity.id, bad)
        [follow_up] = manager.followups()
        manager.followup_step(follow_up.id, "assign", AssignIn(department_code="ZONGHE"))
        complaint = clerk.record_complaint(
            ComplaintIn(subject=ComplaintSubject.EFFICIENCY, text="等候太久", ticket_id=ticket.id)
        )

        def sent_kinds() -> list[str]:
            kinds = hall_server.state.uow.read(
                lambda ctx: list(ctx.session.scalars(select(Event.event_type).order_by(Event.id)))
            )
            return [k for k in kinds if k.startswith(PLATFORM_PREFIXES)]

        expected = len(sent_kinds())
        wait_for(lambda: receiver.stats()["accepted"] == expected, 30, "every event accepted")
        assert receiver.stats()["apps"]["HALL-A"]["rejected"] == 0

        def kinds_of(aggregate_type: str, aggregate_id: int) -> list[str]:
            events = receiver.aggregate(aggregate_type, str(aggregate_id))["events"]
            assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
            return [e["event_type"] for e in events]

        assert kinds_of("evaluation", opportunity.id) == [
            "evaluation.opportunity.created",
            "evaluation.submitted",
        ]
        assert kinds_of("evaluation_followup", follow_up.id) == [
            "evaluation_followup.opened",
            "evaluation_followup.assigned",
        ]
        assert kinds_of("complaint", complaint.id) == ["complaint.recorded"]
    finally:
        receiver.close()
        hall_server.stop()
        platform.stop()
