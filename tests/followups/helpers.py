"""A 差评 as it happens at the counter: a clerk serves a ticket at their window, the visitor rates it on the
window's pad (the counter client's `evaluate` on the window's opportunity)."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from hall_server.client import HallClient
from hall_server.contract.evaluation import EvalChannel, EvaluationIn, Level
from hall_server.contract.followups import FollowupOut
from hall_server.contract.queue import IssueTicketRequest
from hall_server.events.models import Event

LOGINS = {1: "clerk1", 2: "clerk2"}


def staff_id(client_for, login: str) -> int:
    me = client_for(login).whoami().staff
    assert me is not None
    return me.id


def served(client_for, window: int = 1) -> tuple[HallClient, int]:
    """The window's clerk serves one ticket; returns the clerk and the new opportunity's id."""
    clerk = client_for(LOGINS[window])
    client_for("kiosk").issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    if clerk.window(window).state == "CLOSED":
        clerk.window_op(window, "open")
    clerk.call_next(window)
    clerk.window_op(window, "complete")
    opportunity = clerk.window_opportunity(window)
    assert opportunity is not None
    return clerk, opportunity.id


def bad_review(client_for, window: int = 1, text: str = "等了很久，态度冷淡") -> FollowupOut:
    """A 不满意 on the window's pad; returns the follow-up it opened."""
    clerk, opportunity_id = served(client_for, window)
    body = EvaluationIn(level=Level.DISSATISFIED, channel=EvalChannel.WINDOW_PAD, text=text)
    evaluation = clerk.evaluate(opportunity_id, body)
    found = [f for f in client_for("manager").followups() if f.evaluation_id == evaluation.id]
    assert len(found) == 1
    return found[0]


def followup_events(server, followup_id: int) -> list[tuple[str, dict]]:
    def read(ctx):
        rows = ctx.session.scalars(
            select(Event)
            .where(Event.aggregate_type == "evaluation_followup", Event.aggregate_id == str(followup_id))
            .order_by(Event.aggregate_seq)
        )
        return [(row.event_type, row.payload["data"]) for row in rows]

    return server.state.uow.read(read)


def raw(server, token: str, method: str, path: str, body: object = None, **params: str) -> httpx.Response:
    """A request as a careless client might send it (the typed models would refuse it first)."""
    return httpx.request(
        method,
        f"{server.base_url}/api/v1{path}",
        headers={"Authorization": f"Bearer {token}"},
        json=body,
        params=params,
        timeout=30,  # a loaded CI machine, not a slow server: the typed client waits as long
    )
