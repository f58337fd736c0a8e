"""好差评 core through the real server: one opportunity per completed service, one evaluation per assess
number under concurrent submissions, channels authorised per caller."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from hall_server.client import ApiError, HallClient
from hall_server.contract.evaluation import (
    EvalChannel,
    EvaluationIn,
    Level,
    NotEvaluatedReason,
    OpportunityOut,
)
from hall_server.contract.events import EventType
from hall_server.contract.queue import IssueTicketRequest, TransferRequest
from hall_server.events.models import Event
from tests.followups.helpers import served


def _served(client_for) -> tuple[HallClient, int]:
    """clerk1 serves one ticket at window 1; returns the clerk and the new opportunity's id."""
    clerk = client_for("clerk1")
    client_for("kiosk").issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    clerk.window_op(1, "open")
    clerk.call_next(1)
    clerk.window_op(1, "complete")
    opportunity = clerk.window_opportunity(1)
    assert opportunity is not None
    return clerk, opportunity.id


def test_completed_service_opens_one_opportunity_with_its_event(server, client_for):
    clerk, _ = _served(client_for)
    opportunity = clerk.window_opportunity(1)
    assert opportunity is not None and opportunity.service_number == 1
    assert opportunity.status == "OPEN" and opportunity.window_no == 1
    types = server.state.uow.read(
        lambda ctx: ctx.session.scalars(select(Event.event_type).order_by(Event.id)).all()
    )
    assert types[-1] == EventType.OPPORTUNITY_CREATED.value


def test_concurrent_submissions_give_one_first_and_one_follow_up(client_for):
    clerk, opportunity_id = _served(client_for)
    body = EvaluationIn(level=Level.VERY_SATISFIED, channel=EvalChannel.WINDOW_PAD)

    def submit(_: int) -> int | str:
        try:
            return clerk.evaluate(opportunity_id, body).assess_number
        except ApiError as exc:
            return exc.code

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(submit, range(6)))
    wins = sorted(o for o in outcomes if isinstance(o, int))
    assert wins in ([1], [1, 2])  # each assess number won exactly once, never a 500
    stored = clerk._call("GET", f"/opportunities/{opportunity_id}", OpportunityOut)
    assert [e.assess_number for e in stored.evaluations] == wins
    if wins == [1]:
        clerk.evaluate(opportunity_id, body)
    assert {o for o in outcomes if isinstance(o, str)} <= {"EVALUATION_EXISTS", "EVALUATION_LIMIT"}
    with pytest.raises(ApiError) as third:
        clerk.evaluate(opportunity_id, body)
    assert third.value.status == 409 and third.value.code == "EVALUATION_LIMIT"


def test_a_first_evaluation_sent_from_two_places_at_once_is_taken_once(client_for):
    """The pad and the follow page rate the same service at the same moment: one wins, the other is told it
    was rated already; neither becomes an accidental 追评."""
    clerk, opportunity_id = served(client_for)
    first = EvaluationIn(level=Level.SATISFIED, channel=EvalChannel.WINDOW_PAD, follow_up=False)

    def submit(_: int) -> int | str:
        try:
            return clerk.evaluate(opportunity_id, first).assess_number
        except ApiError as exc:
            return exc.code

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(submit, range(6)))
    assert sorted(o for o in outcomes if isinstance(o, int)) == [1]
    assert {o for o in outcomes if isinstance(o, str)} == {"EVALUATION_EXISTS"}
    follow_up = first.model_copy(update={"follow_up": True, "level": Level.VERY_SATISFIED})
    assert clerk.evaluate(opportunity_id, follow_up).assess_number == 2
    _, unrated = served(client_for)
    with pytest.raises(ApiError) as too_early:
        clerk.evaluate(unrated, follow_up)
    assert (too_early.value.status, too_early.value.code) == (409, "EVALUATION_NOT_YET")


def test_channels_are_authorised_per_caller(client_for):
    _, opportunity_id = _served(client_for)
    pad = EvaluationIn(level=Level.SATISFIED, channel=EvalChannel.WINDOW_PAD)
    with pytest.raises(ApiError) as other_clerk:
        client_for("clerk2").evaluate(opportunity_id, pad)
    assert other_clerk.value.status == 403
    with pytest.raises(ApiError) as kiosk_as_pad:
        client_for("kiosk").evaluate(opportunity_id, pad)
    assert kiosk_as_pad.value.status == 403
    kiosk = EvaluationIn(level=Level.SATISFIED, channel=EvalChannel.KIOSK)
    assert client_for("kiosk").evaluate(opportunity_id, kiosk).assess_number == 1


def test_bad_review_needs_a_reason_and_not_evaluated_is_recorded(client_for):
    clerk, opportunity_id = _served(client_for)
    with pytest.raises(ApiError) as refused:
        clerk._call(  # the typed model refuses it already: send the raw body as a pad might
            "POST",
            f"/opportunities/{opportunity_id}/evaluations",
            None,
            _Raw({"level": "DISSATISFIED", "channel": "WINDOW_PAD"}),
        )
    assert refused.value.status == 422
    closed = clerk.not_evaluated(opportunity_id, NotEvaluatedReason.DECLINED)
    assert closed.status == "NOT_EVALUATED" and closed.not_evaluated_reason == "DECLINED"
    assert clerk.window_opportunity(1) is None
    with pytest.raises(ApiError) as late:
        clerk.evaluate(opportunity_id, EvaluationIn(level=Level.SATISFIED, channel=EvalChannel.WINDOW_PAD))
    assert late.value.code == "OPPORTUNITY_CLOSED"


class _Raw:
    def __init__(self, data: dict[str, object]) -> None:
        self.data = data

    def model_dump_json(self, **_: object) -> str:
        import json

        return json.dumps(self.data)


def test_transfer_back_opens_one_opportunity_per_window_contact(client_for):
    """转办回流: window 2's part and window 1's final completion are two service contacts, each rated by
    its own window's pad, bound to that window and its clerk."""
    kiosk, clerk1, clerk2 = client_for("kiosk"), client_for("clerk1"), client_for("clerk2")
    ticket = kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    clerk1.window_op(1, "open")
    clerk2.window_op(2, "open")
    clerk1.call_next(1)
    clerk1.transfer(1, TransferRequest(to_window_no=2, expect_return=True))
    assert clerk1.window_opportunity(1) is None  # a transfer is not a completed contact
    clerk2.call_next(2)
    clerk2.window_op(2, "complete")
    part = clerk2.window_opportunity(2)
    assert part is not None
    assert (part.ticket_id, part.service_number, part.window_no) == (ticket.id, 1, 2)
    assert part.staff_name == "员工clerk2"
    assert clerk1.window_opportunity(1) is None  # window 1 has not finished yet
    clerk1.call_next(1)
    clerk1.window_op(1, "complete")
    final = clerk1.window_opportunity(1)
    assert final is not None
    assert (final.ticket_id, final.service_number, final.window_no) == (ticket.id, 2, 1)
    assert final.staff_name == "员工clerk1"
    with pytest.raises(ApiError) as caught:  # window 2's part is rated on window 2's pad only
        clerk1.evaluate(part.id, EvaluationIn(level=Level.SATISFIED, channel=EvalChannel.WINDOW_PAD))
    assert caught.value.code == "EVALUATION_CHANNEL_REFUSED"
    clerk2.evaluate(part.id, EvaluationIn(level=Level.SATISFIED, channel=EvalChannel.WINDOW_PAD))
    clerk1.evaluate(final.id, EvaluationIn(level=Level.VERY_SATISFIED, channel=EvalChannel.WINDOW_PAD))
    assert (clerk1.my_day().ratings, clerk2.my_day().ratings) == (
        {Level.VERY_SATISFIED.value: 1},
        {Level.SATISFIED.value: 1},
    )
