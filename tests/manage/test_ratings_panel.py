"""今日好差评 on the managers' dashboard in Chromium against a real hall server: the day's figures update live
as services end and are rated (no reload)."""

from __future__ import annotations

from playwright.sync_api import expect

from hall_server.contract.evaluation import EvalChannel, EvaluationIn, Level
from hall_server.contract.queue import IssueTicketRequest
from tests.manage.test_live_hall import open_live, still_loaded


def serve_and_rate(client_for, level: Level, text: str = "") -> None:
    clerk = client_for("clerk1")
    client_for("kiosk").issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    clerk.call_next(1)
    clerk.window_op(1, "complete")
    opportunity = clerk.window_opportunity(1)
    assert opportunity is not None
    clerk.evaluate(opportunity.id, EvaluationIn(level=level, channel=EvalChannel.WINDOW_PAD, text=text))


def test_the_days_ratings_update_live(server, hall, client_for, page):
    open_live(page, server.base_url)
    expect(page.locator("#ratings-none")).to_be_visible()
    client_for("clerk1").window_op(1, "open")
    serve_and_rate(client_for, Level.SATISFIED)
    expect(page.locator("#rating-active_rate")).to_have_text("100.0%（1/1）")
    expect(page.locator("#rating-good_rate")).to_have_text("100.0%（1/1）")
    serve_and_rate(client_for, Level.DISSATISFIED, "等候时间太长")
    expect(page.locator("#rating-bad_rate")).to_have_text("50.0%（1/2）")
    expect(page.locator("#rating-rectified_rate")).to_have_text("0.0%（0/1）")  # its follow-up is open
    expect(page.locator("#ratings-none")).to_be_hidden()
    assert still_loaded(page)
