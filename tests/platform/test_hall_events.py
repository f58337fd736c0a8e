"""What the hall really writes is what the receiver accepts: events from a real hall server's event log
(tickets with a citizen's identity, calls, service, its evaluation, the 差评's follow-up, a complaint)
delivered in log order. Events outside the hall-sync/1
families (hall.*, catalogue.*) are refused by type: the sender is expected to leave them out."""

from __future__ import annotations

import json

from sqlalchemy import create_engine, text

from hall_server.contract.complaints import ComplaintIn, ComplaintSubject
from hall_server.contract.evaluation import EvalChannel, EvaluationIn, Level
from hall_server.contract.followups import AssignIn
from hall_server.contract.queue import IssueTicketRequest
from hall_server.platform.validation import EVENT_TYPE_RE
from hall_server.sync.config import PLATFORM_PREFIXES
from tests.factories import ELDERLY_ID, person
from tests.platform.helpers import SignedClient, settings_for, start_platform


def test_the_halls_own_events_are_accepted(client_for, settings, tmp_path):
    kiosk, clerk = client_for("kiosk"), client_for("clerk2")
    kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL", identity=person(ELDERLY_ID, "李大爷")))
    kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL", identity=person()))
    clerk.window_op(2, "open")
    clerk.call_next(2)
    clerk.window_op(2, "start")
    done = clerk.window_op(2, "complete").ticket
    opportunity = clerk.window_opportunity(2)
    assert opportunity is not None and done is not None
    bad = EvaluationIn(level=Level.DISSATISFIED, channel=EvalChannel.WINDOW_PAD, text="等候时间太长")
    clerk.evaluate(opportunity.id, bad)  # a 差评: its follow-up opens
    manager = client_for("manager")
    [follow_up] = manager.followups()
    manager.followup_step(follow_up.id, "assign", AssignIn(department_code="ZONGHE"))
    clerk.record_complaint(
        ComplaintIn(subject=ComplaintSubject.ATTITUDE, text="窗口人员态度生硬", ticket_id=done.id)
    )

    engine = create_engine(settings.database_url)
    with engine.connect() as connection:
        payloads = list(connection.execute(text("select payload from event order by id")).scalars())
    engine.dispose()
    if isinstance(payloads[0], str):  # SQLite hands JSON back as text
        payloads = [json.loads(p) for p in payloads]
    synced = [p for p in payloads if p["event_type"].startswith(PLATFORM_PREFIXES)]  # what the sender sends
    others = [p for p in payloads if not p["event_type"].startswith(PLATFORM_PREFIXES)]
    assert all(EVENT_TYPE_RE.match(p["event_type"]) for p in synced)
    assert {p["event_type"] for p in synced} >= {
        "queue.ticket.issued", "queue.ticket.called", "queue.ticket.service_started",
        "queue.ticket.service_completed", "evaluation.opportunity.created", "evaluation.submitted",
        "evaluation_followup.opened", "evaluation_followup.assigned", "complaint.recorded",
    }  # fmt: skip
    kinds = [p["event_type"] for p in synced]  # the service record before its evaluation (national order)
    assert kinds.index("evaluation.opportunity.created") < kinds.index("evaluation.submitted")

    platform = start_platform(settings_for(f"sqlite:///{tmp_path / 'platform.db'}"))
    sender = SignedClient(platform.base_url)
    try:
        for start in range(0, len(synced), 50):
            assert sender.deliver(*synced[start : start + 50]) == ["accepted"] * len(
                synced[start : start + 50]
            )
        assert "hall.window.opened" in {p["event_type"] for p in others}
        results = sender.results(sender.post_batch(others[:50]))
        assert {r.code for r in results} == {"EVENT_TYPE_INVALID"}
        assert sender.stats()["accepted"] == len(synced)
    finally:
        sender.close()
        platform.stop()
