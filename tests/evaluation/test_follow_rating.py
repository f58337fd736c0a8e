"""评价 from the ticket's follow page (channel QR) through the real server: the follow code is the
credential for 15 days after the service day, the first evaluation and one 追评, a 差评 needs its reason,
a service the visitor did not rate at the pad may still be rated later, another ticket's service is not
reachable with this code."""

from __future__ import annotations

import pytest

from hall_server.client import ApiError, HallClient
from hall_server.contract.evaluation import EvalChannel, FollowEvaluationIn, Level, NotEvaluatedReason
from hall_server.contract.queue import IssueTicketRequest, TicketOut

SATISFIED = FollowEvaluationIn(level=Level.SATISFIED)


def served(client_for, window: int = 1, login: str = "clerk1") -> tuple[TicketOut, HallClient]:
    clerk = client_for(login)
    ticket = client_for("kiosk").issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    clerk.window_op(window, "open")
    clerk.call_next(window)
    clerk.window_op(window, "complete")
    return ticket, clerk


def anonymous(server) -> HallClient:
    return HallClient(server.base_url, timeout=30)


def test_the_follow_page_rates_its_service_once_and_once_more(server, client_for):
    ticket, _ = served(client_for)
    public = anonymous(server)
    [service] = public.services_of_follow_code(ticket.follow_code)
    assert (service.ticket_number, service.window_no, service.evaluations, service.can_rate) == (
        ticket.number,
        1,
        0,
        True,
    )
    first = public.rate_by_follow_code(
        ticket.follow_code, service.id, FollowEvaluationIn(level=Level.SATISFIED)
    )
    assert (first.channel, first.assess_number, first.level) == (EvalChannel.QR, 1, Level.SATISFIED)
    again = public.rate_by_follow_code(
        ticket.follow_code, service.id, FollowEvaluationIn(level=Level.VERY_SATISFIED, text="后来补办很顺利")
    )
    assert again.assess_number == 2
    [done] = public.services_of_follow_code(ticket.follow_code)
    assert (done.evaluations, done.can_rate) == (2, False)
    with pytest.raises(ApiError) as third:
        public.rate_by_follow_code(ticket.follow_code, service.id, FollowEvaluationIn(level=Level.BASIC))
    assert (third.value.status, third.value.code) == (409, "EVALUATION_LIMIT")


def test_a_bad_rating_needs_its_reason_and_opens_a_follow_up(server, client_for):
    ticket, _ = served(client_for)
    public = anonymous(server)
    [service] = public.services_of_follow_code(ticket.follow_code)
    refused = public.http.post(
        f"/api/v1/public/tickets/{ticket.follow_code}/opportunities/{service.id}/evaluations",
        json={"level": "DISSATISFIED"},
    )
    assert refused.status_code == 422 and refused.json()["code"]
    public.rate_by_follow_code(
        ticket.follow_code, service.id, FollowEvaluationIn(level=Level.DISSATISFIED, text="等候时间太长")
    )
    [follow_up] = client_for("manager").followups()
    assert follow_up.opportunity_id == service.id


def test_not_rated_at_the_pad_may_be_rated_later_on_the_phone(server, client_for, clock):
    ticket, clerk = served(client_for)
    opportunity = clerk.window_opportunity(1)
    assert opportunity is not None
    clerk.not_evaluated(opportunity.id, NotEvaluatedReason.DECLINED)
    clock.advance(days=3)  # at home, days later: the page opens for its services
    public = anonymous(server)
    [service] = public.services_of_follow_code(ticket.follow_code)
    assert service.can_rate
    rated = public.rate_by_follow_code(
        ticket.follow_code, service.id, FollowEvaluationIn(level=Level.SATISFIED)
    )
    assert rated.channel is EvalChannel.QR
    assert public.http.get(f"/f/{ticket.follow_code}").status_code == 200


def test_codes_outside_the_window_and_other_tickets_are_not_found(server, client_for, clock):
    ticket, _ = served(client_for)
    other, _ = served(client_for, 2, "clerk2")
    public = anonymous(server)
    [others] = public.services_of_follow_code(other.follow_code)
    with pytest.raises(ApiError) as foreign:
        public.rate_by_follow_code(ticket.follow_code, others.id, SATISFIED)
    assert (foreign.value.status, foreign.value.code) == (404, "OPPORTUNITY_NOT_FOUND")
    for code in ("NoSuchCode123", "x"):
        with pytest.raises(ApiError) as unknown:
            public.services_of_follow_code(code)
        assert unknown.value.status == 404
    clock.advance(days=16)
    with pytest.raises(ApiError) as expired:
        public.services_of_follow_code(ticket.follow_code)
    assert expired.value.status == 404 and "评价期限" in expired.value.message
    assert public.http.get(f"/f/{ticket.follow_code}").status_code == 404
